/**
 * API tokens for automation: `rlt_` and 256 random bits, shown once, stored as SHA-256 only.
 * Each covers a unit subtree with read or write access. Only people make and revoke them, and
 * nobody can make a token reaching further than they do.
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
export const ADMIN_KIND = 'admin'
/** last_used_at is written at most this often per token. */
const TOUCH_INTERVAL_MS = 5 * 60_000

export const looksLikeApiToken = (text: string) => text.startsWith(PREFIX)

export interface NewToken {
  unit: string | null
  access: string
  label: string
}

/** What a list shows: never the hash. */
export type TokenView = Omit<ApiTokenRow, 'tokenHash'>
const view = ({ tokenHash: _hash, ...rest }: ApiTokenRow): TokenView => rest

function checkToken(input: NewToken) {
  if (input.access !== 'read' && input.access !== 'write')
    throw new AppError(422, 'invalid_access', 'access: read or write.')
  const label = cleanText(typeof input.label === 'string' ? input.label : '')
  if (!label) throw new AppError(422, 'label_required', 'label: say what the token is for.')
  if (label.length > 100)
    throw new AppError(422, 'label_too_long', 'label: at most 100 characters.')
  return { unit: parseUnit(input.unit, 422), access: input.access as Access, label }
}

export async function createToken(
  db: Database,
  by: AuditBy,
  input: NewToken,
): Promise<{ token: string; record: TokenView }> {
  requirePerson(by.actor, 'create tokens')
  const checked = checkToken(input)
  requireAdmin(by.actor, checked.unit, 'write')
  const secret = `${PREFIX}${base64url(crypto.getRandomValues(new Uint8Array(32)))}`
  const row: ApiTokenRow = {
    id: `tok_${hex(crypto.getRandomValues(new Uint8Array(8)))}`,
    kind: ADMIN_KIND,
    label: checked.label,
    unit: checked.unit,
    access: checked.access,
    tokenHash: await sha256Hex(secret),
    rateLimit: null,
    createdAt: by.now.toISOString(),
    createdBy: by.actor.id,
    expiresAt: null,
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
        counts: { [row.access]: 1 },
      }),
    ])
  } catch (error) {
    throw storageUnavailable(error)
  }
  return { token: secret, record: view(row) }
}

/** Tokens inside the reader's subtree, newest first, revoked ones included (marked). */
export async function listTokens(db: Database, reader: Actor): Promise<TokenView[]> {
  requireAdmin(reader, reader.unit, 'read')
  try {
    return (await tokensIn(db, ADMIN_KIND, reader.unit)).map(view)
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
}

export async function revokeToken(db: Database, by: AuditBy, id: string): Promise<TokenView> {
  requirePerson(by.actor, 'revoke tokens')
  const row = /^tok_[0-9a-f]{16}$/.test(id) ? await tokenById(db, id) : undefined
  if (!row || row.kind !== ADMIN_KIND)
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

/** The actor a bearer token stands for, or null when it is unknown, revoked, expired or not an admin token. */
export async function tokenActor(db: Database, secret: string, now: Date): Promise<Actor | null> {
  if (!TOKEN.test(secret)) return null
  let row: ApiTokenRow | undefined
  try {
    row = await tokenByHash(db, await sha256Hex(secret))
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
  if (!row || row.kind !== ADMIN_KIND || row.revokedAt) return null
  if (row.expiresAt && row.expiresAt <= now.toISOString()) return null
  const stale = new Date(now.getTime() - TOUCH_INTERVAL_MS).toISOString()
  if (!row.lastUsedAt || row.lastUsedAt < stale)
    await touchToken(db, row.id, now.toISOString(), stale).catch(() => undefined)
  return {
    kind: 'api_token',
    id: row.id,
    label: row.label,
    role: 'token',
    unit: row.unit,
    access: row.access,
  }
}
