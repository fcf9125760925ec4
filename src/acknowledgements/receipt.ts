/**
 * The receipt is the record: every stored column except seq, official_id, record_hash and
 * signature is one of its fields (its type included), so the signature an official keeps is the
 * same one that seals the row in D1. official_id is checked against the receipt's external id by
 * verification.
 * Pure functions over WebCrypto, shared by the Worker and the offline verifier.
 */
import { canonicalJson } from '../content/canonical'
import { base64url, fromBase64url, utf8 } from './bytes'
import { leafHash } from './merkle'
import type { PublicJwk } from './secrets'

/** Receipts written before they carried their place in the log; they still verify. */
export const RECEIPT_TYPE_V1 = 'redlines.acknowledgement/1'
/** What the Worker writes now: type 1 plus `log`, the receipt's place in the log. */
export const RECEIPT_TYPE = 'redlines.acknowledgement/2'
export const RECEIPT_TYPES: readonly string[] = [RECEIPT_TYPE_V1, RECEIPT_TYPE]

/**
 * Where the log stood when a receipt was signed. `after`: the highest record number then, so the
 * record's own seq must be above it, and a record moved before one written earlier than it shows.
 * `checkpoint`: the newest checkpoint then, by its size and the SHA-256 of the note it signed,
 * which must still be stored as it was: deleting or re-signing it shows once anyone has
 * acknowledged after it.
 */
export interface LogPosition {
  after: number
  checkpoint: { treeSize: number; hash: string } | null
}

interface ReceiptFields {
  receiptId: string
  official: { externalId: string; name: string; unit: string; typedName: string }
  notice: { id: string; version: number; sha256: string; lang: string; textSha256: string }
  statement: string
  /** Server time, ISO 8601 UTC. */
  acknowledgedAt: string
  requestId: string
  client: { userAgent: string; ipHash: string | null }
  keyId: string
}

export type Receipt =
  | (ReceiptFields & { type: typeof RECEIPT_TYPE_V1 })
  | (ReceiptFields & { type: typeof RECEIPT_TYPE; log: LogPosition })

/** What a receipt download holds: the signed receipt and what is needed to check it offline. */
export interface SignedReceipt {
  receipt: Receipt
  recordHash: string
  signature: { alg: 'Ed25519'; keyId: string; value: string }
  /** The public key that signed it, when the Worker still publishes that key. */
  publicKey?: PublicJwk
  publicKeyUrl: string
}

/** The columns of an acknowledgements row that the receipt is made of. */
export interface ReceiptColumns {
  receiptType: string
  receiptId: string
  externalId: string
  officialName: string
  unit: string
  typedName: string
  noticeId: string
  version: number
  versionSha256: string
  lang: string
  textSha256: string
  statement: string
  acknowledgedAt: string
  requestId: string
  userAgent: string
  ipHash: string | null
  keyId: string
  logAfter: number | null
  logCheckpointSize: number | null
  logCheckpointHash: string | null
}

/**
 * The receipt a row holds, field for field: a type 1 row has no log position. The columns are
 * taken as they are, so an edited type or a nulled position changes the bytes and the hash.
 */
export function receiptOf(row: ReceiptColumns): Receipt {
  const fields: ReceiptFields = {
    receiptId: row.receiptId,
    official: {
      externalId: row.externalId,
      name: row.officialName,
      unit: row.unit,
      typedName: row.typedName,
    },
    notice: {
      id: row.noticeId,
      version: row.version,
      sha256: row.versionSha256,
      lang: row.lang,
      textSha256: row.textSha256,
    },
    statement: row.statement,
    acknowledgedAt: row.acknowledgedAt,
    requestId: row.requestId,
    client: { userAgent: row.userAgent, ipHash: row.ipHash },
    keyId: row.keyId,
  }
  if (row.receiptType === RECEIPT_TYPE_V1) return { type: RECEIPT_TYPE_V1, ...fields }
  return {
    type: row.receiptType as typeof RECEIPT_TYPE,
    ...fields,
    log: {
      after: row.logAfter as number,
      checkpoint:
        row.logCheckpointSize === null
          ? null
          : { treeSize: row.logCheckpointSize, hash: row.logCheckpointHash as string },
    },
  }
}

/** The columns a receipt is stored as: receiptOf's inverse. */
export function columnsOf(receipt: Receipt): ReceiptColumns {
  const log = receipt.type === RECEIPT_TYPE ? receipt.log : undefined
  return {
    receiptType: receipt.type,
    receiptId: receipt.receiptId,
    externalId: receipt.official.externalId,
    officialName: receipt.official.name,
    unit: receipt.official.unit,
    typedName: receipt.official.typedName,
    noticeId: receipt.notice.id,
    version: receipt.notice.version,
    versionSha256: receipt.notice.sha256,
    lang: receipt.notice.lang,
    textSha256: receipt.notice.textSha256,
    statement: receipt.statement,
    acknowledgedAt: receipt.acknowledgedAt,
    requestId: receipt.requestId,
    userAgent: receipt.client.userAgent,
    ipHash: receipt.client.ipHash,
    keyId: receipt.keyId,
    logAfter: log?.after ?? null,
    logCheckpointSize: log?.checkpoint?.treeSize ?? null,
    logCheckpointHash: log?.checkpoint?.hash ?? null,
  }
}

export const canonicalReceipt = (receipt: Receipt): string => canonicalJson(receipt)

/** The Merkle leaf hash the row stores, and the Ed25519 signature over the same bytes. */
export async function sealReceipt(privateKey: CryptoKey, receipt: Receipt) {
  const bytes = utf8(canonicalReceipt(receipt))
  const [recordHash, signature] = await Promise.all([
    leafHash(bytes),
    crypto.subtle.sign('Ed25519', privateKey, bytes),
  ])
  return { recordHash, signature: base64url(signature) }
}

/** The receipt's canonical bytes, its leaf hash, and whether that is the hash the row stores. */
export async function sealHash(receipt: Receipt, recordHash: string) {
  const bytes = utf8(canonicalReceipt(receipt))
  const leaf = await leafHash(bytes)
  return { bytes, leaf, matches: leaf === recordHash }
}

/** Whether `signature` (base64url) is an Ed25519 signature of `bytes` by `publicKey`. */
export async function signatureValid(
  publicKey: CryptoKey,
  bytes: Uint8Array<ArrayBuffer>,
  signature: string,
): Promise<boolean> {
  let signatureBytes: Uint8Array<ArrayBuffer>
  try {
    signatureBytes = fromBase64url(signature)
  } catch {
    return false
  }
  return crypto.subtle.verify('Ed25519', publicKey, signatureBytes, bytes)
}

/** The downloadable receipt for a stored row, with the public key that signed it if published. */
export function signedReceiptOf(
  row: ReceiptColumns & { recordHash: string; signature: string },
  published: readonly PublicJwk[],
  publicKeyUrl: string,
): SignedReceipt {
  const publicKey = published.find((jwk) => jwk.kid === row.keyId)
  return {
    receipt: receiptOf(row),
    recordHash: row.recordHash,
    signature: { alg: 'Ed25519', keyId: row.keyId, value: row.signature },
    ...(publicKey ? { publicKey } : {}),
    publicKeyUrl,
  }
}
