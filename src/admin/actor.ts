/**
 * Who is asking, and what they may do. Every admin route and console page resolves an Actor
 * first; domain functions take it and call the checks below, so a permission is decided in one
 * place whichever door (API, console) a request came through. Pure: no Workers imports.
 */
import { AppError } from '../errors'
import { isWithin, normaliseUnit } from '../acknowledgements/roster'

export type Access = 'read' | 'write'
export type Role = 'owner' | 'unit_admin'

export interface Actor {
  /** owner_token: ADMIN_TOKEN (bearer or console sign-in); admin: a person; api_token: automation. */
  kind: 'owner_token' | 'admin' | 'api_token'
  /** Stable identity written to the audit log: "ADMIN_TOKEN", an email, a token id. */
  id: string
  /** What people read: the email, or the token's label. */
  label: string
  role: Role | 'token'
  /** The unit subtree this actor covers; null means the whole roster. */
  unit: string | null
  access: Access
}

export const ownerToken: Actor = {
  kind: 'owner_token',
  id: 'ADMIN_TOKEN',
  label: 'ADMIN_TOKEN',
  role: 'owner',
  unit: null,
  access: 'write',
}

export const isOwner = (actor: Actor) => actor.role === 'owner'

const scopeName = (unit: string | null) => unit ?? 'the whole roster'

function outsideScope(actor: Actor, unit: string | null) {
  return new AppError(
    403,
    'outside_scope',
    `${scopeName(unit)} is outside what this ${actor.kind === 'api_token' ? 'token' : 'account'} covers (${scopeName(actor.unit)}).`,
  )
}

/**
 * The one permission check: `actor` may act on `unit` (null: the whole roster) with `access`.
 * 403 outside_scope when the unit is not inside the actor's subtree, 403 read_only when a read
 * credential tries to change something.
 */
export function requireAdmin(actor: Actor, unit: string | null, access: Access): void {
  if (actor.unit !== null && (unit === null || !isWithin(unit, actor.unit)))
    throw outsideScope(actor, unit)
  if (access === 'write' && actor.access !== 'write')
    throw new AppError(
      403,
      'read_only',
      'This token can only read; changes need a token with write access.',
    )
}

/** Owners only: managing admins, whole-log operations such as signing checkpoints. */
export function requireOwner(actor: Actor, what: string): void {
  if (!isOwner(actor)) throw new AppError(403, 'owners_only', `Only an owner can ${what}.`)
}

/** Credentials are handed out by people, never by another token (a leaked token cannot breed). */
export function requirePerson(actor: Actor, what: string): void {
  if (actor.kind === 'api_token')
    throw new AppError(
      403,
      'people_only',
      `An API token cannot ${what}; an owner or unit admin does it in the console.`,
    )
}

/** A unit as given by a client, normalised ("广东省 / 广州市" -> "广东省/广州市"); 400 if unusable. */
export function parseUnit(raw: string | null | undefined, status: 400 | 422 = 400): string | null {
  if (raw === null || raw === undefined || raw.trim() === '') return null
  const normal = normaliseUnit(raw)
  if ('problem' in normal) throw new AppError(status, 'invalid_unit', normal.problem)
  return normal.unit
}

/**
 * The unit a request works on: the one asked for, which must lie inside the actor's subtree, or
 * else the actor's own subtree (a unit admin asking for "everything" gets their unit).
 */
export function scopedUnit(
  actor: Actor,
  requested: string | null | undefined,
  access: Access,
  invalidStatus: 400 | 422 = 400,
) {
  const unit = parseUnit(requested, invalidStatus) ?? actor.unit
  requireAdmin(actor, unit, access)
  return unit
}
