/** The database functions against real D1 (the real migrations), without going through routes. */
import { env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { allClasses } from '../src/acknowledgements/counters'
import { recordAcknowledgement } from '../src/acknowledgements/record'
import { importRoster } from '../src/acknowledgements/roster'
import { receiptKeys } from '../src/acknowledgements/secrets'
import { versionStatus } from '../src/acknowledgements/status'
import { findNotice } from '../src/content/catalog'
import { database } from '../src/db/client'
import {
  acknowledgementStatement,
  insertAcknowledgementStatement,
  latestAcknowledgementStatement,
  outstandingPageStatement,
  recordsOutsideLogStatement,
  recordsPageStatement,
  unitCountsStatement,
  verificationPageStatement,
} from '../src/db/acknowledgements'
import {
  activeOfficialsPage,
  findOfficialByExternalId,
  rosterImportStatements,
  type Official,
} from '../src/db/officials'
import { rows } from './ack-helpers'

const db = database(env.DB)
const notice = findNotice('wechat-red-lines')!
const [v1, v2] = notice.versions as [(typeof notice.versions)[0], (typeof notice.versions)[0]]
const now = new Date('2026-05-01T08:00:00.000Z')

const roster = `external_id,name,unit
G001,张三,广东省/广州市/公安局
G002,李四,广东省/广州市/公安局
G003,王五,广东省/广州市
G004,赵六,广东省/深圳市
G005,钱七,广东省/广州市-南沙
H001,孙八,湖南省/长沙市
`

async function official(externalId: string): Promise<Official> {
  return (await findOfficialByExternalId(db, externalId))!
}

async function acknowledge(externalId: string, version = v2, typedName?: string) {
  const o = await official(externalId)
  return recordAcknowledgement(db, await receiptKeys(env.RECEIPT_PRIVATE_KEY), {
    official: o,
    version,
    lang: 'zh',
    statement: 'statement',
    typedName: typedName ?? o.name,
    requestId: `req-${externalId}`,
    userAgent: 'vitest',
    ipHash: null,
    now,
  })
}

beforeAll(async () => {
  await importRoster(db, { body: roster, format: 'csv', mode: 'merge', unit: null, now })
})

describe('roster import', () => {
  it('counts what changed and deactivates, never deletes, in a full import of one unit', async () => {
    const summary = await importRoster(db, {
      body: 'external_id,name,unit\nG001,张三,广东省/广州市/公安局\nG002,李四（改）,广东省/广州市/公安局\nG009,新人,广东省/广州市\n',
      format: 'csv',
      mode: 'full',
      unit: '广东省/广州市',
      now,
    })
    expect(summary).toMatchObject({
      rows: 3,
      created: 1,
      updated: 1,
      unchanged: 1,
      reactivated: 0,
      // G003 left 广州市; 广州市-南沙 is a sibling, not inside the scope, and stays.
      deactivated: 1,
    })
    const all = await rows<{ external_id: string; active: number; name: string }>(
      'SELECT external_id, active, name FROM officials ORDER BY external_id',
    )
    expect(all.map((r) => `${r.external_id}:${r.active}`)).toEqual([
      'G001:1',
      'G002:1',
      'G003:0',
      'G004:1',
      'G005:1',
      'G009:1',
      'H001:1',
    ])
    const [stored] = await rows(
      'SELECT mode, scope, rows, deactivated FROM roster_imports WHERE id = ?',
      summary.importId,
    )
    expect(stored).toEqual({ mode: 'full', scope: '广东省/广州市', rows: 3, deactivated: 1 })

    // Back as it was, G003 reactivated, G009 deactivated: history kept in place.
    const back = await importRoster(db, {
      body: roster.split('\n').slice(0, 4).join('\n'),
      format: 'csv',
      mode: 'full',
      unit: '广东省/广州市',
      now,
    })
    expect(back).toMatchObject({ reactivated: 1, updated: 1, deactivated: 1 })
  })

  it('writes a roster of 1,200 rows in chunks, each statement under 100 bound parameters', async () => {
    const body = [
      'external_id,name,unit',
      ...Array.from({ length: 1200 }, (_, i) => `B${i},名${i},批量/组${i % 7}`),
    ].join('\n')
    const statements = rosterImportStatements(db, {
      importId: 'probe',
      now: now.toISOString(),
      mode: 'full',
      scope: '批量',
      bodySha256: 'x',
      rows: Array.from({ length: 1200 }, (_, i) => ({
        externalId: `B${i}`,
        name: 'n',
        unit: '批量',
      })),
      classes: allClasses(),
    })
    // The record; per chunk of 500 a count, the counters' two moves and the upsert; the
    // deactivation's two counter moves, itself and its count; the read.
    expect(statements).toHaveLength(1 + 3 * 4 + 4 + 1)
    for (const statement of statements as unknown as { toSQL(): { params: unknown[] } }[])
      expect(statement.toSQL().params.length).toBeLessThan(100)

    const summary = await importRoster(db, { body, format: 'csv', mode: 'merge', unit: null, now })
    expect(summary.created).toBe(1200)
    const [count] = await rows<{ n: number }>(
      "SELECT count(*) AS n FROM officials WHERE unit LIKE '批量/%'",
    )
    expect(count!.n).toBe(1200)
    await importRoster(db, {
      body: 'external_id,name,unit\nB0,名0,批量/组0',
      format: 'csv',
      mode: 'full',
      unit: '批量',
      now,
    })
    const [active] = await rows<{ n: number }>(
      "SELECT count(*) AS n FROM officials WHERE unit LIKE '批量/%' AND active = 1",
    )
    expect(active!.n).toBe(1)
  })

  it('a D1 failure on the last statement of an import leaves no official of it behind', async () => {
    const inactive = async () =>
      (await rows<{ n: number }>('SELECT count(*) AS n FROM officials WHERE active = 0'))[0]!.n
    const before = await inactive()
    await env.DB.exec(
      "CREATE TRIGGER fail_import AFTER INSERT ON roster_imports BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    )
    try {
      await expect(
        importRoster(db, {
          body: 'external_id,name,unit\nF001,甲,失败省\nG001,张三（改）,广东省/广州市/公安局\n',
          format: 'csv',
          mode: 'full',
          unit: null,
          now,
        }),
      ).rejects.toMatchObject({ status: 503, code: 'storage_unavailable' })
    } finally {
      await env.DB.exec('DROP TRIGGER fail_import')
    }
    expect(await rows("SELECT 1 FROM officials WHERE external_id = 'F001'")).toEqual([])
    expect(await rows("SELECT name FROM officials WHERE external_id = 'G001'")).toEqual([
      { name: '张三' },
    ])
    // The full import would have deactivated everyone it did not list: it did not.
    expect(await inactive()).toBe(before)
  })

  it('eight simultaneous full imports of one new unit report, between them, what was written', async () => {
    const body = [
      'external_id,name,unit',
      ...Array.from({ length: 200 }, (_, i) => `C${i},并发${i},批量/并发`),
    ].join('\n')
    const summaries = await Promise.all(
      Array.from({ length: 8 }, () =>
        importRoster(db, { body, format: 'csv', mode: 'full', unit: '批量/并发', now }),
      ),
    )
    const total = (key: 'created' | 'unchanged' | 'updated' | 'reactivated' | 'deactivated') =>
      summaries.reduce((n, s) => n + s[key], 0)
    // One import created the 200 officials; the seven others found them there.
    expect(summaries.map((s) => s.created).sort((a, b) => b - a)).toEqual([
      200, 0, 0, 0, 0, 0, 0, 0,
    ])
    expect(total('unchanged')).toBe(200 * 7)
    expect(total('updated') + total('reactivated') + total('deactivated')).toBe(0)
    // And what each one reports is what its own record in roster_imports says.
    for (const summary of summaries) {
      const [stored] = await rows(
        'SELECT rows, created, updated, reactivated, deactivated FROM roster_imports WHERE id = ?',
        summary.importId,
      )
      expect(stored).toEqual({
        rows: 200,
        created: summary.created,
        updated: summary.updated,
        reactivated: summary.reactivated,
        deactivated: summary.deactivated,
      })
    }
  }, 20_000)

  it('pages active officials by (unit, id) across a page boundary', async () => {
    const first = await activeOfficialsPage(db, { unit: '广东省', limit: 3 })
    const rest = await activeOfficialsPage(db, { unit: '广东省', after: first.at(-1)!, limit: 10 })
    expect([...first, ...rest].map((o) => o.externalId)).toEqual([
      // Binary order: '-' sorts before '/', so a sibling comes before the children.
      'G003',
      'G005',
      'G001',
      'G002',
      'G004',
    ])
  })
})

describe('the write path', () => {
  it('records once per (official, notice, version) and returns the stored record after that', async () => {
    const first = await acknowledge('G001')
    expect(first.created).toBe(true)
    const again = await acknowledge('G001', v2, '张 三')
    expect(again.created).toBe(false)
    expect(again.record).toEqual(first.record)
    expect(first.record.seq).toBe(1)
    const [count] = await rows<{ n: number }>('SELECT count(*) AS n FROM acknowledgements')
    expect(count!.n).toBe(1)
  })

  it('keeps seq gapless when a duplicate is refused (ON CONFLICT alone would burn a number)', async () => {
    await acknowledge('G002')
    await acknowledge('G002')
    await acknowledge('G002')
    const second = await acknowledge('G004')
    const seqs = await rows<{ seq: number }>('SELECT seq FROM acknowledgements ORDER BY seq')
    expect(seqs.map((r) => r.seq)).toEqual([1, 2, 3])
    expect(second.record.seq).toBe(3)
    const [issued] = await rows<{ seq: number }>(
      "SELECT seq FROM sqlite_sequence WHERE name = 'acknowledgements'",
    )
    expect(issued!.seq).toBe(3)
  })

  it('inserts nothing when the version is registered under another hash', async () => {
    const o = await official('G003')
    const statement = insertAcknowledgementStatement(db, {
      receiptId: 'r-x',
      officialId: o.id,
      externalId: o.externalId,
      officialName: o.name,
      unit: o.unit,
      typedName: o.name,
      noticeId: v2.notice,
      version: 2,
      versionSha256: 'not-the-published-hash',
      lang: 'zh',
      textSha256: v2.languages.zh.textSha256,
      statement: 's',
      acknowledgedAt: now.toISOString(),
      requestId: 'r',
      userAgent: 'u',
      ipHash: null,
      keyId: 'k',
      recordHash: 'h',
      signature: 's',
      receiptType: 'redlines.acknowledgement/2',
      logAfter: 0,
      logCheckpointSize: null,
      logCheckpointHash: null,
    })
    const [, read] = await db.batch([statement, acknowledgementStatement(db, o.id, v2.notice, 2)])
    expect(read).toEqual([])
  })

  it('a D1 failure inside the batch answers 503 and leaves neither a record nor a used seq', async () => {
    await env.DB.exec(
      "CREATE TRIGGER fail_ack AFTER INSERT ON acknowledgements BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    )
    try {
      await expect(acknowledge('G005')).rejects.toMatchObject({
        status: 503,
        code: 'storage_unavailable',
      })
    } finally {
      await env.DB.exec('DROP TRIGGER fail_ack')
    }
    expect(await rows("SELECT seq FROM acknowledgements WHERE external_id = 'G005'")).toEqual([])
    const later = await acknowledge('G005')
    expect(later.record.seq).toBe(4)
  })
})

describe('status counts', () => {
  it('counts per unit, nested, with only active officials, and acks in the counted range', async () => {
    // G001, G002, G004, G005 acknowledged v2; H001 acknowledged v1 only.
    await acknowledge('H001', v1)
    const groups = await unitCountsStatement(db, { noticeId: notice.id, from: 2, to: 2 })
    const byUnit = Object.fromEntries(
      groups
        .filter((g) => !g.unit.startsWith('批量'))
        .map((g) => [g.unit, [g.roster, g.acknowledged]]),
    )
    expect(byUnit).toEqual({
      '广东省/广州市/公安局': [2, 2],
      '广东省/广州市': [1, 0],
      '广东省/广州市-南沙': [1, 1],
      '广东省/深圳市': [1, 1],
      '湖南省/长沙市': [1, 0],
    })
    // Had version 2 been editorial, H001's acknowledgement of version 1 would count for it.
    const editorial = await unitCountsStatement(db, {
      noticeId: notice.id,
      from: 1,
      to: 2,
      unit: '湖南省',
    })
    expect(editorial).toEqual([{ unit: '湖南省/长沙市', roster: 1, acknowledged: 1 }])
  })

  it('rolls units up and counts overdue against the due date', async () => {
    const status = await versionStatus(db, {
      notice: notice.id,
      version: 2,
      unit: '广东省',
      due: '2026-04-30',
      now,
    })
    expect(status.counts).toEqual({ from: 2, to: 2 })
    expect(status.totals).toMatchObject({ roster: 5, acknowledged: 4, outstanding: 1, overdue: 1 })
    expect(
      status.units.map((u) => [
        u.unit,
        u.depth,
        u.roster,
        u.acknowledged,
        u.outstanding,
        u.overdue,
      ]),
    ).toEqual([
      ['广东省', 1, 5, 4, 1, 1],
      ['广东省/广州市', 2, 3, 2, 1, 1],
      ['广东省/广州市-南沙', 2, 1, 1, 0, 0],
      ['广东省/广州市/公安局', 3, 2, 2, 0, 0],
      ['广东省/深圳市', 2, 1, 1, 0, 0],
    ])
    const notDue = await versionStatus(db, {
      notice: notice.id,
      version: 2,
      unit: '广东省',
      due: '2026-05-01',
      now,
    })
    expect(notDue.totals.overdue).toBe(0)
  })

  it('lists the outstanding officials, and records in log order', async () => {
    const list = await outstandingPageStatement(db, {
      noticeId: notice.id,
      from: 2,
      to: 2,
      unit: '广东省',
      limit: 10,
    })
    expect(list.map((o) => o.externalId)).toEqual(['G003'])
    const log = await recordsPageStatement(db, {
      noticeId: notice.id,
      version: 2,
      afterSeq: 1,
      limit: 10,
    })
    expect(log.map((r) => [r.seq, r.externalId])).toEqual([
      [2, 'G002'],
      [3, 'G004'],
      [4, 'G005'],
    ])
  })
})

/** The statements the hot paths run, as the drizzle builders produce them. */
const HOT: [string, () => { sql: string; params: unknown[] }, RegExp[]][] = [
  [
    'find the record of a link (every page view and submission)',
    () => acknowledgementStatement(db, 1, notice.id, 2).toSQL(),
    [
      /SEARCH acknowledgements USING INDEX acknowledgements_official_version \(official_id=\? AND notice_id=\? AND version=\?\)/,
    ],
  ],
  [
    'the newest record that counts for a link (every page view and submission)',
    () =>
      latestAcknowledgementStatement(db, {
        officialId: 1,
        noticeId: notice.id,
        from: 1,
        to: 2,
      }).toSQL(),
    [
      /SEARCH acknowledgements USING INDEX acknowledgements_official_version \(official_id=\? AND notice_id=\? AND version>\? AND version<\?\)/,
    ],
  ],
  [
    'insert guarded by the registered hash and NOT EXISTS',
    () =>
      insertAcknowledgementStatement(db, {
        ...Object.fromEntries(
          [
            'receiptId',
            'externalId',
            'officialName',
            'unit',
            'typedName',
            'versionSha256',
            'lang',
            'textSha256',
            'statement',
            'acknowledgedAt',
            'requestId',
            'userAgent',
            'keyId',
            'recordHash',
            'signature',
            'receiptType',
            'logCheckpointHash',
          ].map((k) => [k, 'x']),
        ),
        officialId: 1,
        noticeId: notice.id,
        version: 2,
        ipHash: null,
        logAfter: 0,
        logCheckpointSize: null,
      } as never).toSQL(),
    [
      /SEARCH notice_versions USING INDEX sqlite_autoindex_notice_versions_1 \(notice_id=\? AND version=\?\)/,
      /SEARCH acknowledgements USING COVERING INDEX acknowledgements_official_version \(official_id=\? AND notice_id=\? AND version=\?\)/,
    ],
  ],
  [
    'status: active roster by unit with an indexed existence check',
    () => unitCountsStatement(db, { noticeId: notice.id, from: 2, to: 2, unit: '广东省' }).toSQL(),
    [
      /SEARCH officials USING COVERING INDEX officials_active_unit \(active=\? AND unit>\? AND unit<\?\)/,
      /SEARCH a USING COVERING INDEX acknowledgements_official_version \(official_id=\? AND notice_id=\? AND version>\? AND version<\?\)/,
    ],
  ],
  [
    'outstanding page in a unit after a (unit, id) cursor',
    () =>
      outstandingPageStatement(db, {
        noticeId: notice.id,
        from: 2,
        to: 2,
        unit: '广东省',
        after: { unit: '广东省/广州市', id: 1 },
        limit: 100,
      }).toSQL(),
    [
      /SEARCH officials USING INDEX officials_active_unit \(active=\? AND unit>\? AND unit<\?\)/,
      /SEARCH a USING COVERING INDEX acknowledgements_official_version/,
    ],
  ],
  [
    'links page in a unit after a (unit, id) cursor',
    () =>
      activeOfficialsPage(db, {
        unit: '广东省',
        after: { unit: '广东省/广州市', id: 1 },
        limit: 1000,
      }).toSQL(),
    [/SEARCH officials USING INDEX officials_active_unit \(active=\? AND unit>\? AND unit<\?\)/],
  ],
  [
    'links page for the whole roster after a (unit, id) cursor',
    () => activeOfficialsPage(db, { after: { unit: '广东省/广州市', id: 1 }, limit: 1000 }).toSQL(),
    [/SEARCH officials USING INDEX officials_active_unit \(active=\? AND unit>\?\)/],
  ],
  [
    'outstanding page of the whole roster after a (unit, id) cursor',
    () =>
      outstandingPageStatement(db, {
        noticeId: notice.id,
        from: 2,
        to: 2,
        after: { unit: '广东省/广州市', id: 1 },
        limit: 100,
      }).toSQL(),
    [/SEARCH officials USING INDEX officials_active_unit \(active=\? AND unit>\?\)/],
  ],
  [
    'records of a version after a seq cursor',
    () =>
      recordsPageStatement(db, {
        noticeId: notice.id,
        version: 2,
        afterSeq: 10,
        limit: 100,
      }).toSQL(),
    [
      /SEARCH acknowledgements USING INDEX acknowledgements_version \(notice_id=\? AND version=\? AND rowid>\?\)/,
    ],
  ],
  [
    'the verification walk over the whole log, with the official each record points at',
    () => verificationPageStatement(db, { afterSeq: 10, limit: 500 }).toSQL(),
    [
      /SEARCH acknowledgements USING INTEGER PRIMARY KEY \(rowid>\?\)/,
      /SEARCH officials USING INTEGER PRIMARY KEY \(rowid=\?\)/,
    ],
  ],
  [
    'rows below the start of the log',
    () => recordsOutsideLogStatement(db, 1000).toSQL(),
    [/SEARCH acknowledgements USING INTEGER PRIMARY KEY \(rowid<\?\)/],
  ],
]

describe('query plans of the hot statements', () => {
  it.each(HOT.filter(([, , expected]) => expected.length))(
    '%s uses its index',
    async (_, statement, expected) => {
      const { sql, params } = statement()
      const plan = await rows<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, ...params)
      const details = plan.map((p) => p.detail).join('\n')
      // Past the first page the cursor, not the unit, is the lower bound: paging never rescans.
      if (/cursor/.test(_) && /unit/.test(_))
        expect(sql).not.toMatch(/"unit" >= \? AND "officials"\."unit" < \?/)
      for (const pattern of expected) expect(details).toMatch(pattern)
      expect(details).not.toMatch(/SCAN (officials|acknowledgements)\b/)
      expect(details).not.toMatch(/USE TEMP B-TREE/)
    },
  )
})
