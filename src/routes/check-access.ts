/**
 * Who may call the check API (/api/check, /api/check/batch) and how much: CORS for the sites an
 * operator allows, integrators' keys, and the rate limits that follow from both.
 *
 * Rate limits. Anonymous callers are counted per address (an IPv4 address or an IPv6 /64) by
 * CHECK_RATE_LIMITER. A caller with a check key (Authorization: Bearer rlk_… or X-Api-Key) is
 * counted against that key alone, since a chat server proxying its users shares one address.
 * Cloudflare's rate limiting binding has one fixed limit per binding, so each limit a key may have
 * is a binding of its own (CHECK_KEY_LIMITER_<n>, the tiers in CHECK_KEY_TIERS), counting per key
 * id. We chose tiers over counters in D1 or a Durable Object: D1 has one writer per database and
 * a write per check would make every check wait on it; a Durable Object per key would add a
 * round trip and a class to deploy; the bindings count in memory at the edge and cost what the
 * anonymous limit already costs. The price is that a key's limit is one of a few tiers, not any
 * number (a new tier is one more binding). Like the anonymous limit, a binding counts one per
 * limit() call, so a batch calls it once per text.
 *
 * A key that is looked up and not found (unknown, revoked or expired) is charged to the caller's
 * address on a count of its own (CHECK_KEY_GUESS_LIMITER, KEY_GUESSES_PER_MINUTE): a lookup is a
 * D1 read, and guessing keys must not be free. Once an address has made that many failed lookups
 * in a minute, this isolate refuses its key lookups (429) for the rest of the minute without
 * reading D1, since the binding cannot say whether an address is spent without counting one more;
 * a valid key from that address is then refused too until the minute is over, the price of not
 * reading D1 for every guess. The address's anonymous checks are counted apart (they once shared
 * one count, and an office's own checks plus one mistyped key then locked out its integrator).
 */
import type { OpenAPIHono } from '@hono/zod-openapi'
import type { Context, MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'
import {
  CHECK_KEY_TIERS,
  checkKeyFor,
  looksLikeApiToken,
  type CheckKeyTier,
} from '../admin/api-tokens'
import { rateLimitKey } from '../client-address'
import { database } from '../db/client'
import type { AppEnv } from '../env'
import { AppError, badRequest } from '../errors'

/**
 * Texts per minute per anonymous client. It must match the CHECK_RATE_LIMITER entry in
 * wrangler.toml, which counts one per limit() call per key and period.
 */
export const CHECKS_PER_MINUTE = 600

/** Failed key lookups per minute per address; must match CHECK_KEY_GUESS_LIMITER in wrangler.toml. */
export const KEY_GUESSES_PER_MINUTE = 30

/** Whom the check API counts a request against. */
export interface CheckCaller {
  /** 'address': anonymous, counted per client address; 'key': an integrator's check key. */
  kind: 'address' | 'key'
  /** The key the binding counts under: the address (or /64), or the check key's id. */
  countKey: string
  limit: number
  limiter: RateLimit
}

const LIMITER_OF_TIER: Record<CheckKeyTier, keyof Env> = {
  60: 'CHECK_KEY_LIMITER_60',
  600: 'CHECK_KEY_LIMITER_600',
  6000: 'CHECK_KEY_LIMITER_6000',
  60000: 'CHECK_KEY_LIMITER_60000',
}

/** The binding that counts a tier (tests hold every tier to having one). */
export function limiterOfTier(env: Env, tier: CheckKeyTier): RateLimit | undefined {
  return env[LIMITER_OF_TIER[tier]] as RateLimit | undefined
}

export const KEY_HEADER = 'X-Api-Key'

const invalidKey = (message: string) =>
  new AppError(401, 'invalid_api_key', message, {
    'WWW-Authenticate': 'Bearer realm="redlines-check"',
  })

/** The key a request offers, from Authorization: Bearer or X-Api-Key, or undefined. */
function offeredKey(c: Context<AppEnv>): string | undefined {
  const authorization = c.req.header('Authorization')
  const header = c.req.header(KEY_HEADER)?.trim()
  let bearer: string | undefined
  if (authorization !== undefined) {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization)
    if (!match)
      throw invalidKey('Send the check key as Authorization: Bearer <key> (or X-Api-Key: <key>).')
    bearer = match[1]!
  }
  if (bearer !== undefined && header !== undefined && bearer !== header)
    throw badRequest(
      'conflicting_api_keys',
      'Authorization and X-Api-Key name different keys: send one key.',
    )
  return bearer ?? (header || undefined)
}

/** The caller's address as the limiter counts it (an IPv4 address, or an IPv6 /64). */
const addressOf = (c: Context<AppEnv>) => rateLimitKey(c.req.header('cf-connecting-ip'))

function setAnonymous(c: Context<AppEnv>) {
  c.set('checkCaller', {
    kind: 'address',
    countKey: addressOf(c),
    limit: CHECKS_PER_MINUTE,
    limiter: c.env.CHECK_RATE_LIMITER,
  })
}

/**
 * Addresses (rate-limit keys) that spent their allowance on failed key lookups, and until when
 * (ms) this isolate refuses their lookups. Bounded: when full, it starts again empty (the
 * binding still charges every failed lookup; only the shortcut is lost).
 */
const spentOnGuesses = new Map<string, number>()
const MAX_REMEMBERED = 10_000
const GUESS_WINDOW_MS = 60_000

/** Seconds from now until `until` (ms), at least 1: what Retry-After says of a known end. */
const secondsUntil = (until: number, now: number) =>
  String(Math.max(1, Math.ceil((until - now) / 1000)))

const tooManyGuesses = (until: number, now: number) =>
  new AppError(
    429,
    'rate_limited',
    `Too many calls with unknown, revoked or expired check keys from this address (${KEY_GUESSES_PER_MINUTE} a minute); key lookups from it are refused until the minute is over.`,
    { 'Retry-After': secondsUntil(until, now) },
  )

/** The page /check is for people: always counted per address, whatever headers it gets. */
export const anonymousCaller: MiddlewareHandler<AppEnv> = async (c, next) => {
  setAnonymous(c)
  await next()
}

/**
 * Sets the request's CheckCaller: anonymous without a key, the key's own count with a valid one.
 * An unknown, revoked or expired key is 401, and so is an admin token: it is not a check key
 * (refused rather than treated as anonymous, so nobody believes their calls count against a key
 * when they do not, and nobody sends an admin credential to a page's script by mistake unnoticed).
 */
export const identifyCaller: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = offeredKey(c)
  if (key === undefined) {
    setAnonymous(c)
    return next()
  }
  if (looksLikeApiToken(key))
    throw invalidKey(
      'This is an admin API token (rlt_…), for /api/admin only. The check API takes a check key (rlk_…), which an admin makes with kind "check".',
    )
  const address = addressOf(c)
  const now = Date.now()
  const until = spentOnGuesses.get(address)
  if (until !== undefined) {
    if (until > now) throw tooManyGuesses(until, now)
    spentOnGuesses.delete(address)
  }
  const found = await checkKeyFor(database(c.env.DB), key, new Date(now), (work) =>
    c.executionCtx.waitUntil(work),
  )
  if (!found) {
    // The failed lookup costs the address one of its guesses this minute.
    const { success } = await c.env.CHECK_KEY_GUESS_LIMITER.limit({ key: address })
    if (!success) {
      const end = now + GUESS_WINDOW_MS - (now % GUESS_WINDOW_MS)
      if (spentOnGuesses.size >= MAX_REMEMBERED) spentOnGuesses.clear()
      spentOnGuesses.set(address, end)
      throw tooManyGuesses(end, now)
    }
    throw invalidKey('This check key is unknown, revoked or expired.')
  }
  const limiter = limiterOfTier(c.env, found.rateLimit)
  if (!limiter) throw new Error(`no rate limiting binding for the tier ${found.rateLimit}`)
  c.set('checkCaller', { kind: 'key', countKey: found.id, limit: found.rateLimit, limiter })
  await next()
}

/**
 * Charges the caller n texts: n calls to its limiter, at once. Refused when fewer than n are left
 * this minute (the binding cannot look without counting, so what was left is then spent).
 */
export async function charge(c: Context<AppEnv>, n: number, what: string): Promise<void> {
  const caller = c.get('checkCaller')
  const { limiter, countKey: key } = caller
  // One call, the common case, without an array and Promise.all around it.
  const outcomes =
    n === 1
      ? [await limiter.limit({ key })]
      : await Promise.all(Array.from({ length: n }, () => limiter.limit({ key })))
  if (outcomes.every((o) => o.success)) return
  const who =
    caller.kind === 'key'
      ? `This key may check ${caller.limit.toLocaleString('en')} texts a minute`
      : `Each address may check ${caller.limit.toLocaleString('en')} texts a minute`
  throw new AppError(
    429,
    'rate_limited',
    `${what} ${who} (a batch counts each of its texts); wait a minute and try again.`,
    { 'Retry-After': '60' },
  )
}

/** Every request costs one check before its body is read, so floods of junk are refused cheaply. */
export const rateLimited: MiddlewareHandler<AppEnv> = async (c, next) => {
  const caller = c.get('checkCaller')
  await charge(
    c,
    1,
    caller.kind === 'key' ? 'Too many checks with this key.' : 'Too many checks from this address.',
  )
  await next()
}

/** The allowed origins of CHECK_CORS_ORIGINS, parsed once per value. */
let parsedFrom: string | undefined
let allowed: { any: boolean; origins: Set<string> } = { any: false, origins: new Set() }

export function corsOrigins(setting: string | undefined): { any: boolean; origins: Set<string> } {
  if (setting === parsedFrom) return allowed
  const origins = new Set<string>()
  let any = false
  for (const entry of (setting ?? '').split(',')) {
    const item = entry.trim()
    if (item === '') continue
    if (item === '*') {
      any = true
      continue
    }
    let origin: string | undefined
    try {
      const url = new URL(item)
      if (url.origin !== 'null' && (url.pathname === '/' || url.pathname === ''))
        origin = url.origin
    } catch {
      origin = undefined
    }
    // A setting, not a secret: naming the entry tells the operator what to fix.
    if (origin) origins.add(origin)
    else console.warn(JSON.stringify({ event: 'bad_cors_origin', entry: item }))
  }
  parsedFrom = setting
  allowed = { any, origins }
  return allowed
}

export const CORS_MAX_AGE = 7200 // seconds: Chromium's cap on caching a preflight
export const CORS_ALLOW_HEADERS = ['Content-Type', 'Authorization', KEY_HEADER, 'X-Request-Id']
export const CORS_EXPOSE_HEADERS = ['Retry-After', 'X-Request-Id']

const allowedCors = cors({
  origin: (origin, c) => (corsOrigins(c.env.CHECK_CORS_ORIGINS).any ? '*' : origin),
  allowMethods: ['POST', 'OPTIONS'],
  allowHeaders: CORS_ALLOW_HEADERS,
  exposeHeaders: CORS_EXPOSE_HEADERS,
  maxAge: CORS_MAX_AGE,
})

/**
 * CORS for the check API, with hono's middleware, for the origins CHECK_CORS_ORIGINS allows; a
 * request from any other origin (or with none) gets no CORS headers at all, and still works for
 * callers that are not browsers. A preflight is answered 204 before the key and the rate limit,
 * so it costs nothing.
 */
export const checkCors: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origin = c.req.header('Origin')
  const { any, origins } = corsOrigins(c.env.CHECK_CORS_ORIGINS)
  const configured = any || origins.size > 0
  // hono's middleware answers a preflight itself and adds Vary: Origin.
  if (origin && (any || origins.has(origin))) return allowedCors(c, next)
  if (c.req.method === 'OPTIONS') {
    const headers = new Headers({ Allow: 'POST, OPTIONS' })
    if (configured) headers.set('Vary', 'Origin')
    return new Response(null, { status: 204, headers })
  }
  await next()
  if (configured) c.header('Vary', 'Origin', { append: true })
}

/** The CORS headers an allowed origin's answer carries, for the OpenAPI document. */
export const CORS_RESPONSE_HEADERS = {
  'Access-Control-Allow-Origin': {
    description:
      'Only for an Origin listed in CHECK_CORS_ORIGINS (that origin, or * when the setting is *)',
    schema: { type: 'string' as const },
  },
  'Access-Control-Expose-Headers': {
    description: `With Access-Control-Allow-Origin: ${CORS_EXPOSE_HEADERS.join(', ')}`,
    schema: { type: 'string' as const },
  },
  Vary: { description: 'Origin (when CORS is configured)', schema: { type: 'string' as const } },
}

/**
 * Adds to the OpenAPI document what the check API's callers need besides its operations: the
 * two ways to send a check key and the CORS preflight. Returns the operations' security: a key
 * is optional (the empty requirement is the anonymous caller).
 */
export function registerCheckAccess(
  registry: OpenAPIHono['openAPIRegistry'],
): Record<string, string[]>[] {
  const description =
    "An integrator's check key (rlk_…), made by an admin (POST /api/admin/tokens with kind \"check\"): the calls count against the key's own rate limit instead of the address's. Optional."
  registry.registerComponent('securitySchemes', 'checkKey', {
    type: 'http',
    scheme: 'bearer',
    description,
  })
  registry.registerComponent('securitySchemes', 'checkApiKey', {
    type: 'apiKey',
    in: 'header',
    name: KEY_HEADER,
    description: `${description} The same key as Authorization: Bearer, in a header of its own.`,
  })
  for (const path of ['/api/check', '/api/check/batch'])
    registry.registerPath({
      method: 'options',
      path,
      summary: 'CORS preflight: answered 204, free of the rate limit',
      description: `For an Origin listed in CHECK_CORS_ORIGINS (or any, with *), the answer allows POST with the headers ${CORS_ALLOW_HEADERS.join(', ')} and may be cached ${CORS_MAX_AGE} seconds. Any other origin gets 204 with no CORS headers, and the browser then refuses the call.`,
      responses: {
        204: {
          description: 'The preflight answer',
          headers: {
            ...CORS_RESPONSE_HEADERS,
            'Access-Control-Allow-Methods': {
              description: 'POST,OPTIONS',
              schema: { type: 'string' },
            },
            'Access-Control-Allow-Headers': {
              description: CORS_ALLOW_HEADERS.join(','),
              schema: { type: 'string' },
            },
            'Access-Control-Max-Age': {
              description: `${CORS_MAX_AGE}`,
              schema: { type: 'integer' },
            },
          },
        },
      },
    })
  return [{}, { checkKey: [] }, { checkApiKey: [] }]
}
