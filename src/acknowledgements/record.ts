/**
 * THE write path for acknowledgements: the only code that inserts into `acknowledgements`. It
 * runs in two steps so that the second can run later, elsewhere, or again: sealing (the receipt
 * signed, with its place in the shard's log) and writing (one D1 batch that registers the version,
 * inserts the record unless the official already has one for the version, counts it, and reads
 * back what is stored). The write is idempotent: run twice, by a retry or a Queue redelivery, it
 * stores one record and counts it once.
 */
import { findNotice } from '../content/catalog'
import type { CompiledNotice, CompiledVersion, Lang } from '../content/types'
import { batchAll } from '../db/batch'
import type { Database } from '../db/client'
import {
  acknowledgementStatement,
  insertAcknowledgementStatement,
  logHead,
  type AcknowledgementRow,
  type NewAcknowledgement,
} from '../db/acknowledgements'
import { acknowledgedStatement, type CountingClass } from '../db/counters'
import type { Official } from '../db/officials'
import { registerVersionStatement, type VersionRegistration } from '../db/versions'
import { AppError } from '../errors'
import { countingClass } from './counters'
import { storageUnavailable, writeNotConfirmed } from './failures'
import { noteHash } from './notes'
import { columnsOf, RECEIPT_TYPE, sealReceipt, type LogPosition, type Receipt } from './receipt'
import {
  lastFailure,
  REQUEST_RETRIES,
  RetriesExhausted,
  withRetries,
  type RetryPolicy,
} from './retry'
import type { ReceiptKeys } from './secrets'

export interface AcknowledgementInput {
  official: Official
  version: CompiledVersion
  /** The notice of `version` (default: the published one of that id): whose counters count it. */
  notice?: CompiledNotice
  lang: Lang
  statement: string
  typedName: string
  requestId: string
  userAgent: string
  ipHash: string | null
  now: Date
}

export interface RecordOutcome {
  record: AcknowledgementRow
  /** False when an acknowledgement already existed: the stored one is returned unchanged. */
  created: boolean
  /**
   * Whether this write inserted the row (absent where no write was tried): false for a retry or
   * a redelivery whose record an earlier attempt stored, even though `created` is true then.
   */
  inserted?: boolean
}

/** A signed record not yet written: all the write needs, as plain data (it may go on a Queue). */
export interface SealedAcknowledgement {
  row: NewAcknowledgement
  version: VersionRegistration
  counting: CountingClass
}

function classOf(input: AcknowledgementInput): CountingClass {
  const notice = input.notice ?? findNotice(input.version.notice)
  if (!notice) throw new Error(`notice ${input.version.notice} is not published: pass it`)
  return countingClass(notice, input.version.version)
}

/**
 * Signs the receipt: its fields, and where the shard's log stood (the highest record number and
 * the newest checkpoint), which any later write of it still satisfies (numbers only grow).
 */
export async function sealAcknowledgement(
  db: Database,
  keys: ReceiptKeys,
  input: AcknowledgementInput,
  retries: RetryPolicy = REQUEST_RETRIES,
): Promise<SealedAcknowledgement> {
  const { official, version, lang } = input
  const counting = classOf(input)
  let log: LogPosition
  try {
    const head = await withRetries(() => logHead(db), retries)
    log = {
      after: head.after,
      checkpoint: head.checkpoint
        ? { treeSize: head.checkpoint.treeSize, hash: await noteHash(head.checkpoint) }
        : null,
    }
  } catch (error) {
    throw storageUnavailable(lastFailure(error), 'read')
  }
  const receipt: Receipt = {
    type: RECEIPT_TYPE,
    receiptId: crypto.randomUUID(),
    official: {
      externalId: official.externalId,
      name: official.name,
      unit: official.unit,
      typedName: input.typedName,
    },
    notice: {
      id: version.notice,
      version: version.version,
      sha256: version.sha256,
      lang,
      textSha256: version.languages[lang].textSha256,
    },
    statement: input.statement,
    acknowledgedAt: input.now.toISOString(),
    requestId: input.requestId,
    client: { userAgent: input.userAgent.slice(0, 400), ipHash: input.ipHash },
    keyId: keys.keyId,
    log,
  }
  const seal = await sealReceipt(keys.privateKey, receipt)
  return {
    row: { ...columnsOf(receipt), officialId: official.id, ...seal },
    version: {
      notice: version.notice,
      version: version.version,
      sha256: version.sha256,
      effectiveFrom: version.effectiveFrom,
    },
    counting,
  }
}

/**
 * One attempt at the write, in one batch. Throws D1's error as it is (the caller decides whether
 * to retry), or 409 when the database knows the version under another hash.
 */
export async function writeAcknowledgement(
  db: Database,
  sealed: SealedAcknowledgement,
  now: Date,
): Promise<RecordOutcome> {
  const { row, version } = sealed
  const results = await batchAll(db, [
    registerVersionStatement(db, version, now),
    insertAcknowledgementStatement(db, row),
    // Straight after the insert: it counts only what that insert wrote.
    acknowledgedStatement(db, {
      officialId: row.officialId,
      receiptId: row.receiptId,
      counting: sealed.counting,
    }),
    acknowledgementStatement(db, row.officialId, version.notice, version.version),
  ])
  const stored = (results[3] as AcknowledgementRow[])[0]
  // Whether this very batch inserted the row: a redelivery of the same sealed record finds its
  // own receipt id stored by the earlier delivery, and inserts nothing.
  const inserted = (results[1] as { meta?: { changes?: number } }).meta?.changes === 1
  if (!stored) {
    // The official sees a plain message; the operator needs this one.
    console.error(
      JSON.stringify({
        event: 'version_hash_conflict',
        notice: version.notice,
        version: version.version,
      }),
    )
    throw new AppError(
      409,
      'version_hash_conflict',
      `The database holds notice "${version.notice}" version ${version.version} under another hash; nothing was recorded.`,
    )
  }
  return { record: stored, created: stored.receiptId === row.receiptId, inserted }
}

/** The write, retried with jitter while D1 is overloaded; RetriesExhausted when it stays so. */
export function writeWithRetries(
  db: Database,
  sealed: SealedAcknowledgement,
  now: Date,
  retries: RetryPolicy = REQUEST_RETRIES,
): Promise<RecordOutcome> {
  return withRetries(
    () => writeAcknowledgement(db, sealed, now),
    retries,
    (failure, attempt) =>
      console.log(JSON.stringify({ event: 'd1_write_retry', failure, attempt })),
  )
}

/**
 * Seals and writes, retrying a D1 that is overloaded; when it stays overloaded, a 503 that says
 * truthfully whether anything may have been saved.
 */
export async function recordAcknowledgement(
  db: Database,
  keys: ReceiptKeys,
  input: AcknowledgementInput,
  retries: RetryPolicy = REQUEST_RETRIES,
): Promise<RecordOutcome> {
  const sealed = await sealAcknowledgement(db, keys, input, retries)
  try {
    return await writeWithRetries(db, sealed, input.now, retries)
  } catch (error) {
    throw failedWrite(error)
  }
}

/** What an official is told when the write did not go through (never that it did). */
export function failedWrite(error: unknown): AppError {
  if (error instanceof AppError) return error
  if (error instanceof RetriesExhausted && !error.nothingWritten)
    return writeNotConfirmed(error.last)
  return storageUnavailable(lastFailure(error))
}
