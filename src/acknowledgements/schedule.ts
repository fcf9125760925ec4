import { database } from '../db/client'
import { extendLog } from './checkpoints'
import { ackSecrets } from './secrets'

/** Records one checkpoint covers at most: bounds the work between two writes of progress. */
const RECORDS_PER_CHECKPOINT = 500
/** Checkpoints one cron run signs at most: bounds the run; the next run continues. */
const CHECKPOINTS_PER_RUN = 20

/**
 * The cron trigger: signed checkpoints over the acknowledgements written since the last one,
 * each checking only the records it adds. Each checkpoint is stored before the next is started,
 * so a run cut short keeps what it did.
 */
export async function scheduledCheckpoint(env: Env, now: Date): Promise<void> {
  const secrets = await ackSecrets(env)
  const db = database(env.DB)
  let added = 0
  let checkpoints = 0
  let last: Awaited<ReturnType<typeof extendLog>> | undefined
  for (let run = 0; run < CHECKPOINTS_PER_RUN; run++) {
    last = await extendLog(db, secrets.receipt, { now, maxRecords: RECORDS_PER_CHECKPOINT })
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
