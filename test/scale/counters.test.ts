/**
 * The live counters against a full recount, after a random mix of roster imports (merge and
 * full), deactivations, moves between units, reactivations and acknowledgements of material and
 * editorial versions. Runs with one shard and with four (each province routed to its own shard).
 */
import { env } from 'cloudflare:test'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { recordAcknowledgement } from '../../src/acknowledgements/record'
import { importRoster } from '../../src/acknowledgements/roster'
import { ackSecrets, type AckSecrets } from '../../src/acknowledgements/secrets'
import { setShardRoute, shardForUnit, loadRouting } from '../../src/acknowledgements/sharding'
import { versionStatus } from '../../src/acknowledgements/status'
import { countingRange } from '../../src/acknowledgements/policy'
import { findNotice } from '../../src/content/catalog'
import type { CompiledNotice, CompiledVersion, RuleChange } from '../../src/content/types'
import { findOfficialByExternalId } from '../../src/db/officials'
import { AppError } from '../../src/errors'
import { N, recount, shards } from './helpers'

const published = findNotice('wechat-red-lines')!

/**
 * The published versions 1 and 2 under another id, then 3 (editorial after 2) and 4 (material):
 * versions 2 and 3 share counters, 1 and 4 each have their own.
 */
function testNotice(id: string): CompiledNotice {
  const versions = published.versions.map((v) => ({
    ...v,
    notice: id,
    sha256: `${id}-v${v.version}`,
  }))
  const v2 = versions[1]!
  const next = (version: number, change: RuleChange): CompiledVersion => ({
    ...v2,
    version,
    effectiveFrom: '2020-01-01',
    sha256: `${id}-v${version}`,
    changes: Object.fromEntries(
      Object.keys(v2.changes).map((rule) => [rule, rule === 'rumours' ? change : 'unchanged']),
    ),
    languages: {
      zh: { ...v2.languages.zh, textSha256: `${id}-v${version}-zh` },
      en: { ...v2.languages.en, textSha256: `${id}-v${version}-en` },
    },
  })
  return {
    id,
    versions: [...versions, next(3, 'editorial'), next(4, 'material')],
    checks: published.checks,
  }
}

const notice = testNotice('counted-test')
const lookup = (id: string) => {
  if (id !== notice.id) throw new AppError(404, 'notice_not_found', id)
  return notice
}
const PROVINCES = ['计甲省', '计乙省', '计丙省', '计丁省']
const CITIES = ['一市', '二市']
const now = new Date()

let secrets: AckSecrets
beforeAll(async () => {
  secrets = await ackSecrets(env)
  if (N() > 1)
    for (const [i, prefix] of PROVINCES.entries())
      await setShardRoute(shards(), { prefix, shard: i % N(), now })
})

it('the counting classes: 2 and 3 share one, 1 and 4 have their own', () => {
  expect([1, 2, 3, 4].map((v) => countingRange(notice, v))).toEqual([
    { from: 1, to: 1 },
    { from: 2, to: 3 },
    { from: 2, to: 3 },
    { from: 4, to: 4 },
  ])
})

// Officials are numbered within a run; each run has its own external ids and its own city
// names, so runs do not see each other.
type Command =
  | { kind: 'merge'; province: number; officials: { n: number; city: number }[] }
  | { kind: 'full'; province: number; keep: number[]; city: number }
  | { kind: 'ack'; n: number; version: number }

const OFFICIALS = 12
const commands = fc.array(
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('merge' as const),
        province: fc.nat(PROVINCES.length - 1),
        officials: fc.uniqueArray(
          fc.record({ n: fc.nat(OFFICIALS - 1), city: fc.nat(CITIES.length - 1) }),
          { minLength: 1, maxLength: 6, selector: (o) => o.n },
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('full' as const),
        province: fc.nat(PROVINCES.length - 1),
        keep: fc.uniqueArray(fc.nat(OFFICIALS - 1), { minLength: 1, maxLength: 4 }),
        city: fc.nat(CITIES.length - 1),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('ack' as const),
        n: fc.nat(OFFICIALS - 1),
        version: fc.integer({ min: 1, max: 4 }),
      }),
    },
  ),
  { minLength: 4, maxLength: 14 },
)

let run = 0

describe(`counters with ${N()} shard(s)`, () => {
  it('equal a full recount after any mix of imports, deactivations, moves and acknowledgements', async () => {
    await fc.assert(
      fc.asyncProperty(commands, async (steps) => {
        run++
        const tag = `r${run}`
        // An official stays in one province for a run (a province is a shard with four), so a
        // move is between cities of it, or a deactivation and a return.
        const homeOf = new Map<number, number>()
        const ext = (n: number) => `${tag}-${n}`
        const runIn = (province: number) => `${PROVINCES[province]}/${tag}`
        const unitOf = (province: number, city: number) => `${runIn(province)}/${CITIES[city]}`
        for (const step of steps) {
          if (step.kind === 'merge' || step.kind === 'full') {
            const listed =
              step.kind === 'merge'
                ? step.officials
                : step.keep.map((n) => ({ n, city: step.city }))
            const rows = listed.filter(
              ({ n }) => (homeOf.get(n) ?? step.province) === step.province,
            )
            if (rows.length === 0) continue
            for (const { n } of rows) homeOf.set(n, step.province)
            const body = `external_id,name,unit\n${rows
              .map(({ n, city }) => `${ext(n)},官员${n},${unitOf(step.province, city)}`)
              .join('\n')}\n`
            await importRoster(shards(), {
              body,
              format: 'csv',
              mode: step.kind,
              // A full import deactivates the officials of the run's province it does not list.
              unit: step.kind === 'full' ? runIn(step.province) : null,
              now,
              notices: [notice],
            })
          } else {
            const province = homeOf.get(step.n)
            if (province === undefined) continue
            const routing = await loadRouting(shards())
            const shard = shards().shard(shardForUnit(routing, PROVINCES[province]!))
            const official = await findOfficialByExternalId(shard.db, ext(step.n))
            if (!official?.active) continue
            await recordAcknowledgement(shard.db, secrets.receipt, {
              official,
              version: notice.versions[step.version - 1]!,
              notice,
              lang: 'zh',
              statement: 'agree',
              typedName: official.name,
              requestId: crypto.randomUUID(),
              userAgent: 'counters-test',
              ipHash: null,
              now,
            })
          }
        }
        for (const version of [1, 2, 3, 4]) {
          const { from, to } = countingRange(notice, version)
          const expected = await recount({ noticeId: notice.id, from, to })
          const status = await versionStatus(shards(), { notice: notice.id, version, now }, lookup)
          // Every unit with active officials: the leaves the recount sees, with the same counts.
          const leaves = new Map(
            status.units
              .filter((u) => expected.has(u.unit))
              .map((u) => [u.unit, { roster: u.roster, acknowledged: u.acknowledged }]),
          )
          expect(leaves).toEqual(expected)
          const total = [...expected.values()].reduce(
            (t, e) => ({
              roster: t.roster + e.roster,
              acknowledged: t.acknowledged + e.acknowledged,
            }),
            { roster: 0, acknowledged: 0 },
          )
          expect({
            roster: status.totals.roster,
            acknowledged: status.totals.acknowledged,
          }).toEqual(total)
          // Nested totals are the sums of the units below them.
          for (const province of PROVINCES) {
            const node = status.units.find((u) => u.unit === province)
            const below = [...expected.entries()].filter(([unit]) =>
              unit.startsWith(`${province}/`),
            )
            const sum = below.reduce((n, [, e]) => n + e.roster, 0)
            expect(node?.roster ?? 0).toBe(sum)
          }
        }
      }),
      { numRuns: 12 },
    )
  }, 240_000)
})
