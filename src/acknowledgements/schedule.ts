import { shardsOf } from '../db/shards'
import { AUDIT_MAX_LIMIT } from './audit'
import { extendLog } from './checkpoints'
import { signGlobalCheckpoint } from './global'
import { ackSecrets } from './secrets'

/**
 * A whole number from 1 to max out of an optional setting, else the default. The defaults suit
 * the paid plan (30 s of CPU a run); on the free plan's 10 ms a run, set CHECKPOINT_RECORDS to
 * about 50 and CHECKPOINTS_PER_RUN to 1.
 */
function setting(value: string | undefined, fallback: number, max: number): number {
  const n = Number(value)
  return Number.isInteger(n) && n >= 1 && n <= max ? n : fallback
}

/**
 * The cron trigger: signed checkpoints over the acknowledgements written since the last one, in
 * every shard, each checking only the records it adds (at most CHECKPOINT_RECORDS, default 500),
 * at most CHECKPOINTS_PER_RUN (default 20) a run in all, taken in turns by the shards that are
 * behind. Each checkpoint is stored before the next is started, so a run cut short keeps what it
 * did, and the next run continues. With several shards, a global checkpoint then signs every
 * shard's newest checkpoint.
 */
export async function scheduledCheckpoint(env: Env, now: Date): Promise<void> {
  const maxRecords = setting(env.CHECKPOINT_RECORDS, 500, AUDIT_MAX_LIMIT)
  const maxRuns = setting(env.CHECKPOINTS_PER_RUN, 20, 100)
  const secrets = await ackSecrets(env)
  const shards = shardsOf(env)
  const behind = new Set(shards.shards.map((s) => s.index))
  const perShard = new Map<
    number,
    { added: number; checkpoints: number; last?: Awaited<ReturnType<typeof extendLog>> }
  >()
  let runs = 0
  while (runs < maxRuns && behind.size > 0)
    for (const index of [...behind]) {
      if (runs >= maxRuns) break
      runs++
      const last = await extendLog(shards.shard(index).db, secrets.receipt, { now, maxRecords })
      const tally = perShard.get(index) ?? { added: 0, checkpoints: 0 }
      tally.added += last.added
      if (last.newCheckpoint) tally.checkpoints++
      tally.last = last
      perShard.set(index, tally)
      if (!last.newCheckpoint || last.caughtUp || !last.ok) behind.delete(index)
    }
  const global = shards.count > 1 ? await signGlobalCheckpoint(shards, secrets.receipt, now) : null
  // Counts and kinds only: no personal data in logs.
  for (const [shard, tally] of perShard)
    console.log(
      JSON.stringify({
        event: 'ack_checkpoint',
        ...(shards.count > 1 ? { shard } : {}),
        added: tally.added,
        checkpoints: tally.checkpoints,
        treeSize: tally.last?.records ?? null,
        uncheckpointed: tally.last?.uncheckpointed ?? null,
        problems: tally.last?.problems.map((p) => `${p.kind}${p.seq ? `@${p.seq}` : ''}`) ?? [],
      }),
    )
  if (global)
    console.log(
      JSON.stringify({
        event: 'ack_global_checkpoint',
        number: global.latest?.number ?? null,
        signed: global.created !== null,
      }),
    )
}
