/**
 * Shards through the Worker: routing of units, officials and records landing in their unit's
 * shard, status across shards, each shard's own log and checkpoints, the global checkpoint, and
 * tampering in one shard found by reading that shard (and the control database) only. Runs with
 * one shard (DB alone, as `npm start`) and with four.
 */
import { env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { auditLog } from '../../src/acknowledgements/audit'
import { checkGlobalForShard } from '../../src/acknowledgements/global'
import { ackSecrets } from '../../src/acknowledgements/secrets'
import { database } from '../../src/db/client'
import { acknowledge, admin, call, createLinks, importRoster, NOTICE, pathOf } from '../ack-helpers'
import { binding, countIn, N, route, rowsIn, watched } from './helpers'

const PROVINCES = ['分甲省', '分乙省', '分丙省', '分丁省']
/** Province k is routed to shard k % N. */
const shardOf = (province: number) => province % N()

const roster = (province: number, count: number) =>
  `external_id,name,unit\n${Array.from(
    { length: count },
    (_, i) =>
      `S${province}-${i},官员${province}${i},${PROVINCES[province]}/${i % 2 ? '东' : '西'}区`,
  ).join('\n')}\n`

const json = async <T>(response: Response) => (await response.json()) as T

beforeAll(async () => {
  await route(PROVINCES)
  for (const [province] of PROVINCES.entries())
    expect((await importRoster(roster(province, 5))).status).toBe(200)
})

describe(`${N()} shard(s)`, () => {
  it('lists the shards bound and the routes', async () => {
    const overview = await json<{
      shards: { index: number; binding: string }[]
      routes: unknown[]
    }>(await call('/api/admin/shards', { headers: admin() }))
    expect(overview.shards).toEqual(
      Array.from({ length: N() }, (_, index) => ({
        index,
        binding: index ? `DB_SHARD_${index}` : 'DB',
      })),
    )
    expect(overview.routes).toHaveLength(PROVINCES.length)
  })

  it("puts each province's officials in its shard and nowhere else", async () => {
    for (const [province, name] of PROVINCES.entries())
      for (let shard = 0; shard < N(); shard++) {
        const n = await countIn(
          shard,
          `SELECT count(*) AS n FROM officials WHERE unit LIKE ? || '/%'`,
          name,
        )
        expect(n).toBe(shard === shardOf(province) ? 5 : 0)
      }
  })

  it('refuses a route to a shard that is not bound, and one that would move officials', async () => {
    const missing = await call('/api/admin/shards/routes', {
      method: 'PUT',
      headers: admin({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({ prefix: '新省', shard: N() }),
    })
    expect(missing.status).toBe(422)
    expect((await json<{ error: { code: string } }>(missing)).error.code).toBe('no_such_shard')
    if (N() === 1) return
    const moving = await call('/api/admin/shards/routes', {
      method: 'PUT',
      headers: admin({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({ prefix: `${PROVINCES[1]}/东区`, shard: 2 }),
    })
    expect(moving.status).toBe(409)
    expect((await json<{ error: { code: string } }>(moving)).error.code).toBe('unit_on_other_shard')
    // A unit with no officials yet may go anywhere: adding a shard for new units moves nothing.
    const fresh = await call('/api/admin/shards/routes', {
      method: 'PUT',
      headers: admin({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({ prefix: `${PROVINCES[1]}/新区`, shard: 3 }),
    })
    expect(fresh.status).toBe(200)
  })

  it('an import reaching two shards is refused whole (four shards), or written (one)', async () => {
    const response = await importRoster(
      `external_id,name,unit\nX-1,甲,${PROVINCES[0]}/西区\nX-2,乙,${PROVINCES[1]}/西区\n`,
    )
    if (N() === 1) expect(response.status).toBe(200)
    else {
      expect(response.status).toBe(422)
      expect((await json<{ error: { code: string } }>(response)).error.code).toBe(
        'roster_spans_shards',
      )
      expect(
        await rowsIn(shardOf(0), `SELECT id FROM officials WHERE external_id = 'X-1'`),
      ).toEqual([])
    }
  })

  it('links reach every shard; each acknowledgement lands in its shard, counted there', async () => {
    const { links } = await createLinks({ officials: 'all', unit: PROVINCES[2] })
    expect(links).toHaveLength(5)
    const mine = links.filter((l) => l.externalId.startsWith('S2-')).slice(0, 3)
    for (const link of mine) {
      const [, i] = link.externalId.split('-')
      expect((await acknowledge(pathOf(link.url), `官员2${i}`)).status).toBe(303)
    }
    const shard = shardOf(2)
    const stored = await rowsIn<{ external_id: string }>(
      shard,
      `SELECT external_id FROM acknowledgements WHERE unit LIKE ? || '/%'`,
      PROVINCES[2],
    )
    expect(stored.map((r) => r.external_id).sort()).toEqual(mine.map((l) => l.externalId).sort())
    for (let other = 0; other < N(); other++)
      if (other !== shard)
        expect(
          await rowsIn(
            other,
            `SELECT seq FROM acknowledgements WHERE unit LIKE ? || '/%'`,
            PROVINCES[2],
          ),
        ).toEqual([])
    const status = await json<{
      totals: { roster: number; acknowledged: number }
      units: { unit: string; roster: number; acknowledged: number }[]
    }>(await call(`/api/admin/status/${NOTICE}/2`, { headers: admin() }))
    expect(status.units.find((u) => u.unit === PROVINCES[2])).toMatchObject({
      roster: 5,
      acknowledged: 3,
    })
    expect(status.totals.acknowledged).toBe(3)
    expect(status.totals.roster).toBe(PROVINCES.length * 5 + (N() === 1 ? 2 : 0))
    // The outstanding list merges the shards in unit order.
    const outstanding = await json<{ officials: { unit: string; externalId: string }[] }>(
      await call(`/api/admin/outstanding/${NOTICE}/2?limit=1000`, { headers: admin() }),
    )
    const units = outstanding.officials.map((o) => o.unit)
    expect(units).toEqual([...units].sort())
    expect(outstanding.officials).toHaveLength(status.totals.roster - 3)
  })
})

describe(`logs and checkpoints with ${N()} shard(s)`, () => {
  beforeAll(async () => {
    // Every shard gets records of its own: acknowledge two officials of each province.
    for (const [province, name] of PROVINCES.entries()) {
      const { links } = await createLinks({ officials: 'all', unit: name })
      for (const link of links.filter((l) => /^S\d-(0|1)$/.test(l.externalId))) {
        const response = await acknowledge(
          pathOf(link.url),
          `官员${province}${link.externalId.slice(-1)}`,
        )
        expect([200, 303]).toContain(response.status)
      }
    }
  })

  it('each shard keeps its own log and checkpoints; a global checkpoint signs their heads', async () => {
    for (let shard = 0; shard < N(); shard++) {
      const run = await json<{ ok: boolean; newCheckpoint: { treeSize: number } | null }>(
        await call(`/api/admin/verify?shard=${shard}`, { method: 'POST', headers: admin() }),
      )
      expect(run.ok).toBe(true)
      const n = await countIn(shard, 'SELECT count(*) AS n FROM acknowledgements')
      expect(run.newCheckpoint?.treeSize).toBe(n)
    }
    const global = await call('/api/admin/checkpoints/global', { method: 'POST', headers: admin() })
    if (N() === 1) {
      expect(global.status).toBe(409)
      return
    }
    expect(global.status).toBe(200)
    const { created } = await json<{
      created: { number: number; heads: { shard: number; treeSize: number }[] }
    }>(global)
    expect(created.heads.map((h) => h.shard)).toEqual([0, 1, 2, 3])
    for (const head of created.heads) {
      const n = await countIn(head.shard, 'SELECT count(*) AS n FROM acknowledgements')
      expect(head.treeSize).toBe(n)
    }
    // Nothing moved: nothing new to sign.
    const again = await json<{ created: unknown }>(
      await call('/api/admin/checkpoints/global', { method: 'POST', headers: admin() }),
    )
    expect(again.created).toBeNull()
    for (let shard = 0; shard < N(); shard++) {
      const audit = await json<{ ok: boolean; complete: boolean }>(
        await call(`/api/admin/verify?shard=${shard}&limit=1000`, { headers: admin() }),
      )
      expect(audit).toMatchObject({ ok: true, complete: true })
    }
  })

  it('an edit in one shard is found by reading that shard (and DB) alone', async () => {
    const victim = N() - 1
    await binding(victim)
      .prepare(`UPDATE acknowledgements SET typed_name = '别人' WHERE seq = 1`)
      .run()
    const touched = new Set<string>()
    const name = (i: number) => (i === 0 ? 'DB' : `DB_SHARD_${i}`)
    const shardDb = database(watched(binding(victim), name(victim), touched))
    const control = victim === 0 ? shardDb : database(watched(env.DB, 'DB', touched))
    const secrets = await ackSecrets(env)
    const report = await auditLog(shardDb, secrets.receipt, secrets.linkKey, {
      now: new Date(),
      limit: 1000,
      global: N() > 1 ? { control, shard: victim } : undefined,
    })
    expect(report.ok).toBe(false)
    expect(report.problems.map((p) => p.seq)).toContain(1)
    expect([...touched].sort()).toEqual([...new Set(['DB', name(victim)])].sort())
    // The other shards still audit clean.
    for (let shard = 0; shard < victim; shard++) {
      const audit = await json<{ ok: boolean }>(
        await call(`/api/admin/verify?shard=${shard}&limit=1000`, { headers: admin() }),
      )
      expect(audit.ok).toBe(true)
    }
  })

  it.runIf(N() > 1)(
    "a shard's newest checkpoint deleted is found from the global checkpoint, reading that shard alone",
    async () => {
      const victim = 1
      await binding(victim)
        .prepare(
          'DELETE FROM ack_checkpoints WHERE tree_size = (SELECT max(tree_size) FROM ack_checkpoints)',
        )
        .run()
      const touched = new Set<string>()
      const secrets = await ackSecrets(env)
      const found = await checkGlobalForShard(
        database(watched(env.DB, 'DB', touched)),
        database(watched(binding(victim), 'DB_SHARD_1', touched)),
        victim,
        secrets.receipt,
        { after: 0, limit: 100, previous: null },
      )
      expect(found.problems.map((p) => p.kind)).toContain('checkpoint_missing')
      expect([...touched].sort()).toEqual(['DB', 'DB_SHARD_1'])
      // Shard 2's checkpoints are all there: the same check finds nothing.
      const clean = await checkGlobalForShard(
        database(env.DB),
        database(binding(2)),
        2,
        secrets.receipt,
        { after: 0, limit: 100, previous: null },
      )
      expect(clean.problems).toEqual([])
    },
  )
})
