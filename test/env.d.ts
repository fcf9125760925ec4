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
    }
    // Types `exports.default` from 'cloudflare:workers' as the Worker's own default export.
    interface GlobalProps {
      mainModule: typeof import('../src/index')
    }
  }
}
