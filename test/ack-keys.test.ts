/**
 * Rotating the receipt key: the Worker restarted with a new RECEIPT_PRIVATE_KEY and the old
 * public key in RECEIPT_RETIRED_KEYS, as `npm run rotate-receipt-key` leaves .dev.vars. Old
 * receipts and checkpoints keep verifying, new ones are signed with the new key, the cron goes on.
 */
import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import type { AuditReport } from '../src/acknowledgements/audit'
import type { CheckpointRun } from '../src/acknowledgements/checkpoints'
import { checkReceiptFile } from '../src/acknowledgements/offline'
import type { SignedReceipt } from '../src/acknowledgements/receipt'
import { ackSecrets, receiptKeys, type PublicJwk } from '../src/acknowledgements/secrets'
import worker from '../src/index'
import { readDevVar, writeDevVars } from '../scripts/dev-vars'
import { newPrivateKey, rotate, rotatePublished } from '../scripts/receipt-keys'
import { admin, createLinks, importRoster, pathOf, rows } from './ack-helpers'

const ORIGIN = 'http://localhost'

async function fetchAs(environment: Env, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext()
  const response = await worker.fetch(
    new Request(`${ORIGIN}${path}`, { redirect: 'manual', ...init }),
    environment,
    ctx,
  )
  await waitOnExecutionContext(ctx)
  return response
}

async function acknowledgeAs(environment: Env, path: string, name: string) {
  const page = await (await fetchAs(environment, `${path}?lang=zh`)).text()
  const field = (n: string) => new RegExp(`name="${n}" value="([^"]*)"`).exec(page)?.[1] ?? ''
  const response = await fetchAs(environment, path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      csrf: field('csrf'),
      lang: 'zh',
      text: field('text'),
      statement: 'agree',
      name,
    }).toString(),
  })
  expect(response.status).toBe(303)
}

const json = async <T>(response: Response): Promise<T> => {
  expect(response.status).toBe(200)
  return (await response.json()) as T
}

async function audit(environment: Env) {
  return json<AuditReport>(await fetchAs(environment, '/api/admin/verify', { headers: admin() }))
}

async function checkpoint(environment: Env) {
  return json<CheckpointRun>(
    await fetchAs(environment, '/api/admin/verify', { method: 'POST', headers: admin() }),
  )
}

async function cron(environment: Env) {
  const ctx = createExecutionContext()
  await worker.scheduled(
    createScheduledController({ scheduledTime: new Date(), cron: '*/15 * * * *' }),
    environment,
    ctx,
  )
  await waitOnExecutionContext(ctx)
}

let links: Record<string, string>
let rotated: Env
let oldKeyId: string
let newKeyId: string
let oldReceipt: SignedReceipt

beforeAll(async () => {
  const roster = Array.from({ length: 6 }, (_, i) => `K0${i},钥匙${i},轮换省`)
  expect((await importRoster(['external_id,name,unit', ...roster].join('\n'))).status).toBe(200)
  links = Object.fromEntries(
    (await createLinks({})).links.map((l) => [l.externalId, pathOf(l.url)]),
  )
  // Before the rotation: two records and a checkpoint, all signed with the first key.
  await acknowledgeAs(env, links.K00!, '钥匙0')
  await acknowledgeAs(env, links.K01!, '钥匙1')
  expect((await checkpoint(env)).newCheckpoint).toMatchObject({ treeSize: 2 })
  oldReceipt = await json<SignedReceipt>(await fetchAs(env, `${links.K00}/receipt.json`))
  oldKeyId = (await ackSecrets(env)).receipt.keyId

  // The rotation, as npm run rotate-receipt-key does it to .dev.vars.
  const next = await rotate(env, await newPrivateKey())
  rotated = { ...env, ...next }
  newKeyId = next.current
})

describe('after a receipt key rotation', () => {
  it('the key set publishes the new key first and keeps every retired one', async () => {
    const set = await json<{ keys: PublicJwk[]; current: string }>(
      await fetchAs(rotated, '/.well-known/redlines-receipt-keys.json'),
    )
    expect(set.current).toBe(newKeyId)
    expect(set.keys[0]!.kid).toBe(newKeyId)
    expect(set.keys.map((k) => k.kid)).toContain(oldKeyId)
    // The test configuration starts from one rotation already: that key is still there too.
    const retiredBefore = JSON.parse(env.RECEIPT_RETIRED_KEYS!) as { x: string }[]
    expect(set.keys).toHaveLength(2 + retiredBefore.length)
    expect(await json(await fetchAs(rotated, '/api/keys/receipt'))).toEqual(set.keys[0])
  })

  it('a receipt signed before verifies offline with the published keys, and downloads with its key', async () => {
    const set = await json(await fetchAs(rotated, '/.well-known/redlines-receipt-keys.json'))
    expect(await checkReceiptFile(oldReceipt, set)).toMatchObject({ valid: true, keyId: oldKeyId })
    const again = await json<SignedReceipt>(await fetchAs(rotated, `${links.K00}/receipt.json`))
    expect(again.publicKey?.kid).toBe(oldKeyId)
    expect(await checkReceiptFile(again)).toMatchObject({ valid: true, keySource: 'embedded' })
  })

  it('the audit stays clean, the next checkpoint is signed with the new key and chains to the old one', async () => {
    expect(await audit(rotated)).toMatchObject({ ok: true, checkpoints: { matched: 1 } })
    await acknowledgeAs(rotated, links.K02!, '钥匙2')
    const [row] = await rows<{ key_id: string }>(
      "SELECT key_id FROM acknowledgements WHERE external_id = 'K02'",
    )
    expect(row!.key_id).toBe(newKeyId)
    const run = await checkpoint(rotated)
    expect(run).toMatchObject({
      ok: true,
      added: 1,
      newCheckpoint: { treeSize: 3, keyId: newKeyId },
    })
    expect(await audit(rotated)).toMatchObject({
      ok: true,
      records: 3,
      checkpoints: { stored: 2, matched: 2 },
    })
  })

  it('the cron keeps signing checkpoints', async () => {
    await acknowledgeAs(rotated, links.K03!, '钥匙3')
    await cron(rotated)
    const [latest] = await rows<{ tree_size: number; key_id: string }>(
      'SELECT tree_size, key_id FROM ack_checkpoints ORDER BY tree_size DESC LIMIT 1',
    )
    expect(latest).toEqual({ tree_size: 4, key_id: newKeyId })
    expect(await audit(rotated)).toMatchObject({ ok: true, checkpoints: { matched: 3 } })
  })

  it('a rotation that drops the old public key is reported, and signs nothing over it', async () => {
    const forgetful = { ...rotated, RECEIPT_RETIRED_KEYS: '[]' }
    const report = await audit(forgetful)
    expect(report.ok).toBe(false)
    expect(new Set(report.problems.map((p) => p.kind))).toEqual(
      new Set(['unknown_key', 'checkpoint_invalid']),
    )
  })
})

describe('RECEIPT_RETIRED_KEYS', () => {
  const retired = async () => (await receiptKeys(env.RECEIPT_PRIVATE_KEY)).publicJwk

  it.each<[string, (jwk: PublicJwk) => string]>([
    ['not JSON', () => '[{'],
    ['not a list', () => '{"x": 1}'],
    ['a private key', (jwk) => JSON.stringify([{ ...jwk, d: 'SECRETSECRETSECRET' }])],
    ['a kid that is not the thumbprint', (jwk) => JSON.stringify([{ ...jwk, kid: 'mine' }])],
    ['another kind of key', (jwk) => JSON.stringify([{ ...jwk, kty: 'RSA' }])],
  ])('holding %s: 503 naming the variable, never its value', async (_, value) => {
    const response = await fetchAs(
      { ...env, RECEIPT_RETIRED_KEYS: value(await retired()) },
      '/api/admin/verify',
      { headers: admin() },
    )
    expect(response.status).toBe(503)
    const { error } = (await response.json()) as { error: { code: string; message: string } }
    expect(error.code).toBe('not_configured')
    expect(error.message).toMatch(/RECEIPT_RETIRED_KEYS/)
    expect(error.message).not.toMatch(/SECRET/)
  })

  it('takes a JWK set as published, or nothing at all', async () => {
    const jwk = await retired()
    for (const value of [JSON.stringify({ keys: [jwk] }), JSON.stringify([jwk]), '', undefined])
      expect(
        (
          await fetchAs({ ...env, RECEIPT_RETIRED_KEYS: value }, '/api/admin/verify', {
            headers: admin(),
          })
        ).status,
      ).toBe(200)
  })
})

describe('npm run rotate-receipt-key', () => {
  it('rewrites .dev.vars: a new signing key, the old public key retired, every other line kept', async () => {
    const before = writeDevVars('# local secrets\nADMIN_TOKEN=abc\n', {
      RECEIPT_PRIVATE_KEY: env.RECEIPT_PRIVATE_KEY,
    })
    const rotation = await rotate(
      {
        RECEIPT_PRIVATE_KEY: readDevVar(before, 'RECEIPT_PRIVATE_KEY')!,
        RECEIPT_RETIRED_KEYS: readDevVar(before, 'RECEIPT_RETIRED_KEYS'),
      },
      await newPrivateKey(),
    )
    const after = writeDevVars(before, {
      RECEIPT_PRIVATE_KEY: rotation.RECEIPT_PRIVATE_KEY,
      RECEIPT_RETIRED_KEYS: rotation.RECEIPT_RETIRED_KEYS,
    })
    expect(after.split('\n').slice(0, 2)).toEqual(['# local secrets', 'ADMIN_TOKEN=abc'])
    expect(after).toMatch(/^RECEIPT_PRIVATE_KEY='\{.*\}'$/m)
    expect(after).toMatch(/^RECEIPT_RETIRED_KEYS='\[.*\]'$/m)
    const retired = JSON.parse(readDevVar(after, 'RECEIPT_RETIRED_KEYS')!) as PublicJwk[]
    expect(retired.map((k) => k.kid)).toEqual([(await receiptKeys(env.RECEIPT_PRIVATE_KEY)).keyId])
    expect(JSON.stringify(retired)).not.toMatch(/"d"/)

    // Twice over: both earlier keys stay, the oldest first.
    const again = await rotate(
      {
        RECEIPT_PRIVATE_KEY: readDevVar(after, 'RECEIPT_PRIVATE_KEY')!,
        RECEIPT_RETIRED_KEYS: readDevVar(after, 'RECEIPT_RETIRED_KEYS'),
      },
      await newPrivateKey(),
    )
    expect(again.retired).toEqual([...rotation.retired, rotation.current])
  })

  it('for production: from the published set, every key retired and a new one to set', async () => {
    const set = await json(await fetchAs(env, '/.well-known/redlines-receipt-keys.json'))
    const rotation = await rotatePublished(set, await newPrivateKey())
    const keys = (set as { keys: PublicJwk[] }).keys
    // The key that signed until now is the newest to retire: last.
    expect(rotation.retired).toEqual([...keys.slice(1), keys[0]!].map((k) => k.kid))
    const applied = await receiptKeys(rotation.RECEIPT_PRIVATE_KEY, rotation.RECEIPT_RETIRED_KEYS)
    expect(applied.published.map((k) => k.kid)).toEqual([rotation.current, ...rotation.retired])
  })
})
