/**
 * API tokens, shown once and stored as SHA-256 only, of two kinds:
 * - admin (`rlt_` and 256 random bits): automation of /api/admin/*, covering a unit subtree with
 *   read or write access;
 * - check (`rlk_` and 256 random bits): an integrator's key for /api/check*, with its own rate
 *   limit in texts per minute. It opens nothing under /api/admin; its unit only says which admins
 *   see and revoke it.
 * Only people make and revoke them, and nobody can make a token reaching further than they do.
 */
import { sha256Hex } from '../crypto'
import type { Database } from '../db/client'
import {
  insertTokenStatement,
  revokeTokenStatement,
  tokenByHash,
  tokenById,
  tokensIn,
  touchToken,
  type ApiTokenRow,
} from '../db/api-tokens'
import { AppError } from '../errors'
import { base64url, hex } from '../acknowledgements/bytes'
import { cleanText } from '../acknowledgements/names'
import { storageUnavailable } from '../acknowledgements/failures'
import { parseUnit, requireAdmin, requirePerson, type Access, type Actor } from './actor'
import { auditStatement, type AuditBy } from './audit'

export type { ApiTokenRow }

const PREFIX = 'rlt_'
const TOKEN = /^rlt_[A-Za-z0-9_-]{43}$/
const CHECK_PREFIX = 'rlk_'
const CHECK_KEY = /^rlk_[A-Za-z0-9_-]{43}$/
export const ADMIN_KIND = 'admin'
export const CHECK_KIND = 'check'
export const TOKEN_KINDS = [ADMIN_KIND, CHECK_KIND] as const
export type TokenKind = (typeof TOKEN_KINDS)[number]
/** last_used_at is written at most this often per token (check keys: per minute, see below). */
const TOUCH_INTERVAL_MS = 5 * 60_000
const CHECK_TOUCH_INTERVAL_MS = 60_000

/**
 * The limits a check key may have, in texts per minute. Each is one rate limiting binding
 * (CHECK_KEY_LIMITER_<n> in wrangler.toml), because a binding's limit is fixed: see
 * src/routes/check-access.ts.
 */
export const CHECK_KEY_TIERS = [60, 600, 6000, 60000] as const
export type CheckKeyTier = (typeof CHECK_KEY_TIERS)[number]
/** A check key made without a limit gets the anonymous per-address allowance. */
export const DEFAULT_CHECK_KEY_LIMIT: CheckKeyTier = 600

export const looksLikeApiToken = (text: string) => text.startsWith(PREFIX)
export const looksLikeCheckKey = (text: string) => text.startsWith(CHECK_PREFIX)

export interface NewToken {
  kind?: string
  unit: string | null
  /** Admin tokens only. */
  access?: string
  label: string
  /** Check keys only: texts per minute, one of CHECK_KEY_TIERS. */
  rateLimit?: number | null
  /** When it stops working (an ISO 8601 date-time with a zone); absent or null: never. */
  expiresAt?: string | null
}

/** The furthest ahead a token's expiry may be set. */
export const MAX_TOKEN_LIFETIME_DAYS = 3 * 366
const DAY_MS = 86_400_000
// A date and a time with its zone (Z or ±hh:mm): a bare date or a time without a zone would be
// read in the server's zone, which nobody who typed it meant.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/

/** The expiry `days` whole days after `now`, as createToken takes it (the console's choices). */
export const expiryAfterDays = (now: Date, days: number) =>
  new Date(now.getTime() + days * DAY_MS).toISOString()

/** ISO_DATE_TIME, with a day its month has and an hour of the day (Date.parse takes 02-30). */
function isDateTime(text: string): boolean {
  if (!ISO_DATE_TIME.test(text)) return false
  const year = Number(text.slice(0, 4))
  const month = Number(text.slice(5, 7))
  const day = Number(text.slice(8, 10))
  const hour = Number(text.slice(11, 13))
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23
}

/** A token's expiry as stored (ISO, UTC), or null for none; 422 when it is not a time ahead. */
function expiryOf(input: unknown, now: Date): string | null {
  if (input === undefined || input === null) return null
  const at = typeof input === 'string' && isDateTime(input) ? Date.parse(input) : NaN
  if (Number.isNaN(at))
    throw new AppError(
      422,
      'invalid_expiry',
      'expiresAt: an ISO 8601 date and time with its zone, like 2027-06-30T00:00:00Z (or null for none).',
    )
  if (at <= now.getTime())
    throw new AppError(422, 'expiry_in_the_past', 'expiresAt: a time still to come.')
  if (at > now.getTime() + MAX_TOKEN_LIFETIME_DAYS * DAY_MS)
    throw new AppError(
      422,
      'expiry_too_far',
      `expiresAt: at most ${MAX_TOKEN_LIFETIME_DAYS} days ahead (or null for a token that does not expire).`,
    )
  return new Date(at).toISOString()
}

/** What a list shows: never the hash. */
export type TokenView = Omit<ApiTokenRow, 'tokenHash'>
const view = ({ tokenHash: _hash, ...rest }: ApiTokenRow): TokenView => rest

const TIER_LIST = CHECK_KEY_TIERS.map((t) => t.toLocaleString('en')).join(', ')

function checkToken(input: NewToken, now: Date) {
  const kind = input.kind ?? ADMIN_KIND
  if (kind !== ADMIN_KIND && kind !== CHECK_KIND)
    throw new AppError(422, 'invalid_kind', 'kind: admin or check.')
  let access: Access = 'read'
  let rateLimit: CheckKeyTier | null = null
  if (kind === ADMIN_KIND) {
    if (input.access !== 'read' && input.access !== 'write')
      throw new AppError(422, 'invalid_access', 'access: read or write.')
    if (input.rateLimit !== undefined && input.rateLimit !== null)
      throw new AppError(
        422,
        'rate_limit_not_applicable',
        'rateLimit: only check keys (kind "check") have a rate limit.',
      )
    access = input.access
  } else {
    // A check key reads nothing and writes nothing: access is stored as read and not asked for.
    if (input.access !== undefined && input.access !== 'read')
      throw new AppError(
        422,
        'access_not_applicable',
        'access: a check key opens nothing under /api/admin; leave access out.',
      )
    const limit = input.rateLimit ?? DEFAULT_CHECK_KEY_LIMIT
    if (!(CHECK_KEY_TIERS as readonly number[]).includes(limit))
      throw new AppError(
        422,
        'invalid_rate_limit',
        `rateLimit: texts per minute, one of ${TIER_LIST}.`,
      )
    rateLimit = limit as CheckKeyTier
  }
  const label = cleanText(typeof input.label === 'string' ? input.label : '')
  if (!label) throw new AppError(422, 'label_required', 'label: say what the token is for.')
  if (label.length > 100)
    throw new AppError(422, 'label_too_long', 'label: at most 100 characters.')
  const expiresAt = expiryOf(input.expiresAt, now)
  return { kind, unit: parseUnit(input.unit, 422), access, label, rateLimit, expiresAt }
}

export async function createToken(
  db: Database,
  by: AuditBy,
  input: NewToken,
): Promise<{ token: string; record: TokenView }> {
  requirePerson(by.actor, 'create tokens')
  const checked = checkToken(input, by.now)
  requireAdmin(by.actor, checked.unit, 'write')
  const prefix = checked.kind === CHECK_KIND ? CHECK_PREFIX : PREFIX
  const secret = `${prefix}${base64url(crypto.getRandomValues(new Uint8Array(32)))}`
  const row: ApiTokenRow = {
    id: `tok_${hex(crypto.getRandomValues(new Uint8Array(8)))}`,
    kind: checked.kind,
    label: checked.label,
    unit: checked.unit,
    access: checked.access,
    tokenHash: await sha256Hex(secret),
    rateLimit: checked.rateLimit,
    createdAt: by.now.toISOString(),
    createdBy: by.actor.id,
    expiresAt: checked.expiresAt,
    lastUsedAt: null,
    revokedAt: null,
    revokedBy: null,
  }
  try {
    await db.batch([
      insertTokenStatement(db, row),
      auditStatement(db, by, 'token.create', {
        unit: row.unit,
        target: row.id,
        counts: { [row.kind === CHECK_KIND ? CHECK_KIND : row.access]: 1 },
      }),
    ])
  } catch (error) {
    throw storageUnavailable(error)
  }
  return { token: secret, record: view(row) }
}

/** Tokens of both kinds inside the reader's subtree, newest first, revoked ones included (marked). */
export async function listTokens(db: Database, reader: Actor): Promise<TokenView[]> {
  requireAdmin(reader, reader.unit, 'read')
  try {
    return (await tokensIn(db, TOKEN_KINDS, reader.unit)).map(view)
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
}

export async function revokeToken(db: Database, by: AuditBy, id: string): Promise<TokenView> {
  requirePerson(by.actor, 'revoke tokens')
  const row = /^tok_[0-9a-f]{16}$/.test(id) ? await tokenById(db, id) : undefined
  if (!row || !(TOKEN_KINDS as readonly string[]).includes(row.kind))
    throw new AppError(404, 'token_not_found', 'There is no such token.')
  requireAdmin(by.actor, row.unit, 'write')
  if (row.revokedAt) return view(row)
  const at = by.now.toISOString()
  try {
    await db.batch([
      revokeTokenStatement(db, row.id, at, by.actor.id),
      auditStatement(db, by, 'token.revoke', { unit: row.unit, target: row.id }),
    ])
  } catch (error) {
    throw storageUnavailable(error)
  }
  return view({ ...row, revokedAt: at, revokedBy: by.actor.id })
}

/** The live token of `kind` a secret stands for: known, not revoked, not expired; else null. */
async function liveToken(
  db: Database,
  secret: string,
  shape: RegExp,
  kind: TokenKind,
  now: Date,
): Promise<ApiTokenRow | null> {
  if (!shape.test(secret)) return null
  let row: ApiTokenRow | undefined
  try {
    row = await tokenByHash(db, await sha256Hex(secret))
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
  if (!row || row.kind !== kind || row.revokedAt) return null
  if (row.expiresAt && row.expiresAt <= now.toISOString()) return null
  return row
}

/** Records a use in last_used_at, unless the one recorded is under `intervalMs` old. */
function touchIfStale(
  db: Database,
  row: ApiTokenRow,
  now: Date,
  intervalMs: number,
): Promise<void> | undefined {
  const stale = new Date(now.getTime() - intervalMs).toISOString()
  if (row.lastUsedAt && row.lastUsedAt >= stale) return undefined
  return touchToken(db, row.id, now.toISOString(), stale).catch(() => undefined)
}

/** The actor a bearer token stands for, or null when it is unknown, revoked, expired or not an admin token. */
export async function tokenActor(db: Database, secret: string, now: Date): Promise<Actor | null> {
  const row = await liveToken(db, secret, TOKEN, ADMIN_KIND, now)
  if (!row) return null
  await touchIfStale(db, row, now, TOUCH_INTERVAL_MS)
  return {
    kind: 'api_token',
    id: row.id,
    label: row.label,
    role: 'token',
    unit: row.unit,
    access: row.access,
  }
}

/** What the check API needs of a key: whose count to charge, and its limit. */
export interface CheckKey {
  id: string
  rateLimit: CheckKeyTier
}

/**
 * The check key a secret stands for, or null when it is unknown, revoked or expired (an admin
 * token is not a check key). Last use is written at most once a minute per key, through `defer`
 * (waitUntil), so a busy key costs one read per request and no write.
 */
export async function checkKeyFor(
  db: Database,
  secret: string,
  now: Date,
  defer: (work: Promise<unknown>) => void,
): Promise<CheckKey | null> {
  const row = await liveToken(db, secret, CHECK_KEY, CHECK_KIND, now)
  if (!row) return null
  const touch = touchIfStale(db, row, now, CHECK_TOUCH_INTERVAL_MS)
  if (touch) defer(touch)
  const limit = row.rateLimit ?? DEFAULT_CHECK_KEY_LIMIT
  // A limit no tier serves (edited by hand in D1) gets the largest tier under it, never more.
  const tier = [...CHECK_KEY_TIERS].reverse().find((t) => t <= limit) ?? CHECK_KEY_TIERS[0]
  return { id: row.id, rateLimit: tier }
}
