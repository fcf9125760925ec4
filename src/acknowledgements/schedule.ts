import { database } from '../db/client'
import { ackSecrets } from './secrets'
import { checkpointNewRecords } from './verify'

/** Records one cron run seals at most: bounds the CPU of a run; the next run continues. */
const MAX_RECORDS_PER_RUN = 100_000

/** The cron trigger: a signed checkpoint over acknowledgements written since the last one. */
export async function scheduledCheckpoint(env: Env, now: Date): Promise<void> {
  const secrets = await ackSecrets(env)
  const result = await checkpointNewRecords(database(env.DB), secrets.receipt, {
    now,
    maxRecords: MAX_RECORDS_PER_RUN,
  })
  // Counts only: no personal data in logs.
  console.log(
    JSON.stringify({
      event: 'ack_checkpoint',
      added: result.added,
      treeSize: result.checkpoint?.treeSize ?? null,
      stoppedAt: result.stoppedAt ?? null,
    }),
  )
}
