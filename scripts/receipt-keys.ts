/**
 * A receipt key rotation, as values: the new RECEIPT_PRIVATE_KEY and the RECEIPT_RETIRED_KEYS
 * that keep every key that signed before it. WebCrypto only, so Node and the tests share it.
 */
import { publicJwkOf, receiptKeys, type PublicJwk } from '../src/acknowledgements/secrets'

/** A fresh Ed25519 private key as JWK JSON, the form RECEIPT_PRIVATE_KEY takes. */
export async function newPrivateKey(): Promise<string> {
  const pair = (await crypto.subtle.generateKey('Ed25519', true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
  const { kty, crv, x, d } = (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JsonWebKey
  return JSON.stringify({ kty, crv, x, d })
}

export interface Rotation {
  RECEIPT_PRIVATE_KEY: string
  RECEIPT_RETIRED_KEYS: string
  /** Key ids, to print: the new current key, and the retired ones (the newest last). */
  current: string
  retired: string[]
}

/**
 * From the current secrets: the new key signs, and the old current key joins the retired ones
 * (public halves only, each once), so everything it signed keeps verifying.
 */
export async function rotate(
  current: { RECEIPT_PRIVATE_KEY: string; RECEIPT_RETIRED_KEYS?: string },
  nextPrivateKey: string,
): Promise<Rotation> {
  const before = await receiptKeys(current.RECEIPT_PRIVATE_KEY, current.RECEIPT_RETIRED_KEYS)
  const next = await receiptKeys(nextPrivateKey)
  if (before.verifying.has(next.keyId)) throw new Error('the new key is one already in use')
  // Retired keys first, in the order they retired, then the key that signed until now.
  const retired: PublicJwk[] = [...before.verifying.values()]
    .filter((key) => key.keyId !== before.keyId)
    .map((key) => key.publicJwk)
  retired.push(before.publicJwk)
  return {
    RECEIPT_PRIVATE_KEY: nextPrivateKey,
    RECEIPT_RETIRED_KEYS: JSON.stringify(retired),
    current: next.keyId,
    retired: retired.map((jwk) => jwk.kid),
  }
}

/**
 * For production, where the private key cannot be read back: every key the Worker publishes now
 * (its /.well-known/redlines-receipt-keys.json) becomes retired, and the new key signs.
 */
export async function rotatePublished(
  published: unknown,
  nextPrivateKey: string,
): Promise<Rotation> {
  const list = (published as { keys?: unknown } | null)?.keys
  if (!Array.isArray(list) || list.length === 0)
    throw new Error('not a JWK set ({"keys": [...]}) with at least one key')
  const retired: PublicJwk[] = []
  for (const jwk of list as { x?: unknown }[]) {
    if (typeof jwk?.x !== 'string') throw new Error('a published key has no x')
    const key = await publicJwkOf(jwk.x)
    if (!retired.some((k) => k.kid === key.kid)) retired.push(key)
  }
  // The set lists the current key first; it is the newest to retire, so it goes last.
  retired.push(retired.shift()!)
  const next = await receiptKeys(nextPrivateKey, JSON.stringify(retired))
  if (retired.some((k) => k.kid === next.keyId))
    throw new Error('the new key is one already in use')
  return {
    RECEIPT_PRIVATE_KEY: nextPrivateKey,
    RECEIPT_RETIRED_KEYS: JSON.stringify(retired),
    current: next.keyId,
    retired: retired.map((jwk) => jwk.kid),
  }
}
