/**
 * The Queue in front of a shard that stays overloaded. A submission the shard would not take
 * after its retries in the request is already sealed (signed, with its place in the shard's log,
 * which stays true however late it is written), so it goes on ACK_QUEUE as it is and the official
 * is told "received, being recorded", which is then true. The consumer writes it with the same
 * idempotent batch: a redelivery, a retry after a write whose answer was lost, or a second
 * submission of the same official all end as one record, counted once. While the shard stays
 * overloaded the message is retried with growing jittered delays; after max_retries it goes to
 * the dead-letter queue, still whole, for an operator to replay (docs/scale.md).
 */
import type { Shard, ShardSet } from '../db/shards'
import { AppError } from '../errors'
import { writeAcknowledgement, type SealedAcknowledgement } from './record'
import { classifyFailure } from './retry'

export interface AcknowledgementMessage {
  kind: 'acknowledgement'
  v: 1
  shard: number
  sealed: SealedAcknowledgement
  queuedAt: string
}

/** The binding, when the deployment has one (ACK_QUEUE; see wrangler.scale.toml). */
export function ackQueue(env: object): Queue<AcknowledgementMessage> | undefined {
  const queue = (env as { ACK_QUEUE?: Queue<AcknowledgementMessage> }).ACK_QUEUE
  return typeof queue?.send === 'function' ? queue : undefined
}

export async function enqueueAcknowledgement(
  queue: Queue<AcknowledgementMessage>,
  shard: Shard,
  sealed: SealedAcknowledgement,
  now: Date,
): Promise<void> {
  await queue.send(
    { kind: 'acknowledgement', v: 1, shard: shard.index, sealed, queuedAt: now.toISOString() },
    { contentType: 'json' },
  )
}

export const isAcknowledgementMessage = (body: unknown): body is AcknowledgementMessage =>
  (body as AcknowledgementMessage | null)?.kind === 'acknowledgement' &&
  (body as AcknowledgementMessage).v === 1

/** Seconds before the next try: doubling from 2 s to 5 min, with up to a third more at random. */
export function retryDelaySeconds(attempts: number, random = Math.random): number {
  const base = Math.min(300, 2 ** Math.min(attempts, 9))
  return Math.round(base + random() * (base / 3))
}

export interface ConsumedMessage {
  ack(): void
  retry(options?: { delaySeconds?: number }): void
  readonly attempts: number
  readonly body: unknown
}

/**
 * Writes each message's record into its shard. Success, or a record already there: ack. D1
 * overloaded or failing: retry later (the message is not lost). A version the shard holds under
 * another hash can never be written: logged for the operator and acked, like the 409 an official
 * would have seen in the request.
 */
export async function consumeAcknowledgements(
  messages: readonly ConsumedMessage[],
  shards: ShardSet,
  now: () => Date = () => new Date(),
): Promise<{ written: number; existing: number; retried: number; refused: number }> {
  const outcome = { written: 0, existing: 0, retried: 0, refused: 0 }
  await Promise.all(
    messages.map(async (message) => {
      const body = message.body as AcknowledgementMessage
      try {
        const shard = shards.shard(body.shard)
        const { inserted } = await writeAcknowledgement(shard.db, body.sealed, now())
        if (inserted) outcome.written++
        else outcome.existing++
        message.ack()
      } catch (error) {
        if (error instanceof AppError && error.code === 'version_hash_conflict') {
          outcome.refused++
          message.ack()
          return
        }
        outcome.retried++
        console.log(
          JSON.stringify({
            event: 'ack_queue_retry',
            failure: classifyFailure(error),
            attempts: message.attempts,
            shard: body.shard,
          }),
        )
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) })
      }
    }),
  )
  return outcome
}
