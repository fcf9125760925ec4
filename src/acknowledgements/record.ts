/**
 * THE write path for acknowledgements: the only code that inserts into `acknowledgements`.
 * Everything it needs comes in as arguments and the outcome is decided by one D1 batch, so the
 * same function can later run behind a Queue consumer or against one of several D1 shards
 * (chosen by official id) without its callers changing.
 */
import type { CompiledVersion, Lang } from '../content/types'
import { batchAll } from '../db/batch'
import type { Database } from '../db/client'
import {
  acknowledgementStatement,
  insertAcknowledgementStatement,
  logHead,
  type AcknowledgementRow,
} from '../db/acknowledgements'
import type { Official } from '../db/officials'
import { registerVersionStatement } from '../db/versions'
import { AppError } from '../errors'
import { storageUnavailable } from './failures'
import { columnsOf, RECEIPT_TYPE, sealReceipt, type LogPosition, type Receipt } from './receipt'
import type { ReceiptKeys } from './secrets'
import { noteHash } from './notes'

export interface AcknowledgementInput {
  official: Official
  version: CompiledVersion
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
}

export async function recordAcknowledgement(
  db: Database,
  keys: ReceiptKeys,
  input: AcknowledgementInput,
): Promise<RecordOutcome> {
  const { official, version, lang } = input
  let log: LogPosition
  try {
    const head = await logHead(db)
    log = {
      after: head.after,
      checkpoint: head.checkpoint
        ? { treeSize: head.checkpoint.treeSize, hash: await noteHash(head.checkpoint) }
        : null,
    }
  } catch (error) {
    throw storageUnavailable(error, 'read')
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
  const row = { ...columnsOf(receipt), officialId: official.id, ...seal }
  let stored: AcknowledgementRow | undefined
  try {
    const results = await batchAll(db, [
      registerVersionStatement(db, version, input.now),
      insertAcknowledgementStatement(db, row),
      acknowledgementStatement(db, official.id, version.notice, version.version),
    ])
    stored = (results[2] as AcknowledgementRow[])[0]
  } catch (error) {
    throw storageUnavailable(error)
  }
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
  return { record: stored, created: stored.receiptId === row.receiptId }
}
