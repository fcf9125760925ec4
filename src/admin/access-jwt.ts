/**
 * Cloudflare Access: the Worker checks the Cf-Access-Jwt-Assertion JWT itself, with jose: RS256
 * signature against the team's key set (fetched from /cdn-cgi/access/certs and cached by jose per
 * isolate), audience, issuer, expiry. The email is taken only from a token that passed all of it.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose'
import { AppError } from '../errors'
import { normaliseEmail, type AccessConfig } from './config'

export const ACCESS_HEADER = 'Cf-Access-Jwt-Assertion'

export interface AccessIdentity {
  email: string
  /** Subject and issue time: together they name one Access sign-in (form tokens bind to it). */
  sub: string
  iat: number
}

const keySets = new Map<string, JWTVerifyGetKey>()

function keySetFor(config: AccessConfig): JWTVerifyGetKey {
  const cacheKey = config.jwks ? `local:${config.jwks}` : config.teamDomain
  let keys = keySets.get(cacheKey)
  if (!keys) {
    if (config.jwks) {
      let set: JSONWebKeySet
      try {
        set = JSON.parse(config.jwks) as JSONWebKeySet
      } catch {
        throw new AppError(503, 'not_configured', 'ACCESS_JWKS is not a JSON key set.')
      }
      keys = createLocalJWKSet(set)
    } else {
      keys = createRemoteJWKSet(new URL(`https://${config.teamDomain}/cdn-cgi/access/certs`), {
        cacheMaxAge: 10 * 60_000,
        cooldownDuration: 30_000,
        timeoutDuration: 5_000,
      })
    }
    keySets.set(cacheKey, keys)
  }
  return keys
}

export const accessRefused = (why: string) =>
  new AppError(
    401,
    'access_invalid',
    `The Cloudflare Access token was refused (${why}). Sign in through Access again.`,
  )

/** The verified identity in an Access JWT; 401 for anything else, 503 if the keys are unreachable. */
export async function verifyAccessJwt(
  config: AccessConfig,
  token: string,
  now: Date = new Date(),
): Promise<AccessIdentity> {
  if (token.length > 16_384) throw accessRefused('too long')
  let payload
  try {
    ;({ payload } = await jwtVerify(token, keySetFor(config), {
      issuer: `https://${config.teamDomain}`,
      audience: config.audience,
      algorithms: ['RS256'],
      requiredClaims: ['exp', 'iat', 'sub'],
      currentDate: now,
    }))
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw accessRefused('expired')
    if (error instanceof errors.JWTClaimValidationFailed)
      throw accessRefused(`claim ${error.claim} does not match`)
    if (error instanceof errors.JWSSignatureVerificationFailed) throw accessRefused('bad signature')
    if (error instanceof errors.JWKSNoMatchingKey) throw accessRefused('unknown signing key')
    // Failing to get the key set (timeout, HTTP error, not JSON, network) is ours, not theirs.
    const keysUnreachable =
      !(error instanceof errors.JOSEError) ||
      error instanceof errors.JWKSTimeout ||
      error instanceof errors.JWKSInvalid ||
      error.code === 'ERR_JOSE_GENERIC'
    if (!keysUnreachable) throw accessRefused(error.code)
    throw new AppError(
      503,
      'access_unavailable',
      "Cloudflare Access's signing keys could not be fetched. Try again in a moment.",
      { 'Retry-After': '5' },
    )
  }
  const email = payload.email
  if (typeof email !== 'string' || !email.includes('@'))
    throw accessRefused('no email: Access service tokens cannot sign in; use an API token')
  return { email: normaliseEmail(email), sub: payload.sub!, iat: payload.iat! }
}
