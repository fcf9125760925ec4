/**
 * What the shard tests share. They run twice (vitest.config.ts): with DB alone, as `npm start`
 * has it, and with DB plus DB_SHARD_1..3. Province k of a test is routed to shard k % N.
 */
import { env } from 'cloudflare:test'
import { expect } from 'vitest'
import { unitCountsStatement } from '../../src/db/acknowledgements'
import { shardsOf } from '../../src/db/shards'
import { admin, call } from '../ack-helpers'

export const shards = () => shardsOf(env)
export const N = () => shards().count

/** The binding of a shard, as the tests reach it directly. */
export function binding(index: number): D1Database {
  const d1 = (env as unknown as Record<string, D1Database | undefined>)[
    index === 0 ? 'DB' : `DB_SHARD_${index}`
  ]
  if (!d1) throw new Error(`no shard ${index}`)
  return d1
}

export async function rowsIn<T = Record<string, unknown>>(
  shard: number,
  sql: string,
  ...binds: unknown[]
) {
  return (
    await binding(shard)
      .prepare(sql)
      .bind(...binds)
      .all<T>()
  ).results
}

/** The one number a `SELECT count(*) AS n ...` in a shard answers. */
export async function countIn(shard: number, sql: string, ...binds: unknown[]) {
  const [row] = await rowsIn<{ n: number }>(shard, sql, ...binds)
  return row?.n ?? 0
}

/** Routes each prefix to shard (its position % N) through the admin API. */
export async function route(prefixes: readonly string[]) {
  for (const [i, prefix] of prefixes.entries()) {
    const response = await call('/api/admin/shards/routes', {
      method: 'PUT',
      headers: admin({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({ prefix, shard: i % N() }),
    })
    expect(response.status).toBe(200)
  }
}

/**
 * The full recount the counters replace: active officials and those of them with a record that
 * counts, per unit, over every shard.
 */
export async function recount(q: {
  noticeId: string
  from: number
  to: number
  unit?: string | null
}) {
  const byUnit = new Map<string, { roster: number; acknowledged: number }>()
  for (const shard of shards().shards)
    for (const row of await unitCountsStatement(shard.db, q)) {
      const entry = byUnit.get(row.unit) ?? { roster: 0, acknowledged: 0 }
      entry.roster += Number(row.roster)
      entry.acknowledged += Number(row.acknowledged)
      byUnit.set(row.unit, entry)
    }
  return byUnit
}

export const OVERLOADED = 'D1_ERROR: D1 DB is overloaded. Requests queued for too long.'
export const CONNECTION_LOST = 'D1_ERROR: Network connection lost.'

type BatchDecision = 'pass' | 'overloaded' | 'lost-after-commit'

/**
 * A D1 binding that behaves like a shard under load: each batch is shown to `decide` with the
 * SQL of its statements, and is refused as overloaded (not run), or run and then its answer
 * lost (a connection dropped after the commit), or passed through. Everything else is the real
 * local D1. Test code only: production has no such switch.
 */
export function underLoad(real: D1Database, decide: (sql: string[]) => BatchDecision): D1Database {
  const sqlOf = new WeakMap<object, { real: D1PreparedStatement; sql: string }>()
  const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, property) {
        if (property === 'bind') return (...values: unknown[]) => wrap(target.bind(...values), sql)
        const value = Reflect.get(target, property) as unknown
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    sqlOf.set(proxy, { real: statement, sql })
    return proxy
  }
  return new Proxy(real, {
    get(target, property) {
      if (property === 'prepare') return (sql: string) => wrap(target.prepare(sql), sql)
      if (property === 'batch')
        return async (statements: D1PreparedStatement[]) => {
          const decision = decide(statements.map((s) => sqlOf.get(s)?.sql ?? ''))
          if (decision === 'overloaded') throw new Error(OVERLOADED)
          const results = await target.batch(statements.map((s) => sqlOf.get(s)?.real ?? s))
          if (decision === 'lost-after-commit') throw new Error(CONNECTION_LOST)
          return results
        }
      const value = Reflect.get(target, property) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

export const writesAcknowledgement = (sql: string[]) =>
  sql.some((s) => /insert into "acknowledgements"/i.test(s))

/** A D1 binding that notes every use of itself under `name` in `touched`. */
export function watched(real: D1Database, name: string, touched: Set<string>): D1Database {
  return new Proxy(real, {
    get(target, property) {
      const value = Reflect.get(target, property) as unknown
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        touched.add(name)
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
}

/** A copy of the environment with some bindings replaced. */
export function envWith(replacements: Record<string, unknown>): Env {
  return { ...(env as unknown as Record<string, unknown>), ...replacements } as unknown as Env
}
