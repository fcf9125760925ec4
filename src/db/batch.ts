import type { BatchItem } from 'drizzle-orm/batch'
import type { Database } from './client'

/** db.batch for a list built at run time: D1 runs it as one transaction, all or nothing. */
export function batchAll(db: Database, statements: readonly BatchItem<'sqlite'>[]) {
  const [first, ...rest] = statements
  if (!first) throw new Error('an empty batch')
  return db.batch([first, ...rest])
}
