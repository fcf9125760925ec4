import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

/** The secrets as `npm run setup:local` lays them out, after one key rotation. */
function testSecrets() {
  const random = () => randomBytes(32).toString('base64url')
  const { privateKey } = generateKeyPairSync('ed25519')
  // A key that signed before the current one: only its public half is kept.
  const { publicKey: retired } = generateKeyPairSync('ed25519')
  return {
    ADMIN_TOKEN: random(),
    LINK_SECRET: random(),
    IP_HASH_KEY: random(),
    SESSION_SECRET: random(),
    CHANNEL_SECRET: random(),
    RECEIPT_PRIVATE_KEY: JSON.stringify(privateKey.export({ format: 'jwk' })),
    RECEIPT_RETIRED_KEYS: JSON.stringify([retired.export({ format: 'jwk' })]),
  }
}

/** Run by both projects: with one shard (DB, as npm start) and with four. */
const SHARD_TESTS = 'test/scale/**/*.test.ts'
/**
 * Cloudflare Access as the tests see it: a team domain nobody fetches, because ACCESS_JWKS hands
 * the Worker the key set directly. The private half reaches only the tests (TEST_ACCESS_KEY),
 * which sign their own Access JWTs with it.
 */
function testAccess() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const kid = randomBytes(8).toString('hex')
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }
  return {
    ACCESS_TEAM_DOMAIN: 'redlines-test.cloudflareaccess.com',
    ACCESS_AUD: randomBytes(32).toString('hex'),
    ACCESS_JWKS: JSON.stringify({ keys: [publicJwk] }),
    TEST_ACCESS_KEY: JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256' }),
  }
}

/**
 * The files under content/notices/ that are not text (a check version's model weights), base64 by
 * path: Vite's ?raw import would decode them as UTF-8, so test/content-helpers.ts gets them here.
 */
async function contentBinaries(): Promise<Record<string, string>> {
  const root = path.join(import.meta.dirname, 'content/notices')
  const out: Record<string, string> = {}
  for (const name of await readdir(root, { recursive: true })) {
    if (!name.endsWith('.bin')) continue
    const file = path.join('content/notices', name).split(path.sep).join('/')
    out[file] = (await readFile(path.join(root, name))).toString('base64')
  }
  return out
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, 'drizzle'))
  // Test-only bindings: the real migrations, applied to every database by test/setup.ts, and
  // the acknowledgement secrets (fresh random values for every run, never read from .dev.vars).
  // ACK_QUEUE is the Queue a shard that stays overloaded hands writes to (wrangler.scale.toml
  // binds it for the national configuration); a short batch timeout keeps the tests quick.
  // Setting queues here replaces wrangler.toml's, so the reminders' queues (as wrangler.toml
  // declares them) are repeated.
  const queues = {
    queueProducers: { ACK_QUEUE: 'redlines-acks-test', REMINDER_QUEUE: 'redlines-reminders' },
    queueConsumers: {
      'redlines-acks-test': { maxBatchTimeout: 0.05, maxRetries: 5 },
      'redlines-reminders': {
        maxBatchSize: 10,
        maxBatchTimeout: 2,
        maxRetries: 5,
        deadLetterQueue: 'redlines-reminders-dead',
      },
      'redlines-reminders-dead': { maxBatchSize: 10, maxBatchTimeout: 2, maxRetries: 3 },
    },
  }
  const contentBinaryFiles = await contentBinaries()
  const project = (name: string, include: string[], extraDatabases: string[]) => ({
    plugins: [
      cloudflareTest({
        main: './src/index.ts',
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          // Test-only bindings: the real migrations, applied by test/setup.ts.
          // Acknowledgement secrets: fresh random values for every run, never read from .dev.vars.
          // Reminders: a receiver on this machine (test/global-setup.ts) and retries without waiting.
          // Two sites may call the check API from a browser (one written with a trailing slash);
          // the tests of other settings hand the app an env of their own.
          bindings: {
            TEST_MIGRATIONS: migrations,
            TEST_CONTENT_BINARIES: contentBinaryFiles,
            ...testSecrets(),
            ...testAccess(),
            ALLOW_LOCAL_WEBHOOKS: 'true',
            REMINDER_RETRY_SECONDS: '0',
            TEST_RECEIVER: `http://127.0.0.1:${process.env.RECEIVER_PORT ?? 8855}`,
            CHECK_CORS_ORIGINS: 'https://chat.example.org, https://app.example.org/',
          },
          d1Databases: ['DB', ...extraDatabases],
          ...queues,
        },
      }),
    ],
    // Real D1 and workerd on a shared 2-core machine: a heavy test (eight concurrent imports, a
    // batch of dense texts) can pass 5 s under load while being correct; a hang still fails.
    test: { name, include, setupFiles: ['./test/setup.ts'], testTimeout: 20_000 },
  })
  return {
    test: {
      projects: [
        project('one-shard', ['test/**/*.test.ts'], []),
        project('four-shards', [SHARD_TESTS], ['DB_SHARD_1', 'DB_SHARD_2', 'DB_SHARD_3']),
      ],
      globalSetup: ['./test/global-setup.ts'],
    },
  }
})
