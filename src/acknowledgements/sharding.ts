/**
 * Which shard a unit lives in. The routing table in the control database maps unit prefixes to
 * shards; the longest prefix containing a unit wins, and a unit no route covers lives in shard 0
 * (DB). A unit's officials, and so their acknowledgements, log and counters, are all in its shard,
 * which is why a route may only be added or changed while it moves no official: adding a shard
 * for new units touches no evidence, and moving a unit that has officials is a migration of its
 * own (docs/scale.md).
 */
import {
  deleteShardRouteStatement,
  listShardRoutes,
  officialsByExternalIds,
  putShardRouteStatement,
  unitsUnder,
  type ShardRoute,
} from '../db/shard-routes'
import { asShards, type ShardSet, type Store } from '../db/shards'
import { AppError } from '../errors'
import { storageUnavailable } from './failures'
import { isWithin, normaliseUnit } from './roster'

export interface Routing {
  /** How many shards are bound. */
  count: number
  /** Longest prefix first. */
  routes: readonly { prefix: string; shard: number }[]
}

const byLength = (a: { prefix: string }, b: { prefix: string }) =>
  b.prefix.length - a.prefix.length || (a.prefix < b.prefix ? -1 : 1)

/** The routes. With one shard there is nothing to route and nothing is read. */
export async function loadRouting(store: Store): Promise<Routing> {
  const shards = asShards(store)
  if (shards.count === 1) return { count: 1, routes: [] }
  let routes: ShardRoute[]
  try {
    routes = await listShardRoutes(shards.control)
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
  return {
    count: shards.count,
    routes: routes.map(({ prefix, shard }) => ({ prefix, shard })).sort(byLength),
  }
}

export function shardForUnit(routing: Routing, unit: string): number {
  return routing.routes.find((r) => isWithin(unit, r.prefix))?.shard ?? 0
}

/** Every shard that may hold officials of the subtree `scope` (null: everything), ascending. */
export function shardsForScope(routing: Routing, scope: string | null): number[] {
  if (routing.count === 1) return [0]
  if (!scope) return [...new Set([0, ...routing.routes.map((r) => r.shard)])].sort((a, b) => a - b)
  const found = new Set([shardForUnit(routing, scope)])
  for (const route of routing.routes) if (isWithin(route.prefix, scope)) found.add(route.shard)
  return [...found].sort((a, b) => a - b)
}

/** The shards of a scope, as databases. */
export async function shardsFor(store: Store, scope: string | null) {
  const shards = asShards(store)
  const routing = await loadRouting(shards)
  return shardsForScope(routing, scope).map((index) => shards.shard(index))
}

function requireUnit(raw: string): string {
  const normal = normaliseUnit(raw)
  if ('problem' in normal) throw new AppError(422, 'invalid_unit', normal.problem)
  return normal.unit
}

/**
 * Refuses a routing change that would put officials who exist in one shard under another: for
 * every shard, every unit it holds under `prefix` must still route to it afterwards.
 */
async function checkNothingMoves(shards: ShardSet, prefix: string, after: Routing) {
  const held = await Promise.all(
    shards.shards.map(async (shard) => ({ shard, units: await unitsUnder(shard.db, prefix) })),
  )
  for (const { shard, units } of held) {
    const moved = units.filter((unit) => shardForUnit(after, unit) !== shard.index)
    if (moved.length)
      throw new AppError(
        409,
        'unit_on_other_shard',
        `${moved.length} unit${moved.length === 1 ? '' : 's'} under "${prefix}" (${moved.slice(0, 3).join(', ')}${moved.length > 3 ? ', ...' : ''}) already ${moved.length === 1 ? 'has' : 'have'} officials in shard ${shard.index} (${shard.binding}); this route would send them to shard ${shardForUnit(after, moved[0]!)}. A route may only go where no official has to move: see docs/scale.md, "Moving a unit between shards".`,
      )
  }
}

export interface ShardsOverview {
  shards: { index: number; binding: string }[]
  routes: { prefix: string; shard: number }[]
}

/** The shards and every stored route (with one shard they are kept, and route nowhere else). */
export async function shardsOverview(store: Store): Promise<ShardsOverview> {
  const shards = asShards(store)
  let routes: ShardRoute[]
  try {
    routes = await listShardRoutes(shards.control)
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
  return {
    shards: shards.shards.map(({ index, binding }) => ({ index, binding })),
    routes: routes.map(({ prefix, shard }) => ({ prefix, shard })),
  }
}

/** Routes `prefix` (and the units below it that no longer route covers) to `shard`. */
export async function setShardRoute(
  store: Store,
  q: { prefix: string; shard: number; now: Date },
): Promise<ShardsOverview> {
  const shards = asShards(store)
  const prefix = requireUnit(q.prefix)
  if (!Number.isInteger(q.shard) || q.shard < 0 || q.shard >= shards.count)
    throw new AppError(
      422,
      'no_such_shard',
      `There is no shard ${q.shard}: this Worker has ${shards.count} (0 is DB, n is DB_SHARD_n).`,
    )
  const routing = await loadRouting(shards)
  const after: Routing = {
    count: routing.count,
    routes: [...routing.routes.filter((r) => r.prefix !== prefix), { prefix, shard: q.shard }].sort(
      byLength,
    ),
  }
  await checkNothingMoves(shards, prefix, after)
  await write(() =>
    putShardRouteStatement(shards.control, {
      prefix,
      shard: q.shard,
      createdAt: q.now.toISOString(),
    }).run(),
  )
  return shardsOverview(shards)
}

/** Removes the route of `prefix`: its units fall back to the next shorter route, or shard 0. */
export async function removeShardRoute(store: Store, rawPrefix: string): Promise<ShardsOverview> {
  const shards = asShards(store)
  const prefix = requireUnit(rawPrefix)
  const routing = await loadRouting(shards)
  if (!routing.routes.some((r) => r.prefix === prefix))
    throw new AppError(404, 'route_not_found', `No route is set for "${prefix}".`)
  const after: Routing = {
    count: routing.count,
    routes: routing.routes.filter((r) => r.prefix !== prefix),
  }
  await checkNothingMoves(shards, prefix, after)
  await write(() => deleteShardRouteStatement(shards.control, prefix).run())
  return shardsOverview(shards)
}

async function write(run: () => Promise<unknown>) {
  try {
    await run()
  } catch (error) {
    throw storageUnavailable(error)
  }
}

const EXTERNAL_IDS_PER_QUERY = 1000

/**
 * The one shard a roster import writes to: the shard of every unit in it and, for a full import,
 * every shard its scope reaches (it deactivates there). An import that would span shards is
 * refused whole, and so is one listing an official who is in another shard already (that would
 * be a second official with the same external id).
 */
export async function shardForImport(
  store: Store,
  q: {
    mode: 'merge' | 'full'
    scope: string | null
    rows: readonly { externalId: string; unit: string }[]
  },
) {
  const shards = asShards(store)
  const routing = await loadRouting(shards)
  if (routing.count === 1) return shards.shard(0)
  const target = new Set(q.rows.map((row) => shardForUnit(routing, row.unit)))
  if (q.mode === 'full') for (const s of shardsForScope(routing, q.scope)) target.add(s)
  if (target.size > 1)
    throw new AppError(
      422,
      'roster_spans_shards',
      `This import reaches shards ${[...target].sort((a, b) => a - b).join(', ')}; an import is written to one shard, whole or not at all. Import the units of each shard separately (${routing.routes
        .slice(0, 4)
        .map((r) => `?unit=${r.prefix} -> shard ${r.shard}`)
        .join(
          '; ',
        )}${q.mode === 'full' && !q.scope ? '; a full import needs ?unit= when there are several shards' : ''}).`,
    )
  const shard = shards.shard([...target][0]!)
  const ids = q.rows.map((row) => row.externalId)
  for (const other of shards.shards) {
    if (other.index === shard.index) continue
    let found: { externalId: string; unit: string }[]
    try {
      found = (
        await Promise.all(
          Array.from({ length: Math.ceil(ids.length / EXTERNAL_IDS_PER_QUERY) }, (_, i) =>
            officialsByExternalIds(
              other.db,
              ids.slice(i * EXTERNAL_IDS_PER_QUERY, (i + 1) * EXTERNAL_IDS_PER_QUERY),
            ),
          ),
        )
      ).flat()
    } catch (error) {
      throw storageUnavailable(error, 'read')
    }
    if (found.length)
      throw new AppError(
        409,
        'official_on_other_shard',
        `${found.length} official${found.length === 1 ? ' is' : 's are'} already in shard ${other.index} (${found
          .slice(0, 3)
          .map((o) => `${o.externalId} in ${o.unit}`)
          .join(
            ', ',
          )}${found.length > 3 ? ', ...' : ''}); this import would write them to shard ${shard.index}. Moving officials between shards: docs/scale.md.`,
      )
  }
  return shard
}
