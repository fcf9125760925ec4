/** Admins: owners add and remove them; each has a role and, for a unit admin, a unit subtree. */
import type { Database } from '../db/client'
import {
  adminByEmail,
  adminById,
  allAdmins,
  deleteAdminStatement,
  insertAdminStatement,
  type AdminRow,
} from '../db/admins'
import { AppError } from '../errors'
import { storageUnavailable } from '../acknowledgements/failures'
import { parseUnit, requireOwner, type Role } from './actor'
import { auditStatement, type AuditBy } from './audit'
import { normaliseEmail } from './config'
import type { Actor } from './actor'

export type { AdminRow }

export const ROLES = ['owner', 'unit_admin'] as const

/** Enough to refuse typing mistakes; Access is what proves an address is someone's. */
const EMAIL = /^[^\s@<>()",;:]{1,64}@[a-z0-9-]+(\.[a-z0-9-]+)+$/

export interface NewAdmin {
  email: string
  role: string
  unit?: string | null
}

export async function listAdmins(db: Database, reader: Actor): Promise<AdminRow[]> {
  requireOwner(reader, 'see the admins')
  return allAdmins(db)
}

function checkAdmin(input: NewAdmin): { email: string; role: Role; unit: string | null } {
  const email = normaliseEmail(input.email)
  if (!EMAIL.test(email) || email.length > 254)
    throw new AppError(422, 'invalid_email', `"${input.email}" is not an email address.`)
  if (!(ROLES as readonly string[]).includes(input.role))
    throw new AppError(422, 'invalid_role', 'role: owner or unit_admin.')
  const role = input.role as Role
  const unit = parseUnit(input.unit, 422)
  if (role === 'unit_admin' && unit === null)
    throw new AppError(422, 'unit_required', 'A unit admin needs a unit, e.g. 广东省/广州市.')
  if (role === 'owner' && unit !== null)
    throw new AppError(
      422,
      'owner_has_no_unit',
      'An owner covers the whole roster: leave unit empty.',
    )
  return { email, role, unit }
}

const isUniqueViolation = (error: unknown) => /UNIQUE constraint failed/.test(String(error))

export async function addAdmin(db: Database, by: AuditBy, input: NewAdmin): Promise<AdminRow> {
  requireOwner(by.actor, 'add admins')
  const admin = checkAdmin(input)
  const exists = () =>
    new AppError(
      409,
      'admin_exists',
      `${admin.email} is already an admin; remove them first to change their role.`,
    )
  if (await adminByEmail(db, admin.email)) throw exists()
  const row = { ...admin, createdAt: by.now.toISOString(), createdBy: by.actor.id }
  try {
    await db.batch([
      insertAdminStatement(db, row),
      auditStatement(db, by, 'admin.add', { unit: admin.unit, target: admin.email }),
    ])
  } catch (error) {
    if (isUniqueViolation(error)) throw exists()
    throw storageUnavailable(error)
  }
  return (await adminByEmail(db, admin.email))!
}

export async function removeAdmin(db: Database, by: AuditBy, id: number): Promise<AdminRow> {
  requireOwner(by.actor, 'remove admins')
  const admin = Number.isSafeInteger(id) ? await adminById(db, id) : undefined
  if (!admin) throw new AppError(404, 'admin_not_found', 'There is no such admin.')
  if (by.actor.kind === 'admin' && by.actor.id === admin.email)
    throw new AppError(409, 'cannot_remove_self', 'You cannot remove yourself; ask another owner.')
  try {
    await db.batch([
      deleteAdminStatement(db, admin.id),
      auditStatement(db, by, 'admin.remove', { unit: admin.unit, target: admin.email }),
    ])
  } catch (error) {
    throw storageUnavailable(error)
  }
  return admin
}

export async function findAdmin(db: Database, email: string) {
  try {
    return await adminByEmail(db, normaliseEmail(email))
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
}
