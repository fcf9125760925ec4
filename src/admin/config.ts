/**
 * What the console and the admin API run on, from the environment: the bootstrap credential, the
 * session key, and Cloudflare Access (team domain and audience from wrangler.toml [vars]).
 * Missing secrets answer 503 naming them, never a default.
 */
import { AppError } from '../errors'
import { hmacKey } from '../acknowledgements/bytes'

export interface ConsoleEnv {
  ADMIN_TOKEN?: string
  SESSION_SECRET?: string
  ACCESS_TEAM_DOMAIN?: string
  ACCESS_AUD?: string
  /** A JSON key set used instead of fetching the team's certs: tests and offline work only. */
  ACCESS_JWKS?: string
  /** Comma-separated emails that are owners even before any admin is in D1. */
  OWNER_EMAILS?: string
}

export interface AccessConfig {
  /** e.g. "example.cloudflareaccess.com" */
  teamDomain: string
  audience: string
  jwks?: string
}

const notConfigured = (what: string) =>
  new AppError(
    503,
    'not_configured',
    `The console is not configured: ${what}. Locally run npm run setup:local; in production use wrangler secret put.`,
  )

export function adminTokenOf(env: ConsoleEnv): string {
  if (!env.ADMIN_TOKEN) throw notConfigured('ADMIN_TOKEN not set')
  return env.ADMIN_TOKEN
}

let sessionKey: { secret: string; key: Promise<CryptoKey> } | undefined

/** The HMAC key of session cookies and form tokens; every use names its purpose in the message. */
export function sessionKeyOf(env: ConsoleEnv): Promise<CryptoKey> {
  if (!env.SESSION_SECRET) throw notConfigured('SESSION_SECRET not set')
  if (env.SESSION_SECRET.length < 32)
    throw notConfigured('SESSION_SECRET is shorter than 32 characters')
  if (sessionKey?.secret !== env.SESSION_SECRET)
    sessionKey = { secret: env.SESSION_SECRET, key: hmacKey(env.SESSION_SECRET) }
  return sessionKey.key
}

/** Access settings, or null when Access is not in use (then its header is ignored, never trusted). */
export function accessConfig(env: ConsoleEnv): AccessConfig | null {
  const teamDomain = (env.ACCESS_TEAM_DOMAIN ?? '')
    .trim()
    .replace(/^https:\/\//, '')
    .replace(/\/+$/, '')
  const audience = (env.ACCESS_AUD ?? '').trim()
  if (!teamDomain && !audience) return null
  if (!teamDomain || !audience)
    throw notConfigured('set both ACCESS_TEAM_DOMAIN and ACCESS_AUD, or neither')
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(teamDomain))
    throw notConfigured(
      'ACCESS_TEAM_DOMAIN is not a host name such as example.cloudflareaccess.com',
    )
  return { teamDomain: teamDomain.toLowerCase(), audience, jwks: env.ACCESS_JWKS || undefined }
}

export const normaliseEmail = (email: string) => email.trim().toLowerCase()

export function ownerEmails(env: ConsoleEnv): Set<string> {
  return new Set(
    (env.OWNER_EMAILS ?? '')
      .split(',')
      .map(normaliseEmail)
      .filter((e) => e !== ''),
  )
}
