/**
 * Tamper evidence: rows edited, deleted or inserted directly in D1 (as someone with database
 * access but without the Worker's secrets would) must show up in the admin verification.
 */
import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from 'cloudflare:test'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { leafHash } from '../src/acknowledgements/merkle'
import type { AuditReport } from '../src/acknowledgements/audit'
import type { CheckpointRun } from '../src/acknowledgements/checkpoints'
import { extendLog } from '../src/acknowledgements/checkpoints'
import { canonicalReceipt, receiptOf } from '../src/acknowledgements/receipt'
import { recordAcknowledgement } from '../src/acknowledgements/record'
import { ackSecrets, receiptKeys } from '../src/acknowledgements/secrets'
import type { Problem } from '../src/acknowledgements/verify'
import type { AcknowledgementRow } from '../src/db/acknowledgements'
import { database } from '../src/db/client'
import { findOfficialByExternalId } from '../src/db/officials'
import { findNotice } from '../src/content/catalog'
import worker from '../src/index'
import {
  acknowledge,
  admin,
  call,
  createLinks,
  importRoster,
  openForm,
  pathOf,
  post,
  rows,
} from './ack-helpers'

// Every tamper case audits the log several times over, a record per request included.
vi.setConfig({ testTimeout: 30_000 })

const db = database(env.DB)
let links: { externalId: string; name: string; path: string }[] = []

const exec = (sql: string) => env.DB.exec(sql.replace(/\s+/g, ' '))

/** The whole audit, chunk by chunk: the last chunk's report and every chunk's problems. */
async function audit(
  limit = 1000,
): Promise<AuditReport & { all: Problem[]; chunks: AuditReport[] }> {
  const chunks: AuditReport[] = []
  let cursor: string | null | undefined
  do {
    const query = `limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`
    const response = await call(`/api/admin/verify?${query}`, { headers: admin() })
    expect(response.status).toBe(200)
    const chunk = (await response.json()) as AuditReport
    chunks.push(chunk)
    cursor = chunk.next
    expect(chunks.length).toBeLessThan(100)
  } while (cursor)
  return { ...chunks.at(-1)!, all: chunks.flatMap((c) => c.problems), chunks }
}

async function checkpoint(limit?: number): Promise<CheckpointRun> {
  const response = await call(`/api/admin/verify${limit ? `?limit=${limit}` : ''}`, {
    method: 'POST',
    headers: admin(),
  })
  expect(response.status).toBe(200)
  return (await response.json()) as CheckpointRun
}

const label = (p: Problem) =>
  `${p.kind}${p.seq ? `@${p.seq}` : ''}${p.toSeq && p.toSeq !== p.seq ? `-${p.toSeq}` : ''}${p.treeSize ? `#${p.treeSize}` : ''}`
const kinds = (problems: Problem[]) => problems.map(label).sort()

async function ack(i: number) {
  const link = links[i]!
  expect((await acknowledge(link.path, link.name)).status).toBe(303)
}

async function storedRow(seq: number): Promise<AcknowledgementRow> {
  const [row] = await rows<Record<string, unknown>>(
    'SELECT * FROM acknowledgements WHERE seq = ?',
    seq,
  )
  const camel = Object.fromEntries(
    Object.entries(row!).map(([k, v]) => [
      k.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()),
      v,
    ]),
  )
  return camel as unknown as AcknowledgementRow
}

beforeAll(async () => {
  const roster = [
    'external_id,name,unit',
    ...Array.from(
      { length: 20 },
      (_, i) => `T${String(i).padStart(2, '0')},官员${i},测试省/测试市/局${i % 3}`,
    ),
  ]
  expect((await importRoster(roster.join('\n'))).status).toBe(200)
  const created = await createLinks({})
  links = created.links
    .map((l) => ({ externalId: l.externalId, name: l.name, path: pathOf(l.url) }))
    .sort((a, b) => a.externalId.localeCompare(b.externalId))
  for (let i = 0; i < 10; i++) await ack(i)
  // The state every test starts from: 10 records under one signed checkpoint.
  const run = await checkpoint()
  expect(run).toMatchObject({ ok: true, records: 10, added: 10, newCheckpoint: { treeSize: 10 } })
  await exec(`CREATE TABLE saved_acks AS SELECT * FROM acknowledgements`)
  await exec(`CREATE TABLE saved_checkpoints AS SELECT * FROM ack_checkpoints`)
})

afterEach(async () => {
  await exec(`DELETE FROM acknowledgements`)
  await exec(`INSERT INTO acknowledgements SELECT * FROM saved_acks`)
  await exec(`UPDATE sqlite_sequence SET seq = 10 WHERE name = 'acknowledgements'`)
  await exec(`DELETE FROM ack_checkpoints`)
  await exec(`INSERT INTO ack_checkpoints SELECT * FROM saved_checkpoints`)
})

describe('verification of an untouched log', () => {
  it('the audit is clean and matches the checkpoint; a second checkpoint of the same size is not signed', async () => {
    expect(await audit()).toMatchObject({
      ok: true,
      complete: true,
      records: 10,
      lastSeq: 10,
      problemCount: 0,
      uncheckpointed: 0,
      checkpoints: { stored: 1, matched: 1, latest: { treeSize: 10, format: 2, prevHash: null } },
    })
    expect(await checkpoint()).toMatchObject({
      ok: true,
      added: 0,
      records: 10,
      caughtUp: true,
      newCheckpoint: null,
    })
  })
})

const copyOfRow2 = (seq: string, receiptId: string, externalId: string, name: string) =>
  `INSERT INTO acknowledgements
     SELECT ${seq}, '${receiptId}', (SELECT id FROM officials WHERE external_id = '${externalId}'), '${externalId}', '${name}', unit, '${name}', notice_id, version, version_sha256, lang, text_sha256, statement, acknowledged_at, request_id, user_agent, ip_hash, key_id, record_hash, signature, receipt_type, log_after, log_checkpoint_size, log_checkpoint_hash
     FROM acknowledgements WHERE seq = 2`

/** Each: what is done to the database, then what the audit reports (in any order). */
const TAMPERING: [string, string[], string[]][] = [
  [
    'a field edited',
    [`UPDATE acknowledgements SET official_name = '别人' WHERE seq = 3`],
    ['altered@3', 'checkpoint_mismatch#10'],
  ],
  [
    'the statement edited',
    [
      `UPDATE acknowledgements SET statement = replace(statement, '承诺遵守', '知悉') WHERE seq = 7`,
    ],
    ['altered@7', 'checkpoint_mismatch#10'],
  ],
  [
    'the time moved',
    [`UPDATE acknowledgements SET acknowledged_at = '2020-01-01T00:00:00.000Z' WHERE seq = 1`],
    ['altered@1', 'checkpoint_mismatch#10'],
  ],
  ...(
    [
      ['external_id', `'T99'`],
      ['unit', `'别处'`],
      ['typed_name', `'别人'`],
      ['notice_id', `'other'`],
      ['version', '1'],
      ['version_sha256', `'${'a'.repeat(64)}'`],
      ['lang', `'en'`],
      ['text_sha256', `'${'b'.repeat(64)}'`],
      ['request_id', `'chosen'`],
      ['user_agent', `'another browser'`],
      ['ip_hash', `'another-address'`],
      ['key_id', `'another-key'`],
      ['receipt_id', `'another-receipt'`],
      ['record_hash', `'${'c'.repeat(64)}'`],
      ['receipt_type', `'redlines.acknowledgement/1'`],
      ['log_after', '0'],
      ['log_checkpoint_size', '10'],
    ] as const
  ).map(([column, value]): [string, string[], string[]] => [
    `the ${column} column edited`,
    [
      // The record must still name a registered version, or the foreign key refuses the edit.
      `INSERT OR IGNORE INTO notice_versions SELECT 'other', 2, sha256, effective_from, registered_at FROM notice_versions`,
      `INSERT OR IGNORE INTO notice_versions SELECT notice_id, 1, sha256, effective_from, registered_at FROM notice_versions WHERE notice_id = 'wechat-red-lines'`,
      `UPDATE acknowledgements SET ${column} = ${value} WHERE seq = 5`,
    ],
    [
      'altered@5',
      // The leaf is recomputed from the fields, so an edited stored hash leaves the tree as it was.
      ...(column === 'record_hash' ? [] : ['checkpoint_mismatch#10']),
      // The record now names another official than the one official_id points at.
      ...(column === 'external_id' ? ['misattributed@5'] : []),
    ],
  ]),
  [
    'the signature replaced with another record’s',
    [
      `UPDATE acknowledgements SET signature = (SELECT signature FROM acknowledgements WHERE seq = 6) WHERE seq = 5`,
    ],
    ['forged@5'],
  ],
  [
    'a row deleted from the middle',
    [`DELETE FROM acknowledgements WHERE seq = 5`],
    ['removed@5', 'removed#10'],
  ],
  [
    'the newest row deleted',
    [`DELETE FROM acknowledgements WHERE seq = 10`],
    ['removed@10', 'removed#10'],
  ],
  [
    'the newest rows deleted and sqlite_sequence rewound to hide it',
    [
      `DELETE FROM acknowledgements WHERE seq >= 9`,
      `UPDATE sqlite_sequence SET seq = 8 WHERE name = 'acknowledgements'`,
    ],
    ['removed#10'],
  ],
  [
    'a row inserted for another official, copying a genuine row',
    [copyOfRow2('NULL', 'forged-receipt', 'T12', '官员12')],
    ['altered@11'],
  ],
  [
    // official_id is the one column outside the signed receipt: status would count T12 as done.
    'a record moved to another official by editing official_id',
    [
      `UPDATE acknowledgements SET official_id = (SELECT id FROM officials WHERE external_id = 'T12') WHERE seq = 3`,
    ],
    ['misattributed@3'],
  ],
  [
    // The walk starts at seq 1, so a row below it was never read, yet status counts it.
    'a row inserted below seq 1, for an official who has not acknowledged',
    [copyOfRow2('0', 'hidden-receipt', 'T13', '官员13')],
    ['inserted'],
  ],
  [
    'a deleted row put back at the end (out of order)',
    [
      `CREATE TABLE moved AS SELECT * FROM acknowledgements WHERE seq = 4`,
      `DELETE FROM acknowledgements WHERE seq = 4`,
      `UPDATE moved SET seq = NULL`,
      `INSERT INTO acknowledgements SELECT * FROM moved`,
      `DROP TABLE moved`,
    ],
    ['removed@4', 'checkpoint_mismatch#10'],
  ],
  [
    // Each receipt says how far the log had reached when it was signed: 3 came after 2.
    'two rows swapped in order',
    [
      `UPDATE acknowledgements SET seq = 100 WHERE seq = 2`,
      `UPDATE acknowledgements SET seq = 2 WHERE seq = 3`,
      `UPDATE acknowledgements SET seq = 3 WHERE seq = 100`,
      `UPDATE sqlite_sequence SET seq = 10 WHERE name = 'acknowledgements'`,
    ],
    ['checkpoint_mismatch#10', 'reordered@2'],
  ],
  [
    'the checkpoint edited to fit an edited log',
    [
      `UPDATE acknowledgements SET official_name = '别人' WHERE seq = 3`,
      `UPDATE ack_checkpoints SET root_hash = '${'0'.repeat(64)}'`,
    ],
    ['altered@3', 'checkpoint_invalid#10', 'checkpoint_mismatch#10'],
  ],
  [
    'the checkpoint signed by a key the Worker does not hold',
    [`UPDATE ack_checkpoints SET key_id = 'someone-else'`],
    ['checkpoint_invalid#10'],
  ],
  [
    'the checkpoint downgraded to the unchained format',
    [`UPDATE ack_checkpoints SET format = 1`],
    ['checkpoint_invalid#10'],
  ],
  [
    'the checkpoint given a predecessor it never had',
    [`UPDATE ack_checkpoints SET prev_hash = '${'d'.repeat(64)}'`],
    ['checkpoint_chain#10', 'checkpoint_invalid#10'],
  ],
]

describe('tampering caught by the audit', () => {
  it.each(TAMPERING)('%s', async (_, statements, expected) => {
    for (const statement of statements) await exec(statement)
    // The same findings whatever the chunk size: one record per request, three, or all at once.
    for (const limit of [1, 3, 1000]) {
      const report = await audit(limit)
      expect(report.ok).toBe(false)
      expect(kinds(report.all)).toEqual([...expected].sort())
      expect(report.problemCount).toBe(expected.length)
    }
    // A checkpoint made now covers at most what it checked, and hides nothing from the audit.
    await checkpoint()
    expect(kinds((await audit()).all)).toEqual(expect.arrayContaining(expected))
  })

  it('an edit with the record hash recomputed still fails the signature', async () => {
    const row = await storedRow(6)
    const edited = { ...row, officialName: '别人' }
    const hash = await leafHash(new TextEncoder().encode(canonicalReceipt(receiptOf(edited))))
    await env.DB.prepare(
      `UPDATE acknowledgements SET official_name = ?, record_hash = ? WHERE seq = 6`,
    )
      .bind('别人', hash)
      .run()
    expect(kinds((await audit()).all)).toEqual(['checkpoint_mismatch#10', 'forged@6'])
  })
})

describe('the audit in bounded chunks', () => {
  it('reads at most `limit` records a request, resumes from its cursor, and a cursor can be retried', async () => {
    const report = await audit(3)
    expect(report.chunks.map((c) => c.chunk.records)).toEqual([3, 3, 3, 1])
    expect(report.chunks.map((c) => c.complete)).toEqual([false, false, false, true])
    expect(report).toMatchObject({ ok: true, records: 10, checkpoints: { matched: 1 } })
    const second = report.chunks[1]!
    const again = await call(`/api/admin/verify?limit=3&cursor=${report.chunks[0]!.next}`, {
      headers: admin(),
    })
    expect(await again.json()).toMatchObject({ chunk: second.chunk, records: second.records })
  })

  it('refuses a cursor it did not make, and a limit over the bound', async () => {
    const report = await audit(3)
    const cursor = report.chunks[0]!.next!
    const [state, mac] = cursor.split('.')
    const bent = JSON.parse(atob(state!.replace(/-/g, '+').replace(/_/g, '/')))
    bent.afterSeq = 9
    const forged = `${btoa(JSON.stringify(bent)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}.${mac}`
    for (const query of [`cursor=${forged}`, 'cursor=garbage', 'limit=0', 'limit=2001']) {
      const response = await call(`/api/admin/verify?${query}`, { headers: admin() })
      expect(response.status).toBe(400)
      expect(((await response.json()) as { error: { code: string } }).error.code).toMatch(
        /^invalid_(cursor|request)$/,
      )
    }
  })
})

describe('a checkpoint checks only what was added since the one before', () => {
  it('an edit to a record an earlier checkpoint covers does not stop the next one, and the audit still reports it', async () => {
    await exec(`UPDATE acknowledgements SET typed_name = 'x' WHERE seq = 3`)
    await ack(10)
    await ack(11)
    const run = await checkpoint()
    expect(run).toMatchObject({
      ok: true,
      added: 2,
      base: { treeSize: 10 },
      newCheckpoint: { treeSize: 12 },
      caughtUp: true,
    })
    expect(kinds((await audit()).all)).toEqual([
      'altered@3',
      'checkpoint_mismatch#10',
      'checkpoint_mismatch#12',
    ])
  })

  it('covers at most `limit` records a run and says when more remain', async () => {
    for (const i of [10, 11, 12]) await ack(i)
    expect(await checkpoint(2)).toMatchObject({
      added: 2,
      records: 12,
      caughtUp: false,
      uncheckpointed: 1,
    })
    expect(await checkpoint(2)).toMatchObject({ added: 1, records: 13, caughtUp: true })
    expect(await audit()).toMatchObject({ ok: true, checkpoints: { stored: 3, matched: 3 } })
  })
})

describe('chained checkpoints', () => {
  /** Checkpoints at 10 (from beforeAll), 12 and 14, and record 15 written after the last. */
  async function threeCheckpoints() {
    await ack(10)
    await ack(11)
    expect((await checkpoint()).newCheckpoint).toMatchObject({ treeSize: 12 })
    await ack(12)
    await ack(13)
    expect((await checkpoint()).newCheckpoint).toMatchObject({ treeSize: 14 })
    await ack(14)
    expect(await audit()).toMatchObject({ ok: true, checkpoints: { stored: 3, matched: 3 } })
  }

  it('each signs the note of the one before it', async () => {
    await threeCheckpoints()
    const heads = (await (await call('/api/admin/checkpoints', { headers: admin() })).json()) as {
      checkpoints: { treeSize: number; prevHash: string | null; format: number }[]
    }
    expect(
      heads.checkpoints.map((c) => [c.treeSize, c.format, c.prevHash?.length ?? null]),
    ).toEqual([
      [10, 2, null],
      [12, 2, 64],
      [14, 2, 64],
    ])
  })

  it.each<[string, string, string[]]>([
    [
      'a checkpoint in the middle deleted',
      `DELETE FROM ack_checkpoints WHERE tree_size = 12`,
      // 14 no longer follows 10; records 13 and 14 were signed after checkpoint 12.
      ['checkpoint_chain#14', 'checkpoint_missing@13#12', 'checkpoint_missing@14#12'],
    ],
    [
      'the newest checkpoint deleted, with a record written after it',
      `DELETE FROM ack_checkpoints WHERE tree_size = 14`,
      ['checkpoint_missing@15#14'],
    ],
    [
      'a checkpoint in the middle altered',
      `UPDATE ack_checkpoints SET created_at = '2020-01-01T00:00:00.000Z' WHERE tree_size = 12`,
      [
        'checkpoint_chain#14',
        'checkpoint_invalid#12',
        'checkpoint_missing@13#12',
        'checkpoint_missing@14#12',
      ],
    ],
  ])(
    '%s: the audit reports it, and no later checkpoint hides it',
    async (_, statement, expected) => {
      await threeCheckpoints()
      await exec(statement)
      expect(kinds((await audit(4)).all)).toEqual(expected)
      // The next checkpoint run sees it too; whatever it signs, the evidence stays.
      const run = await checkpoint()
      expect(run.ok).toBe(false)
      expect(kinds((await audit()).all)).toEqual(expect.arrayContaining(expected))
    },
  )
})

describe('records no checkpoint covers yet', () => {
  it('the two newest swapped: the later one says the log had already reached the earlier one', async () => {
    await ack(10)
    await ack(11)
    await exec(`UPDATE acknowledgements SET seq = 100 WHERE seq = 11`)
    await exec(`UPDATE acknowledgements SET seq = 11 WHERE seq = 12`)
    await exec(`UPDATE acknowledgements SET seq = 12 WHERE seq = 100`)
    await exec(`UPDATE sqlite_sequence SET seq = 12 WHERE name = 'acknowledgements'`)
    expect(kinds((await audit()).all)).toEqual(['reordered@11'])
    // And the checkpoint stops at the moved record.
    expect(await checkpoint()).toMatchObject({ ok: false, added: 0, newCheckpoint: null })
  })
})

describe('what verification cannot see, and what closes the gap', () => {
  it('rows after the last checkpoint, deleted with sqlite_sequence rewound, go unnoticed until a checkpoint covers them', async () => {
    await ack(10)
    await ack(11)
    expect(await audit()).toMatchObject({ ok: true, records: 12, uncheckpointed: 2 })
    await exec(`DELETE FROM acknowledgements WHERE seq = 12`)
    await exec(`UPDATE sqlite_sequence SET seq = 11 WHERE name = 'acknowledgements'`)
    // The limit: nothing signed ever covered record 12, and its trace in sqlite_sequence is gone.
    expect(await audit()).toMatchObject({ ok: true, records: 11 })

    // Once a checkpoint covers a record, the same deletion is caught.
    expect((await checkpoint()).newCheckpoint).toMatchObject({ treeSize: 11 })
    await exec(`DELETE FROM acknowledgements WHERE seq = 11`)
    await exec(`UPDATE sqlite_sequence SET seq = 10 WHERE name = 'acknowledgements'`)
    expect(kinds((await audit()).all)).toEqual(['removed#11'])
  })

  it('two records written at the same moment, swapped before a checkpoint: their order was never a fact', async () => {
    const keys = (await ackSecrets(env)).receipt
    const version = findNotice('wechat-red-lines')!.versions[1]!
    // Both read the log's position before either is written, as simultaneous requests do.
    await Promise.all(
      [10, 11].map(async (i) =>
        recordAcknowledgement(db, keys, {
          official: (await findOfficialByExternalId(db, links[i]!.externalId))!,
          version,
          lang: 'zh',
          statement: 's',
          typedName: links[i]!.name,
          requestId: `r${i}`,
          userAgent: 'vitest',
          ipHash: null,
          now: new Date(),
        }),
      ),
    )
    const after = await rows<{ log_after: number }>(
      'SELECT log_after FROM acknowledgements WHERE seq > 10 ORDER BY seq',
    )
    expect(after).toEqual([{ log_after: 10 }, { log_after: 10 }])
    await exec(`UPDATE acknowledgements SET seq = 100 WHERE seq = 11`)
    await exec(`UPDATE acknowledgements SET seq = 11 WHERE seq = 12`)
    await exec(`UPDATE acknowledgements SET seq = 12 WHERE seq = 100`)
    expect(await audit()).toMatchObject({ ok: true, records: 12 })
  })

  it('the newest checkpoint deleted before anyone acknowledged after it: only an outside copy shows it', async () => {
    await ack(10)
    expect((await checkpoint()).newCheckpoint).toMatchObject({ treeSize: 11 })
    await exec(`DELETE FROM ack_checkpoints WHERE tree_size = 11`)
    expect(await audit()).toMatchObject({ ok: true, checkpoints: { stored: 1 } })
  })
})

describe('checkpoints made by the cron', () => {
  async function cron(environment: Env = env) {
    const controller = createScheduledController({
      scheduledTime: new Date(),
      cron: '*/15 * * * *',
    })
    const ctx = createExecutionContext()
    await worker.scheduled(controller, environment, ctx)
    await waitOnExecutionContext(ctx)
  }

  it('extend the last checkpoint to the same root a full audit computes', async () => {
    await ack(10)
    await ack(11)
    await cron()
    const [latest] = await rows<{ tree_size: number; root_hash: string }>(
      'SELECT tree_size, root_hash FROM ack_checkpoints ORDER BY tree_size DESC LIMIT 1',
    )
    expect(latest!.tree_size).toBe(12)
    expect(await audit()).toMatchObject({ ok: true, checkpoints: { stored: 2, matched: 2 } })
  })

  it('cover at most CHECKPOINT_RECORDS records a checkpoint and CHECKPOINTS_PER_RUN checkpoints a run', async () => {
    for (const i of [10, 11, 12, 13, 14]) await ack(i)
    const small = { ...env, CHECKPOINT_RECORDS: '2', CHECKPOINTS_PER_RUN: '2' }
    await cron(small)
    const sizes = async () =>
      (await rows<{ tree_size: number }>('SELECT tree_size FROM ack_checkpoints ORDER BY 1')).map(
        (r) => r.tree_size,
      )
    expect(await sizes()).toEqual([10, 12, 14])
    await cron(small)
    expect(await sizes()).toEqual([10, 12, 14, 15])
    // A setting that is not a whole number in range is ignored: the defaults cover the rest.
    await ack(15)
    await cron({ ...env, CHECKPOINT_RECORDS: 'lots', CHECKPOINTS_PER_RUN: '0' })
    expect(await sizes()).toEqual([10, 12, 14, 15, 16])
    expect(await audit()).toMatchObject({ ok: true, checkpoints: { stored: 5, matched: 5 } })
  })

  it('stop before a record that fails its check', async () => {
    await ack(10)
    await ack(11)
    await exec(`UPDATE acknowledgements SET typed_name = 'x' WHERE seq = 12`)
    const result = await extendLog(db, await receiptKeys(env.RECEIPT_PRIVATE_KEY), {
      now: new Date(),
      maxRecords: 1000,
    })
    expect(result).toMatchObject({ added: 1, newCheckpoint: { treeSize: 11 }, caughtUp: false })
    expect(kinds(result.problems)).toEqual(['altered@12'])
    expect(kinds((await audit()).all)).toEqual(['altered@12'])
  })
})

describe('what a record keeps about the client', () => {
  it('the user agent as sent, the IP only as a keyed hash, a request id the server made', async () => {
    const ip = '203.0.113.77'
    const submit = async (i: number, extra: Record<string, string> = {}) => {
      const link = links[i]!
      const form = await openForm(link.path)
      const response = await post(
        link.path,
        { csrf: form.csrf, lang: form.lang, text: form.text, statement: 'agree', name: link.name },
        {
          'CF-Connecting-IP': ip,
          'User-Agent': 'Mozilla/5.0 (iPhone) MicroMessenger/8.0',
          ...extra,
        },
      )
      expect(response.status).toBe(303)
      return response.headers.get('X-Request-Id')
    }
    const first = await submit(10)
    // A client's own X-Request-Id is not what the signed record keeps.
    const second = await submit(11, { 'X-Request-Id': 'chosen-by-the-client' })
    const stored = await rows<Record<string, unknown>>(
      'SELECT * FROM acknowledgements WHERE seq > 10 ORDER BY seq',
    )
    expect(stored).toHaveLength(2)
    expect(stored.map((row) => row.request_id)).toEqual([first, second])
    for (const row of stored) {
      expect(row.user_agent).toBe('Mozilla/5.0 (iPhone) MicroMessenger/8.0')
      expect(row.ip_hash).toMatch(/^[\w-]{22}$/)
      expect(row.request_id).toMatch(/^[0-9a-f-]{36}$/)
      expect(JSON.stringify(row)).not.toContain(ip)
    }
    // Keyed: the same address gives the same hash, so abuse can be traced without storing it.
    expect(stored[0]!.ip_hash).toBe(stored[1]!.ip_hash)
    expect((await audit()).ok).toBe(true)
  })
})

describe('concurrent writes and checkpoints', () => {
  it('acknowledgements during a checkpoint leave the log clean and gapless', async () => {
    const [run] = await Promise.all([checkpoint(), ack(10), ack(11), ack(12), ack(13)])
    expect(run.ok).toBe(true)
    const after = await checkpoint()
    expect(after).toMatchObject({ ok: true, records: 14, lastSeq: 14, uncheckpointed: 0 })
    expect(await audit(5)).toMatchObject({ ok: true, records: 14, uncheckpointed: 0 })
  })
})
