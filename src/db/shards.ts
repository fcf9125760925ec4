/**
 * The databases: DB, the control database (notice versions, link batches, the shard routes, the
 * global checkpoints, the console's tables) and shard 0; DB_SHARD_1, DB_SHARD_2... the other
 * shards, each holding the officials of the units routed to it with their acknowledgements, its
 * own log and checkpoints and its counters. With no DB_SHARD_n bound there is one shard, DB:
 * exactly the single database of before, with nothing to configure.
 */
import { AppError } from '../errors'
import { database, type Database } from './client'

/** Shard numbers run 0 (DB) to 999 (DB_SHARD_999); links carry the number. */
export const MAX_SHARDS = 1000

export interface Shard {
  /** 0: DB; n: DB_SHARD_n. */
  index: number
  binding: string
  db: Database
}

export class ShardSet {
  constructor(
    /** DB: what is not partitioned. */
    readonly control: Database,
    readonly shards: readonly Shard[],
  ) {}

  get count(): number {
    return this.shards.length
  }

  /** The shard of that number as a request names it: 404 when there is none. */
  requested(index: number): Shard {
    const shard = this.shards[index]
    if (!shard)
      throw new AppError(
        404,
        'shard_not_found',
        `There is no shard ${index}: this Worker has ${this.count} (0 is DB, n is DB_SHARD_n).`,
      )
    return shard
  }

  /** The shard of that number; a number with no binding is a configuration error. */
  shard(index: number): Shard {
    const shard = this.shards[index]
    if (!shard) {
      console.error(JSON.stringify({ event: 'shard_missing', shard: index }))
      throw new AppError(
        503,
        'shard_missing',
        `Shard ${index} (DB_SHARD_${index}) is not bound to this Worker: a link or route names it. Bind it again in wrangler.toml.`,
      )
    }
    return shard
  }
}

/** What the domain functions accept: the shards, or one database standing for a single shard. */
export type Store = Database | ShardSet

export function asShards(store: Store): ShardSet {
  if (store instanceof ShardSet) return store
  return new ShardSet(store, [{ index: 0, binding: 'DB', db: store }])
}

export const shardBinding = (index: number) => (index === 0 ? 'DB' : `DB_SHARD_${index}`)

function isD1(value: unknown): value is D1Database {
  const candidate = value as { prepare?: unknown; batch?: unknown } | undefined
  return typeof candidate?.prepare === 'function' && typeof candidate.batch === 'function'
}

const cache = new WeakMap<object, ShardSet>()

/** DB and every DB_SHARD_n bound after it without a gap (DB_SHARD_1, DB_SHARD_2, ...). */
export function shardsOf(env: { DB: D1Database }): ShardSet {
  let set = cache.get(env)
  if (!set) {
    const bindings = env as unknown as Record<string, unknown>
    const shards: Shard[] = [{ index: 0, binding: 'DB', db: database(env.DB) }]
    for (let n = 1; n < MAX_SHARDS; n++) {
      const d1 = bindings[shardBinding(n)]
      if (!isD1(d1)) break
      shards.push({ index: n, binding: shardBinding(n), db: database(d1) })
    }
    set = new ShardSet(shards[0]!.db, shards)
    cache.set(env, set)
  }
  return set
}
