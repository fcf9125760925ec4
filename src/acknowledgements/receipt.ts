/**
 * The receipt is the record: every stored column except seq, official_id, record_hash and
 * signature is one of its fields, so the signature an official keeps is the same one that seals
 * the row in D1. official_id is checked against the receipt's external id by verification.
 * Pure functions over WebCrypto, shared by the Worker and the offline verifier.
 */
import { canonicalJson } from '../content/canonical'
import { base64url, fromBase64url, utf8 } from './bytes'
import { leafHash } from './merkle'
import type { PublicJwk } from './secrets'

export const RECEIPT_TYPE = 'redlines.acknowledgement/1'

export interface Receipt {
  type: typeof RECEIPT_TYPE
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

/** What a receipt download holds: the signed receipt and what is needed to check it offline. */
export interface SignedReceipt {
  receipt: Receipt
  recordHash: string
  signature: { alg: 'Ed25519'; keyId: string; value: string }
  /** Absent when the row was signed by a key that has since been replaced. */
  publicKey?: PublicJwk
  publicKeyUrl: string
}

/** The columns of an acknowledgements row that the receipt is made of. */
export interface ReceiptColumns {
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
}

export function receiptOf(row: ReceiptColumns): Receipt {
  return {
    type: RECEIPT_TYPE,
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

export type SealCheck = 'ok' | 'altered' | 'forged'

/**
 * 'altered': the stored hash no longer matches the columns (someone edited a field);
 * 'forged': hash and columns agree but the signature does not (a row written without the key).
 */
export async function checkSeal(
  publicKey: CryptoKey,
  receipt: Receipt,
  recordHash: string,
  signature: string,
): Promise<{ check: SealCheck; leaf: string }> {
  const bytes = utf8(canonicalReceipt(receipt))
  const leaf = await leafHash(bytes)
  if (leaf !== recordHash) return { check: 'altered', leaf }
  let signatureBytes: Uint8Array<ArrayBuffer>
  try {
    signatureBytes = fromBase64url(signature)
  } catch {
    return { check: 'forged', leaf }
  }
  const valid = await crypto.subtle.verify('Ed25519', publicKey, signatureBytes, bytes)
  return { check: valid ? 'ok' : 'forged', leaf }
}

/** The downloadable receipt for a stored row; the public key is embedded when it signed the row. */
export function signedReceiptOf(
  row: ReceiptColumns & { recordHash: string; signature: string },
  publicJwk: PublicJwk,
  publicKeyUrl: string,
): SignedReceipt {
  return {
    receipt: receiptOf(row),
    recordHash: row.recordHash,
    signature: { alg: 'Ed25519', keyId: row.keyId, value: row.signature },
    ...(publicJwk.kid === row.keyId ? { publicKey: publicJwk } : {}),
    publicKeyUrl,
  }
}
