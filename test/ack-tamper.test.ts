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
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { leafHash } from '../src/acknowledgements/merkle'
import { canonicalReceipt, receiptOf } from '../src/acknowledgements/receipt'
import { receiptKeys } from '../src/acknowledgements/secrets'
import { checkpointNewRecords, type VerificationReport } from '../src/acknowledgements/verify'
import type { AcknowledgementRow } from '../src/db/acknowledgements'
import { database } from '../src/db/client'
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

const db = database(env.DB)
let links: { externalId: string; name: string; path: string }[] = []

const exec = (sql: string) => env.DB.exec(sql.replace(/\s+/g, ' '))

async function verify(method: 'GET' | 'POST' = 'GET'): Promise<VerificationReport> {
  const response = await call('/api/admin/verify', { method, headers: admin() })
  expect(response.status).toBe(200)
  return (await response.json()) as VerificationReport
}

const kinds = (report: VerificationReport) =>
  report.problems.map(
    (p) =>
      `${p.kind}${p.seq ? `@${p.seq}` : ''}${p.toSeq && p.toSeq !== p.seq ? `-${p.toSeq}` : ''}${p.treeSize ? `#${p.treeSize}` : ''}`,
  )

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
      { length: 14 },
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
  const report = await verify('POST')
  expect(report).toMatchObject({ ok: true, records: 10, newCheckpoint: { treeSize: 10 } })
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
  it('is clean, matches the checkpoint, and signs no second one for the same size', async () => {
    const report = await verify('POST')
    expect(report).toMatchObject({
      ok: true,
      records: 10,
      lastSeq: 10,
      problemCount: 0,
      uncheckpointed: 0,
      checkpoints: { stored: 1, matched: 1 },
      newCheckpoint: null,
    })
  })
})

describe('tampering caught by verification', () => {
  it.each<[string, string[], string[]]>([
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
      [
        `INSERT INTO acknowledgements (receipt_id, official_id, external_id, official_name, unit, typed_name, notice_id, version, version_sha256, lang, text_sha256, statement, acknowledged_at, request_id, user_agent, ip_hash, key_id, record_hash, signature)
         SELECT 'forged-receipt', (SELECT id FROM officials WHERE external_id = 'T12'), 'T12', '官员12', unit, '官员12', notice_id, version, version_sha256, lang, text_sha256, statement, acknowledged_at, request_id, user_agent, ip_hash, key_id, record_hash, signature
         FROM acknowledgements WHERE seq = 2`,
      ],
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
      [
        `INSERT INTO acknowledgements (seq, receipt_id, official_id, external_id, official_name, unit, typed_name, notice_id, version, version_sha256, lang, text_sha256, statement, acknowledged_at, request_id, user_agent, ip_hash, key_id, record_hash, signature)
         SELECT 0, 'hidden-receipt', (SELECT id FROM officials WHERE external_id = 'T13'), 'T13', '官员13', unit, '官员13', notice_id, version, version_sha256, lang, text_sha256, statement, acknowledged_at, request_id, user_agent, ip_hash, key_id, record_hash, signature
         FROM acknowledgements WHERE seq = 2`,
      ],
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
      'two rows swapped in order',
      [
        `UPDATE acknowledgements SET seq = 100 WHERE seq = 2`,
        `UPDATE acknowledgements SET seq = 2 WHERE seq = 3`,
        `UPDATE acknowledgements SET seq = 3 WHERE seq = 100`,
        `UPDATE sqlite_sequence SET seq = 10 WHERE name = 'acknowledgements'`,
      ],
      ['checkpoint_mismatch#10'],
    ],
    [
      'the checkpoint edited to fit an edited log',
      [
        `UPDATE acknowledgements SET official_name = '别人' WHERE seq = 3`,
        `UPDATE ack_checkpoints SET root_hash = '${'0'.repeat(64)}'`,
      ],
      ['checkpoint_invalid#10', 'altered@3', 'checkpoint_mismatch#10'],
    ],
  ])('%s', async (_, statements, expected) => {
    for (const statement of statements) await exec(statement)
    const report = await verify()
    expect(report.ok).toBe(false)
    expect(kinds(report)).toEqual(expected)
    expect(report.problemCount).toBe(expected.length)
    // A log with problems never gets a checkpoint that would bless them.
    const post = await verify('POST')
    expect(post.newCheckpoint).toBeNull()
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
    expect(kinds(await verify())).toEqual(['forged@6', 'checkpoint_mismatch#10'])
  })
})

describe('what verification cannot see, and what closes the gap', () => {
  it('rows after the last checkpoint, deleted with sqlite_sequence rewound, go unnoticed until a checkpoint covers them', async () => {
    await ack(10)
    await ack(11)
    expect(await verify()).toMatchObject({ ok: true, records: 12, uncheckpointed: 2 })
    await exec(`DELETE FROM acknowledgements WHERE seq = 12`)
    await exec(`UPDATE sqlite_sequence SET seq = 11 WHERE name = 'acknowledgements'`)
    // The limit: nothing signed ever covered record 12, and its trace in sqlite_sequence is gone.
    expect(await verify()).toMatchObject({ ok: true, records: 11 })

    // Once a checkpoint covers a record, the same deletion is caught.
    expect((await verify('POST')).newCheckpoint).toMatchObject({ treeSize: 11 })
    await exec(`DELETE FROM acknowledgements WHERE seq = 11`)
    await exec(`UPDATE sqlite_sequence SET seq = 10 WHERE name = 'acknowledgements'`)
    expect(kinds(await verify())).toEqual(['removed#11'])
  })
})

describe('checkpoints made by the cron', () => {
  it('extend the last checkpoint to the same root a full verification computes', async () => {
    await ack(10)
    await ack(11)
    const controller = createScheduledController({
      scheduledTime: new Date(),
      cron: '*/15 * * * *',
    })
    const ctx = createExecutionContext()
    await worker.scheduled(controller, env, ctx)
    await waitOnExecutionContext(ctx)
    const [cron] = await rows<{ tree_size: number; root_hash: string }>(
      'SELECT tree_size, root_hash FROM ack_checkpoints ORDER BY tree_size DESC LIMIT 1',
    )
    expect(cron!.tree_size).toBe(12)
    expect(await verify()).toMatchObject({ ok: true, checkpoints: { stored: 2, matched: 2 } })
  })

  it('stop before a record that fails its check', async () => {
    await ack(10)
    await ack(11)
    await exec(`UPDATE acknowledgements SET typed_name = 'x' WHERE seq = 12`)
    const result = await checkpointNewRecords(db, await receiptKeys(env.RECEIPT_PRIVATE_KEY), {
      now: new Date(),
      maxRecords: 1000,
    })
    expect(result).toMatchObject({ added: 1, stoppedAt: 12, checkpoint: { treeSize: 11 } })
    expect(kinds(await verify())).toEqual(['altered@12'])
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
    expect((await verify()).ok).toBe(true)
  })
})

describe('concurrent writes and verification', () => {
  it('acknowledgements during a checkpoint leave the log clean and gapless', async () => {
    const [report] = await Promise.all([verify('POST'), ack(10), ack(11), ack(12), ack(13)])
    expect(report.ok).toBe(true)
    const after = await verify('POST')
    expect(after).toMatchObject({ ok: true, records: 14, lastSeq: 14, uncheckpointed: 0 })
  })
})
