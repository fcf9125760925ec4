import { applyD1Migrations, env } from 'cloudflare:test'

// Every test file starts from the real schema: the same SQL that `wrangler d1 migrations apply`
// runs, in DB and in every shard bound (DB_SHARD_1, ... in the four-shard project).
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS)
for (let n = 1; ; n++) {
  const shard = (env as unknown as Record<string, D1Database | undefined>)[`DB_SHARD_${n}`]
  if (!shard) break
  await applyD1Migrations(shard, env.TEST_MIGRATIONS)
}
