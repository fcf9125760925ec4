/**
 * Checks a downloaded receipt with nothing but the file and a public key: used by
 * `npm run verify-receipt` (Node) and by the tests (workerd). WebCrypto only, no network.
 */
import { fromBase64url, utf8 } from './bytes'
import { leafHash } from './merkle'
import { canonicalReceipt, RECEIPT_TYPES, type Receipt } from './receipt'
import { jwkThumbprint } from './secrets'

interface Jwk {
  kty?: string
  crv?: string
  x?: string
  kid?: string
}

export interface ReceiptCheck {
  valid: boolean
  /** 'published': checked against the key set given; 'embedded': only against the key in the file. */
  keySource: 'published' | 'embedded' | null
  keyId: string | null
  problems: string[]
}

/**
 * `published`: the JWK set from /.well-known/redlines-receipt-keys.json (the current key and every
 * retired one: a receipt verifies against the key its keyId names), or one JWK.
 */
export async function checkReceiptFile(file: unknown, published?: unknown): Promise<ReceiptCheck> {
  const problems: string[] = []
  const fail = (problem: string, keySource: ReceiptCheck['keySource'] = null): ReceiptCheck => ({
    valid: false,
    keySource,
    keyId: null,
    problems: [...problems, problem],
  })
  const signed = file as {
    receipt?: Receipt
    recordHash?: unknown
    signature?: { alg?: unknown; keyId?: unknown; value?: unknown }
    publicKey?: Jwk
  }
  const receipt = signed?.receipt
  if (!receipt || typeof receipt !== 'object' || !RECEIPT_TYPES.includes(receipt.type))
    return fail(
      `not a redlines receipt (expected "receipt.type": one of ${RECEIPT_TYPES.join(', ')})`,
    )
  const signature = signed.signature
  if (signature?.alg !== 'Ed25519' || typeof signature.value !== 'string')
    return fail('the receipt has no Ed25519 signature')
  const keyId = signature.keyId
  if (typeof keyId !== 'string' || keyId !== receipt.keyId)
    return fail('the signature and the receipt name different keys')

  let jwk: Jwk | undefined
  let keySource: ReceiptCheck['keySource']
  if (published !== undefined) {
    const set = published as { keys?: Jwk[] } & Jwk
    const keys = Array.isArray(set.keys) ? set.keys : [set]
    jwk =
      keys.find((k) => k.kid === keyId) ??
      (keys.length === 1 && !keys[0]!.kid ? keys[0] : undefined)
    keySource = 'published'
    if (!jwk) return fail(`key ${keyId} is not among the published keys`, keySource)
  } else {
    jwk = signed.publicKey
    keySource = 'embedded'
    if (!jwk) return fail('no public key: pass the published key file', keySource)
  }
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string')
    return fail('the public key is not an Ed25519 JWK', keySource)
  if ((await jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: jwk.x })) !== keyId)
    return fail(`the public key is not key ${keyId}`, keySource)

  const bytes = utf8(canonicalReceipt(receipt))
  if (!(await verifiesWithJwk(jwk.x, signature.value, bytes)))
    problems.push('the signature does not match the receipt: it was altered or forged')
  if (signed.recordHash !== undefined && signed.recordHash !== (await leafHash(bytes)))
    problems.push('recordHash does not match the receipt')
  return { valid: problems.length === 0, keySource, keyId, problems }
}

/** Whether `signature` (base64url) is an Ed25519 signature of `bytes` by the public key `x`. */
export async function verifiesWithJwk(
  x: string,
  signature: string,
  bytes: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  try {
    const key = await crypto.subtle.importKey(
      'jwk',
      { kty: 'OKP', crv: 'Ed25519', x },
      { name: 'Ed25519' },
      false,
      ['verify'],
    )
    return await crypto.subtle.verify('Ed25519', key, fromBase64url(signature), bytes)
  } catch {
    return false
  }
}
