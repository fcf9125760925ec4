/**
 * The Worker as `npm run bench:scale` runs it (wrangler.scale.toml's main): src/index.ts as it
 * is, with every D1 binding metered (rows written and read, and the database's size, as D1
 * reports them for each query) and two endpoints of its own, which exist only here, never in
 * wrangler.toml's Worker:
 *   POST /__bench/bare?shard=k   one plain INSERT of a record-sized row into shard k: the
 *                                baseline the acknowledgement path is compared with;
 *   GET  /__bench/stats[?reset]  the meters, per binding.
 * Both answer only requests to localhost.
 */
import worker from '../../src/index'

interface Meter {
  rowsWritten: number
  rowsRead: number
  queries: number
  /** The database's size after the last query that reported it. */
  sizeAfter: number | null
}

const meters = new Map<string, Meter>()
const meterOf = (name: string) => {
  let meter = meters.get(name)
  if (!meter) {
    meter = { rowsWritten: 0, rowsRead: 0, queries: 0, sizeAfter: null }
    meters.set(name, meter)
  }
  return meter
}

function count(name: string, result: unknown) {
  const meta = (result as { meta?: D1Meta } | undefined)?.meta
  if (!meta) return
  const meter = meterOf(name)
  meter.queries++
  meter.rowsWritten += meta.rows_written ?? 0
  meter.rowsRead += meta.rows_read ?? 0
  if (typeof meta.size_after === 'number') meter.sizeAfter = meta.size_after
}

/**
 * The binding, with run(), all() and batch() results counted; raw() and first() (drizzle's
 * selects) carry no meta, so they count as queries without rows.
 */
function metered(name: string, d1: D1Database): D1Database {
  const real = new WeakMap<object, D1PreparedStatement>()
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, property) {
        if (property === 'bind') return (...values: unknown[]) => wrap(target.bind(...values))
        if (property === 'run' || property === 'all')
          return async () => {
            const result = await target[property]()
            count(name, result)
            return result
          }
        if (property === 'raw' || property === 'first')
          return (...args: unknown[]) => {
            meterOf(name).queries++
            return (target[property] as (...a: unknown[]) => unknown)(...args)
          }
        const value = Reflect.get(target, property) as unknown
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    real.set(proxy, statement)
    return proxy
  }
  return new Proxy(d1, {
    get(target, property) {
      if (property === 'prepare') return (sql: string) => wrap(target.prepare(sql))
      if (property === 'batch')
        return async (statements: D1PreparedStatement[]) => {
          const results = await target.batch(statements.map((s) => real.get(s) ?? s))
          for (const result of results) count(name, result)
          return results
        }
      const value = Reflect.get(target, property) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

const bindingNames = (env: object) =>
  Object.keys(env).filter((key) => key === 'DB' || /^DB_SHARD_\d+$/.test(key))

const wrapped = new WeakMap<object, Env>()
function meteredEnv(env: Env): Env {
  let out = wrapped.get(env)
  if (!out) {
    const copy: Record<string, unknown> = { ...env }
    for (const name of bindingNames(env))
      copy[name] = metered(name, (env as unknown as Record<string, D1Database>)[name]!)
    out = copy as unknown as Env
    wrapped.set(env, out)
  }
  return out
}

const PAYLOAD = 'x'.repeat(1400)
/** The bindings whose bench_bare table exists: made once, so each request is one INSERT. */
const bareTables = new WeakSet<D1Database>()

async function bench(request: Request, env: Env): Promise<Response | null> {
  const url = new URL(request.url)
  if (!url.pathname.startsWith('/__bench/')) return null
  if (url.hostname !== 'localhost' && url.hostname !== '127.0.0.1')
    return new Response('not found', { status: 404 })
  const menv = meteredEnv(env) as unknown as Record<string, D1Database | undefined>
  if (url.pathname === '/__bench/stats') {
    const out = Object.fromEntries(bindingNames(env).map((name) => [name, { ...meterOf(name) }]))
    if (url.searchParams.has('reset'))
      for (const meter of meters.values())
        Object.assign(meter, { rowsWritten: 0, rowsRead: 0, queries: 0 })
    return Response.json(out)
  }
  if (url.pathname === '/__bench/bare' && request.method === 'POST') {
    const shard = Number(url.searchParams.get('shard') ?? 0)
    const db = menv[shard === 0 ? 'DB' : `DB_SHARD_${shard}`]
    if (!db) return new Response('no such shard', { status: 404 })
    const { id } = (await request.json()) as { id: string }
    if (!bareTables.has(db)) {
      await db
        .prepare(
          'CREATE TABLE IF NOT EXISTS bench_bare (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, payload TEXT NOT NULL)',
        )
        .run()
      bareTables.add(db)
    }
    await db
      .prepare('INSERT INTO bench_bare (id, payload) VALUES (?, ?) ON CONFLICT DO NOTHING')
      .bind(id, PAYLOAD)
      .run()
    return new Response(null, { status: 204 })
  }
  return new Response('not found', { status: 404 })
}

export default {
  async fetch(request, env, ctx) {
    return (await bench(request, env)) ?? worker.fetch!(request, meteredEnv(env), ctx)
  },
  scheduled(controller, env, ctx) {
    return worker.scheduled!(controller, meteredEnv(env), ctx)
  },
  queue(batch, env, ctx) {
    return worker.queue!(batch, meteredEnv(env), ctx)
  },
} satisfies ExportedHandler<Env>
