import type { D1Migration } from 'cloudflare:test'

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[]
      // The four-shard project binds these (vitest.config.ts); the one-shard project does not.
      DB_SHARD_1?: D1Database
      DB_SHARD_2?: D1Database
      DB_SHARD_3?: D1Database
      ACK_QUEUE: Queue
      /** Files under content/notices/ that are not text (model weights), base64 by path. */
      TEST_CONTENT_BINARIES: Record<string, string>
      /** The private RS256 JWK (with kid) whose public half is ACCESS_JWKS: tests sign Access JWTs. */
      TEST_ACCESS_KEY: string
      /** The local webhook receiver (test/receiver/server.ts) that global-setup starts. */
      TEST_RECEIVER: string
    }
    // Types `exports.default` from 'cloudflare:workers' as the Worker's own default export.
    interface GlobalProps {
      mainModule: typeof import('../src/index')
    }
  }
}
