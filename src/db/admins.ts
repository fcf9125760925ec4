import { asc, eq } from 'drizzle-orm'
import type { Database } from './client'
import { admins } from './schema'

export type AdminRow = typeof admins.$inferSelect

export async function adminByEmail(db: Database, email: string) {
  return db.query.admins.findFirst({ where: eq(admins.email, email) })
}

export async function adminById(db: Database, id: number) {
  return db.query.admins.findFirst({ where: eq(admins.id, id) })
}

export async function allAdmins(db: Database) {
  return db.select().from(admins).orderBy(asc(admins.email))
}

export function insertAdminStatement(db: Database, row: Omit<AdminRow, 'id'>) {
  return db.insert(admins).values(row)
}

export function deleteAdminStatement(db: Database, id: number) {
  return db.delete(admins).where(eq(admins.id, id))
}
