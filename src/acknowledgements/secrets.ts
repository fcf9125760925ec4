/**
 * The secrets this feature runs on, read once per isolate from the environment. Missing secrets
 * make every route that needs them answer 503, never fall back to a default key.
 */
import { AppError } from '../errors'
import { base64url, hmacKey, utf8 } from './bytes'

export interface ReceiptKeys {
  /** RFC 7638 JWK thumbprint of the public key. */
  keyId: string
  privateKey: CryptoKey
  publicKey: CryptoKey
  publicJwk: PublicJwk
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
  IP_HASH_KEY?: string
}

export async function jwkThumbprint(jwk: { crv: string; kty: string; x: string }): Promise<string> {
  const members = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })
  return base64url(await crypto.subtle.digest('SHA-256', utf8(members)))
}

/** A secret that cannot be used; its message names the secret and never quotes its value. */
class SecretProblem extends Error {}

/** Parses RECEIPT_PRIVATE_KEY (an Ed25519 private JWK) and derives the key to publish from it. */
export async function receiptKeys(privateJwkJson: string): Promise<ReceiptKeys> {
  let jwk: JsonWebKey | null
  try {
    jwk = JSON.parse(privateJwkJson) as JsonWebKey | null
  } catch {
    // JSON.parse's own message quotes the text around the error: part of the private key.
    throw new SecretProblem('RECEIPT_PRIVATE_KEY is not JSON (an Ed25519 private JWK)')
  }
  if (jwk?.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d || !jwk.x)
    throw new SecretProblem('RECEIPT_PRIVATE_KEY is not an Ed25519 private JWK')
  const keyId = await jwkThumbprint({ crv: 'Ed25519', kty: 'OKP', x: jwk.x })
  const publicJwk: PublicJwk = {
    kty: 'OKP',
    crv: 'Ed25519',
    x: jwk.x,
    kid: keyId,
    alg: 'Ed25519',
    use: 'sig',
  }
  let privateKey: CryptoKey
  let publicKey: CryptoKey
  try {
    privateKey = await crypto.subtle.importKey(
      'jwk',
      { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d },
      { name: 'Ed25519' },
      false,
      ['sign'],
    )
    publicKey = await crypto.subtle.importKey(
      'jwk',
      { kty: 'OKP', crv: 'Ed25519', x: jwk.x },
      { name: 'Ed25519' },
      true,
      ['verify'],
    )
  } catch {
    throw new SecretProblem('RECEIPT_PRIVATE_KEY: d or x is not a valid Ed25519 key')
  }
  // A private key whose x was edited would sign receipts nobody can verify: refuse it now.
  const probe = utf8('redlines key check')
  const signature = await crypto.subtle.sign('Ed25519', privateKey, probe)
  if (!(await crypto.subtle.verify('Ed25519', publicKey, signature, probe)))
    throw new SecretProblem('RECEIPT_PRIVATE_KEY: d and x are not one key pair')
  return { keyId, privateKey, publicKey, publicJwk }
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
  const source = [env.ADMIN_TOKEN, env.LINK_SECRET, env.RECEIPT_PRIVATE_KEY, env.IP_HASH_KEY].join(
    '\n',
  )
  if (cached?.source !== source) {
    const secrets = (async (): Promise<AckSecrets> => ({
      adminToken: env.ADMIN_TOKEN!,
      linkKey: await hmacKey(env.LINK_SECRET!),
      ipKey: await hmacKey(env.IP_HASH_KEY!),
      receipt: await receiptKeys(env.RECEIPT_PRIVATE_KEY!),
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
