/**
 * A copy of the checkpoints kept outside the database (npm run checkpoints -- save / check): what
 * it catches that the database cannot show, through the Worker's own routes.
 */
import { env } from 'cloudflare:test'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { AuditReport } from '../src/acknowledgements/audit'
import { receiptOf, sealReceipt } from '../src/acknowledgements/receipt'
import { receiptKeys } from '../src/acknowledgements/secrets'
import { checkCheckpoints, saveCheckpoints, type Api } from '../src/acknowledgements/witness'
import type { AcknowledgementRow } from '../src/db/acknowledgements'
import { acknowledge, admin, call, createLinks, importRoster, pathOf, rows } from './ack-helpers'

vi.setConfig({ testTimeout: 30_000 })

const api: Api = async (path) => {
  const response = await call(path, { headers: admin() })
  const body = (await response.json()) as { error?: { message: string } }
  if (!response.ok) throw new Error(body.error?.message ?? `HTTP ${response.status}`)
  return body
}
const exec = (sql: string) => env.DB.exec(sql.replace(/\s+/g, ' '))
let links: { name: string; path: string }[] = []

async function ack(i: number) {
  expect((await acknowledge(links[i]!.path, links[i]!.name)).status).toBe(303)
}
async function checkpoint() {
  const response = await call('/api/admin/verify', { method: 'POST', headers: admin() })
  return (await response.json()) as { newCheckpoint: { treeSize: number } | null }
}
async function audit() {
  return (await (await call('/api/admin/verify', { headers: admin() })).json()) as AuditReport
}
async function save() {
  const { copy, problems } = await saveCheckpoints(api, 'http://localhost', new Date())
  expect(problems).toEqual([])
  return copy
}

beforeAll(async () => {
  const roster = Array.from(
    { length: 12 },
    (_, i) => `W${String(i).padStart(2, '0')},见证${i},见证省`,
  )
  expect((await importRoster(['external_id,name,unit', ...roster].join('\n'))).status).toBe(200)
  links = (await createLinks({})).links
    .sort((a, b) => a.externalId.localeCompare(b.externalId))
    .map((l) => ({ name: l.name, path: pathOf(l.url) }))
  for (let i = 0; i < 5; i++) await ack(i)
  expect((await checkpoint()).newCheckpoint).toMatchObject({ treeSize: 5 })
  await exec(`CREATE TABLE saved_acks AS SELECT * FROM acknowledgements`)
  await exec(`CREATE TABLE saved_checkpoints AS SELECT * FROM ack_checkpoints`)
})

afterEach(async () => {
  await exec(`DELETE FROM acknowledgements`)
  await exec(`INSERT INTO acknowledgements SELECT * FROM saved_acks`)
  await exec(`DELETE FROM sqlite_sequence WHERE name = 'acknowledgements'`)
  await exec(`INSERT INTO sqlite_sequence (name, seq) VALUES ('acknowledgements', 5)`)
  await exec(`DELETE FROM ack_checkpoints`)
  await exec(`INSERT INTO ack_checkpoints SELECT * FROM saved_checkpoints`)
})

describe('a saved copy of the checkpoints', () => {
  it('holds every checkpoint and the keys; a log that grew checks as a consistent extension', async () => {
    const copy = await save()
    expect(copy.checkpoints.map((c) => c.treeSize)).toEqual([5])
    expect(copy.keys.length).toBeGreaterThanOrEqual(1)
    await ack(5)
    await ack(6)
    expect((await checkpoint()).newCheckpoint).toMatchObject({ treeSize: 7 })
    await ack(7)
    expect((await checkpoint()).newCheckpoint).toMatchObject({ treeSize: 8 })
    const check = await checkCheckpoints(api, copy, new Date())
    expect(check).toMatchObject({ consistent: true, problems: [], saved: 5, server: 8, proofs: 1 })
    expect(check.updated.checkpoints.map((c) => c.treeSize)).toEqual([5, 7, 8])
    // The updated copy checks again, with nothing to prove.
    expect(await checkCheckpoints(api, check.updated, new Date())).toMatchObject({
      consistent: true,
      proofs: 0,
    })
  })

  it('rows, checkpoints and counter wiped together: the audit sees an empty, clean log; the copy does not', async () => {
    const copy = await save()
    await exec(`DELETE FROM acknowledgements`)
    await exec(`DELETE FROM ack_checkpoints`)
    await exec(`DELETE FROM sqlite_sequence WHERE name = 'acknowledgements'`)
    expect(await audit()).toMatchObject({ ok: true, records: 0, complete: true })
    const check = await checkCheckpoints(api, copy, new Date())
    expect(check.consistent).toBe(false)
    expect(check.problems.join('\n')).toMatch(/over 5 records .* is gone from the server/)
    expect(check.problems.join('\n')).toMatch(/covers 0 records, fewer than the 5/)
  })

  it('the newest checkpoint deleted before anyone acknowledged after it: the copy shows it', async () => {
    await ack(5)
    expect((await checkpoint()).newCheckpoint).toMatchObject({ treeSize: 6 })
    const copy = await save()
    await exec(`DELETE FROM ack_checkpoints WHERE tree_size = 6`)
    expect((await audit()).ok).toBe(true)
    const check = await checkCheckpoints(api, copy, new Date())
    expect(check.consistent).toBe(false)
    expect(check.problems[0]).toMatch(/over 6 records .* is gone from the server/)
  })

  it('history rewritten and every seal and checkpoint signed again with the key: clean inside, caught by the copy', async () => {
    const copy = await save()
    // Someone holding RECEIPT_PRIVATE_KEY edits record 2 and re-signs it and the checkpoints.
    const keys = await receiptKeys(env.RECEIPT_PRIVATE_KEY, env.RECEIPT_RETIRED_KEYS)
    const [raw] = await rows<Record<string, unknown>>(
      'SELECT * FROM acknowledgements WHERE seq = 2',
    )
    const row = Object.fromEntries(
      Object.entries(raw!).map(([k, v]) => [
        k.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()),
        v,
      ]),
    ) as unknown as AcknowledgementRow
    const edited = { ...row, typedName: '别人' }
    const seal = await sealReceipt(keys.privateKey, receiptOf(edited))
    await env.DB.prepare(
      'UPDATE acknowledgements SET typed_name = ?, record_hash = ?, signature = ? WHERE seq = 2',
    )
      .bind('别人', seal.recordHash, seal.signature)
      .run()
    await exec(`DELETE FROM ack_checkpoints`)
    expect((await checkpoint()).newCheckpoint).toMatchObject({ treeSize: 5 })
    expect(await audit()).toMatchObject({ ok: true, records: 5 })

    const check = await checkCheckpoints(api, copy, new Date())
    expect(check.consistent).toBe(false)
    expect(check.problems[0]).toMatch(/over 5 records is not the one signed at/)
  })

  it('a copy that is not one is refused', async () => {
    await expect(checkCheckpoints(api, { format: 'x' } as never, new Date())).rejects.toThrow(
      /not a copy of checkpoints/,
    )
  })
})

describe('consistency proofs', () => {
  it('between two stored checkpoints; refused for a size that is not one, or a span too long', async () => {
    await ack(5)
    await ack(6)
    await checkpoint()
    const proof = (await api('/api/admin/checkpoints/consistency?from=5&to=7')) as {
      from: { treeSize: number }
      to: { treeSize: number }
      proof: string[]
    }
    expect(proof.from.treeSize).toBe(5)
    expect(proof.to.treeSize).toBe(7)
    expect(proof.proof.every((h) => /^[0-9a-f]{64}$/.test(h))).toBe(true)
    for (const [query, status, code] of [
      ['from=5&to=6', 404, 'checkpoint_not_found'],
      ['from=7&to=5', 400, 'invalid_range'],
      ['from=1&to=20000', 422, 'proof_too_long'],
      ['from=x&to=5', 400, 'invalid_request'],
    ] as const) {
      const response = await call(`/api/admin/checkpoints/consistency?${query}`, {
        headers: admin(),
      })
      expect(response.status).toBe(status)
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code)
    }
    expect((await call('/api/admin/checkpoints/consistency?from=5&to=7')).status).toBe(401)
  })
})
