/**
 * Back-pressure: a shard that answers "overloaded" (injected: the real local D1 behind a binding
 * that refuses or loses chosen batches) neither loses a submission nor has the official told
 * anything false, and retries, redeliveries and second submissions end as one record counted
 * once. Runs with one shard and with four (the officials then live in shard 3).
 */
import { env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { hmacKey } from '../../src/acknowledgements/bytes'
import {
  consumeAcknowledgements,
  type AcknowledgementMessage,
} from '../../src/acknowledgements/queue'
import { ackSecrets, type AckSecrets } from '../../src/acknowledgements/secrets'
import { versionStatus } from '../../src/acknowledgements/status'
import { submitAcknowledgement } from '../../src/acknowledgements/submission'
import { formToken, signLink } from '../../src/acknowledgements/tokens'
import { findNotice } from '../../src/content/catalog'
import { findOfficialByExternalId } from '../../src/db/officials'
import { shardsOf } from '../../src/db/shards'
import { AppError } from '../../src/errors'
import { importRoster, NOTICE } from '../ack-helpers'
import {
  binding,
  envWith,
  N,
  route,
  rowsIn,
  shards,
  underLoad,
  writesAcknowledgement,
} from './helpers'

const PROVINCE = '压力省'
const UNIT = `${PROVINCE}/一区`
const version = findNotice(NOTICE)!.versions[1]!
/** The shard the officials live in, and its binding's name. */
const shard = () => N() - 1
const bindingName = () => (shard() === 0 ? 'DB' : `DB_SHARD_${shard()}`)
const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 4 }

let secrets: AckSecrets
let linkKey: CryptoKey
beforeAll(async () => {
  secrets = await ackSecrets(env)
  linkKey = await hmacKey(env.LINK_SECRET)
  // Three other provinces first, so that with four shards this one is routed to shard 3.
  await route(['压一省', '压二省', '压三省', PROVINCE])
  const rows = Array.from({ length: 8 }, (_, i) => `P-${i},压${i},${UNIT}`).join('\n')
  expect((await importRoster(`external_id,name,unit\n${rows}\n`)).status).toBe(200)
})

/** The shards as the Worker sees them, with the officials' shard behind `decide`. */
function loaded(decide: Parameters<typeof underLoad>[1]) {
  return shardsOf(envWith({ [bindingName()]: underLoad(binding(shard()), decide) }))
}

async function submission(externalId: string) {
  const official = (await findOfficialByExternalId(shards().shard(shard()).db, externalId))!
  const token = await signLink(linkKey, {
    ...(shard() ? { shard: shard() } : {}),
    officialId: official.id,
    notice: NOTICE,
    version: 2,
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  })
  return {
    token,
    form: {
      csrf: await formToken(linkKey, token),
      lang: 'zh',
      text: version.languages.zh.textSha256,
      statement: 'agree',
      name: official.name,
    },
    requestId: crypto.randomUUID(),
    userAgent: 'overload-test',
    ip: undefined,
    now: new Date(),
    retries: fast,
  }
}

const recordsOf = (externalId: string) =>
  rowsIn<{ receipt_id: string }>(
    shard(),
    'SELECT receipt_id FROM acknowledgements WHERE external_id = ?',
    externalId,
  )

async function acknowledgedInUnit() {
  const status = await versionStatus(shards(), {
    notice: NOTICE,
    version: 2,
    unit: UNIT,
    now: new Date(),
  })
  return status.totals.acknowledged
}

describe(`overload with ${N()} shard(s)`, () => {
  it('retries an overloaded write with jitter: one record, counted once', async () => {
    const before = await acknowledgedInUnit()
    let tries = 0
    const result = await submitAcknowledgement(
      loaded((sql) => (writesAcknowledgement(sql) && ++tries <= 2 ? 'overloaded' : 'pass')),
      secrets,
      await submission('P-0'),
    )
    expect(tries).toBe(3)
    expect('record' in result && result.created).toBe(true)
    expect(await recordsOf('P-0')).toHaveLength(1)
    expect(await acknowledgedInUnit()).toBe(before + 1)
  })

  it('a write whose answer was lost after the commit is retried: still one record, counted once', async () => {
    const before = await acknowledgedInUnit()
    let tries = 0
    const result = await submitAcknowledgement(
      loaded((sql) => (writesAcknowledgement(sql) && ++tries === 1 ? 'lost-after-commit' : 'pass')),
      secrets,
      await submission('P-1'),
    )
    expect(tries).toBe(2)
    expect('record' in result).toBe(true)
    expect(await recordsOf('P-1')).toHaveLength(1)
    expect(await acknowledgedInUnit()).toBe(before + 1)
  })

  it('stays overloaded, no Queue: 503 "nothing was saved", which is true; the next try records it', async () => {
    const before = await acknowledgedInUnit()
    const failure = await submitAcknowledgement(
      loaded((sql) => (writesAcknowledgement(sql) ? 'overloaded' : 'pass')),
      secrets,
      await submission('P-2'),
    ).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(AppError)
    expect(failure).toMatchObject({ status: 503, code: 'storage_unavailable' })
    expect(await recordsOf('P-2')).toHaveLength(0)
    expect(await acknowledgedInUnit()).toBe(before)
    await submitAcknowledgement(shards(), secrets, await submission('P-2'))
    expect(await recordsOf('P-2')).toHaveLength(1)
    expect(await acknowledgedInUnit()).toBe(before + 1)
  })

  it('answers lost every time, no Queue: 503 that does not say nothing was saved, and it was', async () => {
    const failure = await submitAcknowledgement(
      loaded((sql) => (writesAcknowledgement(sql) ? 'lost-after-commit' : 'pass')),
      secrets,
      await submission('P-3'),
    ).catch((error: unknown) => error)
    expect(failure).toMatchObject({ status: 503, code: 'write_unconfirmed' })
    expect((failure as AppError).message).not.toMatch(/nothing was saved/)
    expect(await recordsOf('P-3')).toHaveLength(1)
  })

  it('stays overloaded, with the Queue: "being recorded", then recorded once by the consumer', async () => {
    const before = await acknowledgedInUnit()
    const sent: AcknowledgementMessage[] = []
    const queue = {
      send: async (body: AcknowledgementMessage, options?: QueueSendOptions) => {
        sent.push(body)
        await env.ACK_QUEUE.send(body, options)
      },
    } as unknown as Queue<AcknowledgementMessage>
    const result = await submitAcknowledgement(
      loaded((sql) => (writesAcknowledgement(sql) ? 'overloaded' : 'pass')),
      secrets,
      { ...(await submission('P-4')), queue },
    )
    expect('pending' in result).toBe(true)
    expect(sent).toHaveLength(1)
    // The Worker's own queue() handler writes it, with the real bindings.
    for (let i = 0; i < 100 && (await recordsOf('P-4')).length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 100))
    const stored = await recordsOf('P-4')
    expect(stored).toEqual([
      { receipt_id: (result as { pending: { receiptId: string } }).pending.receiptId },
    ])
    expect(await acknowledgedInUnit()).toBe(before + 1)

    // Redelivered twice, and while the shard is overloaded once: acked, retried, never doubled.
    const outcomes: string[] = []
    const message = (attempts: number) => ({
      body: sent[0],
      attempts,
      ack: () => outcomes.push('ack'),
      retry: () => outcomes.push('retry'),
    })
    const overloaded = loaded((sql) => (writesAcknowledgement(sql) ? 'overloaded' : 'pass'))
    expect(await consumeAcknowledgements([message(2)], overloaded)).toMatchObject({ retried: 1 })
    expect(await consumeAcknowledgements([message(3), message(3)], shards())).toMatchObject({
      existing: 2,
      written: 0,
    })
    expect(outcomes).toEqual(['retry', 'ack', 'ack'])
    expect(await recordsOf('P-4')).toHaveLength(1)
    expect(await acknowledgedInUnit()).toBe(before + 1)

    // The official submits again: the record already there is the answer.
    const again = await submitAcknowledgement(shards(), secrets, await submission('P-4'))
    expect('record' in again && again.record.receiptId).toBe(stored[0]!.receipt_id)
    expect(await recordsOf('P-4')).toHaveLength(1)
  })

  it('a queued message for a record that is written meanwhile adds nothing', async () => {
    const before = await acknowledgedInUnit()
    const sent: AcknowledgementMessage[] = []
    const queue = { send: async (body: AcknowledgementMessage) => void sent.push(body) }
    const pending = await submitAcknowledgement(
      loaded((sql) => (writesAcknowledgement(sql) ? 'overloaded' : 'pass')),
      secrets,
      { ...(await submission('P-5')), queue: queue as unknown as Queue<AcknowledgementMessage> },
    )
    expect('pending' in pending).toBe(true)
    // Before the consumer runs, the official tries again and the shard takes it.
    const direct = await submitAcknowledgement(shards(), secrets, await submission('P-5'))
    expect('record' in direct && direct.created).toBe(true)
    const acks: string[] = []
    const outcome = await consumeAcknowledgements(
      [
        {
          body: sent[0],
          attempts: 1,
          ack: () => acks.push('ack'),
          retry: () => acks.push('retry'),
        },
      ],
      shards(),
    )
    expect(outcome).toMatchObject({ written: 0, existing: 1 })
    expect(acks).toEqual(['ack'])
    expect(await recordsOf('P-5')).toHaveLength(1)
    expect(await acknowledgedInUnit()).toBe(before + 1)
  })
})
