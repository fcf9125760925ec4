import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/**
 * Every notice version the database has been asked to refer to, with the hash it was published
 * under. Records elsewhere point here, so a version's hash can never silently differ between
 * the content the Worker serves and the rows that cite it.
 */
export const noticeVersions = sqliteTable(
  'notice_versions',
  {
    noticeId: text('notice_id').notNull(),
    version: integer('version').notNull(),
    sha256: text('sha256').notNull(),
    effectiveFrom: text('effective_from').notNull(),
    registeredAt: text('registered_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.noticeId, table.version] })],
)
