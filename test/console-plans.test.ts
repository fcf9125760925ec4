/**
 * Every query behind the console's pages runs on an index: EXPLAIN QUERY PLAN of each, against
 * the real schema, may search a table but never scan one whole (json_each, a parameter, is fine).
 */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { database } from '../src/db/client'
import {
  officialRecordsStatement,
  outstandingPageStatement,
  recordsPageStatement,
  recordsPerDayStatement,
  unitCountsStatement,
} from '../src/db/acknowledgements'
import { linkBatchesStatement } from '../src/db/links'
import {
  activeInUnitStatement,
  activeOfficialsPage,
  officialByExternalIdStatement,
  officialsByNameStatement,
  officialsByUnitStatement,
} from '../src/db/officials'
import { sql } from 'drizzle-orm'
import { officials } from '../src/db/schema'
import { rosterImportStatements } from '../src/db/officials'

const db = database(env.DB)
const unit = '广东省/广州市'
const range = { noticeId: 'wechat-red-lines', from: 2, to: 2 }

const queries: [string, { toSQL(): { sql: string; params: unknown[] } }, string][] = [
  ['status: counts per unit', unitCountsStatement(db, { ...range, unit }), 'officials_active_unit'],
  [
    'status: counts, whole roster',
    unitCountsStatement(db, { ...range, unit: null }),
    'officials_active_unit',
  ],
  [
    'outstanding page',
    outstandingPageStatement(db, { ...range, unit, limit: 100 }),
    'officials_active_unit',
  ],
  [
    'outstanding page after a cursor',
    outstandingPageStatement(db, { ...range, unit, after: { unit, id: 5 }, limit: 100 }),
    'officials_active_unit',
  ],
  ['links for everyone', activeOfficialsPage(db, { unit, limit: 100 }), 'officials_active_unit'],
  [
    'officials by unit',
    officialsByUnitStatement(db, { active: true, unit, limit: 51 }),
    'officials_active_unit',
  ],
  [
    'officials by unit after a cursor',
    officialsByUnitStatement(db, { active: false, unit: null, after: { unit, id: 9 }, limit: 51 }),
    'officials_active_unit',
  ],
  [
    'official by external id',
    officialByExternalIdStatement(db, { externalId: 'GD-0001', active: true, unit, limit: 1 }),
    'officials_external_id',
  ],
  [
    'officials by name prefix',
    officialsByNameStatement(db, { prefix: '王', active: true, unit, limit: 51 }),
    'officials_name',
  ],
  [
    'officials by name after a cursor',
    officialsByNameStatement(db, {
      prefix: '王',
      active: true,
      unit: null,
      after: { name: '王芳', id: 3 },
      limit: 51,
    }),
    'officials_name',
  ],
  ['roster dry run, full mode', activeInUnitStatement(db, unit), 'officials_active_unit'],
  [
    'roster dry run, listed ids',
    db
      .select()
      .from(officials)
      .where(sql`${officials.externalId} IN (SELECT value FROM json_each(${'["a"]'}))`),
    'officials_external_id',
  ],
  [
    'records of a version',
    recordsPageStatement(db, {
      noticeId: 'wechat-red-lines',
      version: 2,
      unit,
      afterSeq: 0,
      limit: 100,
    }),
    'acknowledgements_version',
  ],
  [
    'records per day',
    recordsPerDayStatement(db, { ...range, unit, offsetMinutes: 480 }),
    'acknowledgements_version',
  ],
  [
    "an official's records",
    officialRecordsStatement(db, 1, 50),
    'acknowledgements_official_version',
  ],
  [
    'link batches of a version',
    linkBatchesStatement(db, 'wechat-red-lines', 2),
    'link_batches_version',
  ],
]

async function plan(query: { sql: string; params: unknown[] }) {
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
    .bind(...query.params)
    .all<{ detail: string }>()
  return results.map((r) => r.detail)
}

describe('query plans', () => {
  it.each(queries)('%s runs on an index', async (_, query, index) => {
    const steps = await plan(query.toSQL())
    const scans = steps.filter(
      (d) => /^SCAN (?!json_each)/.test(d) && !/USING (COVERING )?INDEX|PRIMARY KEY/.test(d),
    )
    expect(scans, steps.join('\n')).toEqual([])
    expect(
      steps.some((d) => /^SEARCH/.test(d)),
      steps.join('\n'),
    ).toBe(true)
    expect(steps.join('\n')).toContain(index)
  })
})

describe('a roster import', () => {
  type Planned = { toSQL(): { sql: string; params: unknown[] } }
  /** A one-row merge import's statements, with the counting classes given. */
  const mergeImport = (classes: string) =>
    rosterImportStatements(db, {
      importId: 'x',
      now: '2026-01-01T00:00:00.000Z',
      mode: 'merge',
      scope: null,
      bodySha256: 'x',
      rows: [{ externalId: 'a', name: 'b', unit: 'c' }],
      classes,
    }) as unknown as Planned[]

  it('drives every count from the chunk of rows, looking each official up by external id', async () => {
    const steps = await plan(mergeImport('[]')[1]!.toSQL())
    expect(steps.join('\n')).not.toMatch(/officials_active_unit/)
    expect(steps.filter((d) => /officials_external_id/.test(d))).toHaveLength(3)
  })
  it('keeps every statement of a merge import to the listed officials, never the whole roster', async () => {
    const statements = mergeImport('[["wechat-red-lines",1,2]]')
    expect(statements.length).toBeGreaterThan(4)
    for (const statement of statements) {
      const steps = await plan(statement.toSQL())
      const text = steps.join('\n')
      // The live counters' statements once walked every active official through (active, unit).
      expect(text, text).not.toMatch(/officials_active_unit/)
      expect(
        steps.filter((d) => /^SCAN (o|officials)\b/.test(d)),
        text,
      ).toEqual([])
    }
  })
})
