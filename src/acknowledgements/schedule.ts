import { database } from '../db/client'
import { AUDIT_MAX_LIMIT } from './audit'
import { extendLog } from './checkpoints'
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
 * The cron trigger: signed checkpoints over the acknowledgements written since the last one,
 * each checking only the records it adds (at most CHECKPOINT_RECORDS, default 500), at most
 * CHECKPOINTS_PER_RUN (default 20) a run. Each checkpoint is stored before the next is started,
 * so a run cut short keeps what it did, and the next run continues.
 */
export async function scheduledCheckpoint(env: Env, now: Date): Promise<void> {
  const maxRecords = setting(env.CHECKPOINT_RECORDS, 500, AUDIT_MAX_LIMIT)
  const maxRuns = setting(env.CHECKPOINTS_PER_RUN, 20, 100)
  const secrets = await ackSecrets(env)
  const db = database(env.DB)
  let added = 0
  let checkpoints = 0
  let last: Awaited<ReturnType<typeof extendLog>> | undefined
  for (let run = 0; run < maxRuns; run++) {
    last = await extendLog(db, secrets.receipt, { now, maxRecords })
    added += last.added
    if (last.newCheckpoint) checkpoints++
    if (!last.newCheckpoint || last.caughtUp || !last.ok) break
  }
  // Counts and kinds only: no personal data in logs.
  console.log(
    JSON.stringify({
      event: 'ack_checkpoint',
      added,
      checkpoints,
      treeSize: last?.records ?? null,
      uncheckpointed: last?.uncheckpointed ?? null,
      problems: last?.problems.map((p) => `${p.kind}${p.seq ? `@${p.seq}` : ''}`) ?? [],
    }),
  )
}
