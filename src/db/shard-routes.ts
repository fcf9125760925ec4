import { asc, eq, inArray, sql } from 'drizzle-orm'
import type { Database } from './client'
import { officials, shardRoutes } from './schema'
import { inUnit } from './units'

export type ShardRoute = typeof shardRoutes.$inferSelect

export function listShardRoutes(control: Database): Promise<ShardRoute[]> {
  return control.select().from(shardRoutes).orderBy(asc(shardRoutes.prefix))
}

export function putShardRouteStatement(control: Database, route: ShardRoute) {
  return control
    .insert(shardRoutes)
    .values(route)
    .onConflictDoUpdate({
      target: shardRoutes.prefix,
      set: { shard: route.shard, createdAt: route.createdAt },
    })
}

export function deleteShardRouteStatement(control: Database, prefix: string) {
  return control.delete(shardRoutes).where(eq(shardRoutes.prefix, prefix))
}

/** The distinct units of a shard's officials, active or not, in a unit subtree. */
export async function unitsUnder(db: Database, prefix: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ unit: officials.unit })
    .from(officials)
    .where(sql`${inArray(officials.active, [true, false])} AND ${inUnit(officials.unit, prefix)}`)
  return rows.map((r) => r.unit)
}

/** The officials of these external ids in one shard (one JSON parameter), with their units. */
export async function officialsByExternalIds(db: Database, externalIds: readonly string[]) {
  if (externalIds.length === 0) return []
  return db
    .select({ externalId: officials.externalId, unit: officials.unit })
    .from(officials)
    .where(
      sql`${officials.externalId} IN (SELECT value FROM json_each(${JSON.stringify(externalIds)}))`,
    )
}
