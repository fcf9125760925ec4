/**
 * Records and checkpoints written before migration 0002 (receipt type 1, checkpoint format 1)
 * keep verifying, and the log goes on from them: new receipts are type 2, the next checkpoint
 * chains to the old one, and a consistency proof joins them.
 */
import { env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import type { AuditReport } from '../src/acknowledgements/audit'
import { base64url, hmacKey, utf8 } from '../src/acknowledgements/bytes'
import { Frontier, verifyConsistency } from '../src/acknowledgements/merkle'
import { noteHash, checkpointNote } from '../src/acknowledgements/notes'
import { checkReceiptFile } from '../src/acknowledgements/offline'
import {
  RECEIPT_TYPE_V1,
  sealReceipt,
  type Receipt,
  type SignedReceipt,
} from '../src/acknowledgements/receipt'
import { receiptKeys } from '../src/acknowledgements/secrets'
import { signLink } from '../src/acknowledgements/tokens'
import { findNotice } from '../src/content/catalog'
import { acknowledge, admin, call, importRoster, rows } from './ack-helpers'

const version = findNotice('wechat-red-lines')!.versions[1]!
let legacyLinks: string[] = []
let newLink: string

async function linkOf(externalId: string) {
  const [official] = await rows<{ id: number }>(
    'SELECT id FROM officials WHERE external_id = ?',
    externalId,
  )
  const token = await signLink(await hmacKey(env.LINK_SECRET), {
    officialId: official!.id,
    notice: version.notice,
    version: version.version,
    expiresAt: Math.floor(Date.now() / 1000) + 86_400,
  })
  return `/a/${token}`
}

beforeAll(async () => {
  const roster = ['L1,旧一', 'L2,旧二', 'L3,旧三', 'N1,新一'].map((r) => `${r},旧省`)
  expect((await importRoster(['external_id,name,unit', ...roster].join('\n'))).status).toBe(200)
  await env.DB.prepare(`INSERT INTO notice_versions VALUES (?, ?, ?, ?, ?)`)
    .bind(
      version.notice,
      version.version,
      version.sha256,
      version.effectiveFrom,
      new Date().toISOString(),
    )
    .run()
  // Three records as the Worker wrote them before 0002: a type 1 receipt, no log columns.
  const keys = await receiptKeys(env.RECEIPT_PRIVATE_KEY, env.RECEIPT_RETIRED_KEYS)
  const frontier = new Frontier()
  for (const [i, externalId] of ['L1', 'L2', 'L3'].entries()) {
    const [official] = await rows<{ id: number; name: string; unit: string }>(
      'SELECT id, name, unit FROM officials WHERE external_id = ?',
      externalId,
    )
    const receipt: Receipt = {
      type: RECEIPT_TYPE_V1,
      receiptId: crypto.randomUUID(),
      official: {
        externalId,
        name: official!.name,
        unit: official!.unit,
        typedName: official!.name,
      },
      notice: {
        id: version.notice,
        version: version.version,
        sha256: version.sha256,
        lang: 'zh',
        textSha256: version.languages.zh.textSha256,
      },
      statement: `legacy ${i}`,
      acknowledgedAt: new Date(Date.UTC(2026, 0, i + 1)).toISOString(),
      requestId: crypto.randomUUID(),
      client: { userAgent: 'old', ipHash: null },
      keyId: keys.keyId,
    }
    const seal = await sealReceipt(keys.privateKey, receipt)
    await env.DB.prepare(
      `INSERT INTO acknowledgements (receipt_id, official_id, external_id, official_name, unit,
        typed_name, notice_id, version, version_sha256, lang, text_sha256, statement,
        acknowledged_at, request_id, user_agent, ip_hash, key_id, record_hash, signature)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
      .bind(
        receipt.receiptId,
        official!.id,
        externalId,
        receipt.official.name,
        receipt.official.unit,
        receipt.official.typedName,
        receipt.notice.id,
        receipt.notice.version,
        receipt.notice.sha256,
        receipt.notice.lang,
        receipt.notice.textSha256,
        receipt.statement,
        receipt.acknowledgedAt,
        receipt.requestId,
        receipt.client.userAgent,
        null,
        receipt.keyId,
        seal.recordHash,
        seal.signature,
      )
      .run()
    await frontier.append(seal.recordHash)
    legacyLinks.push(await linkOf(externalId))
  }
  // And a checkpoint over them in format 1, unchained.
  const head = {
    format: 1,
    treeSize: 3,
    rootHash: await frontier.root(),
    createdAt: '2026-01-04T00:00:00.000Z',
    prevHash: null,
  }
  const signature = await crypto.subtle.sign('Ed25519', keys.privateKey, utf8(checkpointNote(head)))
  await env.DB.prepare(
    `INSERT INTO ack_checkpoints (tree_size, root_hash, frontier, created_at, key_id, signature)
     VALUES (?, ?, ?, ?, ?, ?)`,
  )
    .bind(
      3,
      head.rootHash,
      JSON.stringify(frontier.hashes()),
      head.createdAt,
      keys.keyId,
      base64url(signature),
    )
    .run()
  newLink = await linkOf('N1')
})

describe('a log written before migration 0002', () => {
  it('verifies as it is, and its receipts (type 1) verify offline', async () => {
    const audit = (await (
      await call('/api/admin/verify', { headers: admin() })
    ).json()) as AuditReport
    expect(audit).toMatchObject({
      ok: true,
      records: 3,
      checkpoints: { stored: 1, matched: 1, latest: { format: 1 } },
    })
    const keys = await (await call('/.well-known/redlines-receipt-keys.json')).json()
    const signed = (await (await call(`${legacyLinks[0]}/receipt.json`)).json()) as SignedReceipt
    expect(signed.receipt.type).toBe(RECEIPT_TYPE_V1)
    expect(signed.receipt).not.toHaveProperty('log')
    expect(await checkReceiptFile(signed, keys)).toMatchObject({ valid: true })
  })

  it('goes on from there: a type 2 receipt, a format 2 checkpoint chained to the old one, a proof between them', async () => {
    expect((await acknowledge(newLink, '新一')).status).toBe(303)
    const [row] = await rows<{
      receipt_type: string
      log_after: number
      log_checkpoint_size: number
      log_checkpoint_hash: string
    }>(
      "SELECT receipt_type, log_after, log_checkpoint_size, log_checkpoint_hash FROM acknowledgements WHERE external_id = 'N1'",
    )
    const [old] = await rows<{
      tree_size: number
      root_hash: string
      created_at: string
      format: number
      prev_hash: string | null
    }>('SELECT * FROM ack_checkpoints WHERE tree_size = 3')
    const oldHash = await noteHash({
      treeSize: 3,
      rootHash: old!.root_hash,
      createdAt: old!.created_at,
      format: 1,
      prevHash: null,
    })
    expect(row).toEqual({
      receipt_type: 'redlines.acknowledgement/2',
      log_after: 3,
      log_checkpoint_size: 3,
      log_checkpoint_hash: oldHash,
    })
    const run = (await (
      await call('/api/admin/verify', { method: 'POST', headers: admin() })
    ).json()) as {
      newCheckpoint: { treeSize: number; format: number; prevHash: string; rootHash: string }
    }
    expect(run.newCheckpoint).toMatchObject({ treeSize: 4, format: 2, prevHash: oldHash })
    const audit = (await (
      await call('/api/admin/verify', { headers: admin() })
    ).json()) as AuditReport
    expect(audit).toMatchObject({ ok: true, records: 4, checkpoints: { stored: 2, matched: 2 } })
    const { proof } = (await (
      await call('/api/admin/checkpoints/consistency?from=3&to=4', { headers: admin() })
    ).json()) as { proof: string[] }
    expect(await verifyConsistency(3, 4, old!.root_hash, run.newCheckpoint.rootHash, proof)).toBe(
      true,
    )
  })
})
