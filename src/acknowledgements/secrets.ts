/**
 * The secrets this feature runs on, read once per isolate from the environment. Missing secrets
 * make every route that needs them answer 503, never fall back to a default key.
 */
import { AppError } from '../errors'
import { base64url, hmacKey, utf8 } from './bytes'

/** A public key a receipt or checkpoint may name, by its id. */
export interface VerifyingKey {
  /** RFC 7638 JWK thumbprint of the public key. */
  keyId: string
  publicKey: CryptoKey
  publicJwk: PublicJwk
}

/**
 * The current signing key (its public half at the top level, as before rotation existed) and
 * every key that may have signed something: the current one and the retired ones.
 */
export interface ReceiptKeys extends VerifyingKey {
  privateKey: CryptoKey
  /** By key id: the current key and each retired one. */
  verifying: ReadonlyMap<string, VerifyingKey>
  /** What /.well-known/redlines-receipt-keys.json publishes: the current key first. */
  published: PublicJwk[]
}

export interface PublicJwk {
  kty: 'OKP'
  crv: 'Ed25519'
  x: string
  kid: string
  alg: 'Ed25519'
  use: 'sig'
}

export interface AckSecrets {
  adminToken: string
  /** HMAC key for links and for the form token derived from a link. */
  linkKey: CryptoKey
  /** HMAC key for the one-way hash of client IPs. */
  ipKey: CryptoKey
  receipt: ReceiptKeys
}

export interface SecretEnv {
  ADMIN_TOKEN?: string
  LINK_SECRET?: string
  RECEIPT_PRIVATE_KEY?: string
  /** Optional: a JSON array (or JWK set) of the public keys that signed before the current one. */
  RECEIPT_RETIRED_KEYS?: string
  IP_HASH_KEY?: string
}

export async function jwkThumbprint(jwk: { crv: string; kty: string; x: string }): Promise<string> {
  const members = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })
  return base64url(await crypto.subtle.digest('SHA-256', utf8(members)))
}

/** A secret that cannot be used; its message names the secret and never quotes its value. */
class SecretProblem extends Error {}

async function importPublic(x: string, where: string): Promise<CryptoKey> {
  try {
    return await crypto.subtle.importKey(
      'jwk',
      { kty: 'OKP', crv: 'Ed25519', x },
      { name: 'Ed25519' },
      true,
      ['verify'],
    )
  } catch {
    throw new SecretProblem(`${where}: x is not a valid Ed25519 public key`)
  }
}

/** The JWK to publish for an Ed25519 public key, with its RFC 7638 thumbprint as kid. */
export async function publicJwkOf(x: string): Promise<PublicJwk> {
  const kid = await jwkThumbprint({ crv: 'Ed25519', kty: 'OKP', x })
  return { kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'Ed25519', use: 'sig' }
}

/** Parses RECEIPT_PRIVATE_KEY (an Ed25519 private JWK) into the current signing key. */
async function signingKey(privateJwkJson: string) {
  let jwk: JsonWebKey | null
  try {
    jwk = JSON.parse(privateJwkJson) as JsonWebKey | null
  } catch {
    // JSON.parse's own message quotes the text around the error: part of the private key.
    throw new SecretProblem('RECEIPT_PRIVATE_KEY is not JSON (an Ed25519 private JWK)')
  }
  if (jwk?.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d || typeof jwk.x !== 'string')
    throw new SecretProblem('RECEIPT_PRIVATE_KEY is not an Ed25519 private JWK')
  const publicJwk = await publicJwkOf(jwk.x)
  let privateKey: CryptoKey
  try {
    privateKey = await crypto.subtle.importKey(
      'jwk',
      { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d },
      { name: 'Ed25519' },
      false,
      ['sign'],
    )
  } catch {
    throw new SecretProblem('RECEIPT_PRIVATE_KEY: d or x is not a valid Ed25519 key')
  }
  const publicKey = await importPublic(jwk.x, 'RECEIPT_PRIVATE_KEY')
  // A private key whose x was edited would sign receipts nobody can verify: refuse it now.
  const probe = utf8('redlines key check')
  const signature = await crypto.subtle.sign('Ed25519', privateKey, probe)
  if (!(await crypto.subtle.verify('Ed25519', publicKey, signature, probe)))
    throw new SecretProblem('RECEIPT_PRIVATE_KEY: d and x are not one key pair')
  return { keyId: publicJwk.kid, privateKey, publicKey, publicJwk }
}

/**
 * Parses RECEIPT_RETIRED_KEYS: a JSON array of Ed25519 public JWKs, or a JWK set
 * ({"keys": [...]}, as /.well-known/redlines-receipt-keys.json serves it). Empty or absent: none.
 * A kid, when given, must be the key's thumbprint; a private part (d) is refused, so a retired
 * private key never lingers in the configuration.
 */
export async function retiredKeys(json: string | undefined): Promise<VerifyingKey[]> {
  if (!json?.trim()) return []
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    throw new SecretProblem('RECEIPT_RETIRED_KEYS is not JSON (an array of Ed25519 public JWKs)')
  }
  const list = Array.isArray(value) ? value : (value as { keys?: unknown } | null)?.keys
  if (!Array.isArray(list))
    throw new SecretProblem('RECEIPT_RETIRED_KEYS is not an array of Ed25519 public JWKs')
  const keys: VerifyingKey[] = []
  for (const [i, item] of list.entries()) {
    const where = `RECEIPT_RETIRED_KEYS entry ${i + 1}`
    const jwk = (item ?? {}) as Record<string, unknown>
    if ('d' in jwk)
      throw new SecretProblem(`${where} holds a private key (d): keep only public keys there`)
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string')
      throw new SecretProblem(`${where} is not an Ed25519 public JWK`)
    const publicJwk = await publicJwkOf(jwk.x)
    if (jwk.kid !== undefined && jwk.kid !== publicJwk.kid)
      throw new SecretProblem(`${where}: kid is not the key's RFC 7638 thumbprint`)
    keys.push({ keyId: publicJwk.kid, publicKey: await importPublic(jwk.x, where), publicJwk })
  }
  return keys
}

/** The current key from RECEIPT_PRIVATE_KEY and the retired ones from RECEIPT_RETIRED_KEYS. */
export async function receiptKeys(
  privateJwkJson: string,
  retiredJson?: string,
): Promise<ReceiptKeys> {
  const current = await signingKey(privateJwkJson)
  const verifying = new Map<string, VerifyingKey>([[current.keyId, current]])
  for (const key of await retiredKeys(retiredJson))
    if (!verifying.has(key.keyId)) verifying.set(key.keyId, key)
  return {
    ...current,
    verifying,
    published: [...verifying.values()].map((key) => key.publicJwk),
  }
}

let cached: { source: string; secrets: Promise<AckSecrets> } | undefined

/** The secrets, or a 503 that names what is missing (never their values). */
export function ackSecrets(env: SecretEnv): Promise<AckSecrets> {
  const missing = (
    ['ADMIN_TOKEN', 'LINK_SECRET', 'RECEIPT_PRIVATE_KEY', 'IP_HASH_KEY'] as const
  ).filter((name) => !env[name])
  if (missing.length)
    throw notConfigured(
      `Acknowledgements are not configured: ${missing.join(', ')} not set. Locally run npm run setup:local; in production use wrangler secret put.`,
    )
  const source = [
    env.ADMIN_TOKEN,
    env.LINK_SECRET,
    env.RECEIPT_PRIVATE_KEY,
    env.RECEIPT_RETIRED_KEYS,
    env.IP_HASH_KEY,
  ].join('\n')
  if (cached?.source !== source) {
    const secrets = (async (): Promise<AckSecrets> => ({
      adminToken: env.ADMIN_TOKEN!,
      linkKey: await hmacKey(env.LINK_SECRET!),
      ipKey: await hmacKey(env.IP_HASH_KEY!),
      receipt: await receiptKeys(env.RECEIPT_PRIVATE_KEY!, env.RECEIPT_RETIRED_KEYS),
    }))()
    secrets.catch(() => {
      if (cached?.secrets === secrets) cached = undefined
    })
    cached = { source, secrets }
  }
  return cached.secrets.catch((error: unknown) => {
    // Only our own messages are shown: they name a secret, never quote it.
    const reason = error instanceof SecretProblem ? error.message : 'a secret could not be read'
    throw notConfigured(
      `Acknowledgements are misconfigured: ${reason}. Locally fix the line in .dev.vars (or delete it and run npm run setup:local for a new value); in production use wrangler secret put.`,
    )
  })
}

/**
 * 503 for the operator: the message names the secret and the fix, and goes to the log as well,
 * since the people who meet it first are officials, whose pages show a plain message instead.
 */
function notConfigured(message: string): AppError {
  console.error(JSON.stringify({ event: 'not_configured', message }))
  return new AppError(503, 'not_configured', message)
}
