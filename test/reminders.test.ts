/**
 * Reminders end to end inside workerd: channels through the admin API, the pass (API and cron),
 * the real local Queue and its consumer posting to a real HTTP receiver on 127.0.0.1
 * (test/receiver/server.ts), which checks each service's signature.
 */
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import worker from '../src/index'
import { backoffSeconds, rateWait } from '../src/reminders/deliver'
import { reminderDay, addDays } from '../src/reminders/plan'
import { admin, call, createLinks, importRoster, NOTICE } from './ack-helpers'
import { addAdmin, accessBrowser } from './console-helpers'
import { RECEIVER, received, register, until } from './reminder-helpers'

const today = reminderDay(new Date(), 'Asia/Shanghai')

const jsonPost = (path: string, body: unknown, headers: Record<string, string> = admin()) =>
  call(path, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })

async function setChannel(body: Record<string, unknown>) {
  const r = await jsonPost('/api/admin/channels', body)
  expect(r.status, await r.clone().text()).toBe(201)
  return ((await r.json()) as { channel: { id: string; url: string; signed: boolean } }).channel
}

const run = (version = 2) => jsonPost('/api/admin/reminders/run', { notice: NOTICE, version })
const rows = async <T>(sql: string, ...binds: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...binds)
      .all<T>()
  ).results

let seq = 0
/** A unit of its own for each test, with two officials and links due on `due`. */
async function rollout(due: string) {
  const unit = `测试省/提醒${++seq}`
  const csv = `external_id,name,unit\nRM-${seq}-1,赵一${seq},${unit}\nRM-${seq}-2,钱二${seq},${unit}/分部\n`
  expect((await importRoster(csv)).status).toBe(200)
  await createLinks({ unit, dueDate: due, expiresInDays: 30 })
  return unit
}

describe('channels API', () => {
  it('stores the URL and secret encrypted and shows them back only masked', async () => {
    const url = `${RECEIVER}/wecom/masked?key=0123456789abcdef-secret-key`
    const channel = await setChannel({
      unit: '测试省/掩码',
      type: 'dingtalk',
      url,
      secret: 'SECdingtalk-secret',
    })
    expect(channel.url).toBe(`${RECEIVER}/…-key`)
    expect(channel.signed).toBe(true)
    const listed = await (await call('/api/admin/channels', { headers: admin() })).text()
    expect(listed).not.toContain('0123456789abcdef')
    expect(listed).not.toContain('SECdingtalk-secret')
    const [stored] = await rows<Record<string, string>>(
      'SELECT * FROM reminder_channels WHERE id = ?',
      channel.id,
    )
    expect(JSON.stringify(stored)).not.toContain('0123456789abcdef')
    expect(JSON.stringify(stored)).not.toContain('dingtalk-secret')
    const [entry] = await rows<{ action: string; target: string }>(
      "SELECT action, target FROM audit_log WHERE action = 'channel.set' AND target = ?",
      channel.id,
    )
    expect(entry).toBeTruthy()
  })

  it.each([
    [{ type: 'wecom', url: 'https://example.org/cgi-bin/webhook/send?key=x' }, 'invalid_url'],
    [{ type: 'wecom', url: 'ftp://127.0.0.1/x' }, 'invalid_url'],
    [{ type: 'feishu', url: 'not a url' }, 'invalid_url'],
    [{ type: 'webhook', url: 'https://hooks.example.org/x' }, 'secret_required'],
    [{ type: 'slack', url: 'https://hooks.example.org/x' }, 'invalid_request'],
    [{ type: 'wecom', url: 'https://user:pw@qyapi.weixin.qq.com/x' }, 'invalid_url'],
  ])('refuses %j with %s, naming no part of the URL', async (input, code) => {
    const r = await jsonPost('/api/admin/channels', { unit: '测试省/拒绝', ...input })
    expect([400, 422]).toContain(r.status)
    const body = (await r.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe(code)
    expect(body.error.message).not.toContain('key=x')
  })

  it('accepts the services’ own https hosts', async () => {
    for (const [type, url] of [
      ['wecom', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc'],
      ['dingtalk', 'https://oapi.dingtalk.com/robot/send?access_token=abc'],
      ['feishu', 'https://open.feishu.cn/open-apis/bot/v2/hook/abc'],
    ])
      await setChannel({ unit: `测试省/官方/${type}`, type, url })
  })

  it('refuses http://127.0.0.1 when ALLOW_LOCAL_WEBHOOKS is not "true" (production)', async () => {
    const production = { ...env, ALLOW_LOCAL_WEBHOOKS: 'false' }
    const r = await worker.fetch(
      new Request('http://localhost/api/admin/channels', {
        method: 'POST',
        headers: { ...admin(), 'Content-Type': 'application/json' },
        body: JSON.stringify({ unit: '测试省/生产', type: 'wecom', url: `${RECEIVER}/x` }),
      }),
      production,
      createExecutionContext(),
    )
    expect(r.status).toBe(422)
    expect(((await r.json()) as { error: { message: string } }).error.message).toContain(
      'only https',
    )
  })

  it('a unit admin cannot set a channel outside their subtree, and nothing is stored', async () => {
    await addAdmin('sec@example.org', 'unit_admin', '测试省/自己')
    const browserHeaders = (await accessBrowser('sec@example.org')).headers
    const r = await jsonPost(
      '/api/admin/channels',
      { unit: '测试省/别人', type: 'wecom', url: `${RECEIVER}/x` },
      browserHeaders,
    )
    expect(r.status).toBe(403)
    expect(await rows("SELECT id FROM reminder_channels WHERE unit = '测试省/别人'")).toHaveLength(
      0,
    )
    const inside = await jsonPost(
      '/api/admin/channels',
      { unit: '测试省/自己/下级', type: 'wecom', url: `${RECEIVER}/x` },
      browserHeaders,
    )
    expect(inside.status).toBe(201)
  })
})

describe('the pass and the queue', () => {
  it('enqueues a due reminder once however often it runs, and the queue delivers it, signed', async () => {
    const unit = await rollout(today)
    await register('/hook/idem', 'webhook', 'webhook-secret')
    await setChannel({
      unit,
      type: 'webhook',
      url: `${RECEIVER}/hook/idem`,
      secret: 'webhook-secret',
    })
    const first = (await (await run()).json()) as { enqueued: number; already: number }
    const again = (await (await run()).json()) as { enqueued: number; already: number }
    expect(first.enqueued).toBeGreaterThanOrEqual(1)
    expect(again.enqueued).toBe(0)
    expect(again.already).toBe(first.enqueued)
    const [hit] = await until('the webhook', async () => {
      const r = await received('/hook/idem')
      return r.length ? r : undefined
    })
    expect(hit!.verified).toBe(true)
    expect(hit!.headers['x-redlines-signature']).toMatch(/^sha256=[0-9a-f]{64}$/)
    const payload = JSON.parse(hit!.body) as {
      unit: string
      slot: string
      outstanding: number
      names: string[]
      text: string
      noticeUrl: string
    }
    expect(payload).toMatchObject({ unit, slot: 'due', outstanding: 2 })
    expect(payload.names.sort()).toEqual([`赵一${seq}`, `钱二${seq}`].sort())
    expect(payload.noticeUrl).toBe(`http://localhost/notices/${NOTICE}/versions/2`)
    expect(payload.text).not.toContain('/a/')
    const [delivery] = await until('the delivery to be recorded as sent', async () => {
      const d = await rows<{ status: string; officials: number; id: string }>(
        "SELECT * FROM reminder_deliveries WHERE unit = ? AND status = 'sent'",
        unit,
      )
      return d.length ? d : undefined
    })
    expect(delivery!.officials).toBe(2)
    const attempts = await rows<{ outcome: string }>(
      'SELECT outcome FROM reminder_attempts WHERE delivery_id = ?',
      delivery!.id,
    )
    expect(attempts.map((a) => a.outcome)).toEqual(['sent'])
    // Once more after delivery: still nothing new.
    expect(((await (await run()).json()) as { enqueued: number }).enqueued).toBe(0)
  })

  it.each([
    ['dingtalk', 'SECding-secret'],
    ['feishu', 'feishu-secret'],
    ['wecom', undefined],
  ])('%s: the receiver checks the signature the service documents', async (type, secret) => {
    const unit = await rollout(addDays(today, 3))
    const path = `/robot/${type}`
    await register(path, type, secret)
    await setChannel({ unit, type, url: `${RECEIVER}${path}?key=k`, secret, privacy: 'counts' })
    await run()
    const [hit] = await until(`the ${type} robot`, async () => {
      const r = await received(path)
      return r.length ? r : undefined
    })
    expect(hit!.verified).toBe(secret ? true : null)
    const body = JSON.parse(hit!.body) as Record<string, unknown>
    const text =
      type === 'feishu'
        ? (body.content as { text: string }).text
        : (body.text as { content: string }).content
    expect(text).toContain('还有 2 人未完成确认')
    expect(text).toContain('还有 3 天')
    // counts only: no names
    expect(text).not.toContain(`赵一${seq}`)
    if (type === 'feishu') expect(body).toMatchObject({ msg_type: 'text' })
    else expect(body).toMatchObject({ msgtype: 'text' })
  })

  it('escalates to the leaders channel after 7 days overdue, and the group hears too', async () => {
    const unit = await rollout(addDays(today, -8))
    await register('/esc/group', 'wecom')
    await register('/esc/leaders', 'wecom')
    await setChannel({ unit, type: 'wecom', url: `${RECEIVER}/esc/group` })
    await setChannel({ unit, type: 'wecom', url: `${RECEIVER}/esc/leaders`, purpose: 'leaders' })
    await run()
    const leaders = await until('the leaders', async () => (await received('/esc/leaders'))[0])
    const group = await until('the group', async () => (await received('/esc/group'))[0])
    expect(JSON.parse(leaders.body).text.content).toContain('【督办】')
    expect(JSON.parse(group.body).text.content).toContain('已逾期 8 天')
  })

  it('a sub-unit without a channel is covered by its parent’s; one with its own is not named twice', async () => {
    const unit = await rollout(today)
    await register('/tree/parent', 'wecom')
    await register('/tree/child', 'wecom')
    await setChannel({ unit, type: 'wecom', url: `${RECEIVER}/tree/parent` })
    await setChannel({ unit: `${unit}/分部`, type: 'wecom', url: `${RECEIVER}/tree/child` })
    await run()
    const parent = await until('parent', async () => (await received('/tree/parent'))[0])
    const child = await until('child', async () => (await received('/tree/child'))[0])
    expect(JSON.parse(parent.body).text.content).toContain(`赵一${seq}`)
    expect(JSON.parse(parent.body).text.content).not.toContain(`钱二${seq}`)
    expect(JSON.parse(child.body).text.content).toContain(`钱二${seq}`)
  })

  it('nothing is due before the plan’s first date; the plan can be changed per rollout', async () => {
    const unit = await rollout(addDays(today, 5))
    await setChannel({ unit, type: 'wecom', url: `${RECEIVER}/plan/early` })
    const before = (await (await run()).json()) as { due: number; enqueued: number }
    const mine = await rows(`SELECT id FROM reminder_deliveries WHERE unit = ?`, unit)
    expect(mine).toHaveLength(0)
    const put = await call(`/api/admin/reminders/plan/${NOTICE}/2`, {
      method: 'PUT',
      headers: { ...admin(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ beforeDays: 5 }),
    })
    expect(put.status).toBe(200)
    expect(await put.json()).toMatchObject({
      plan: { beforeDays: 5, repeatDays: 2, enabled: true },
    })
    await run()
    expect(
      await rows(`SELECT id FROM reminder_deliveries WHERE unit = ? AND slot = 'before'`, unit),
    ).toHaveLength(1)
    expect(before.enqueued).toBeGreaterThanOrEqual(0)
    // Back to the default for the other tests.
    await call(`/api/admin/reminders/plan/${NOTICE}/2`, {
      method: 'PUT',
      headers: { ...admin(), 'Content-Type': 'application/json' },
      body: '{}',
    })
  })

  it.each([
    [{ beforeDays: -1 }, 400],
    [{ repeatDays: 31 }, 400],
    [{ dueDate: '2026-13-01' }, 422],
  ])('refuses the plan %j', async (plan, status) => {
    const r = await call(`/api/admin/reminders/plan/${NOTICE}/2`, {
      method: 'PUT',
      headers: { ...admin(), 'Content-Type': 'application/json' },
      body: JSON.stringify(plan),
    })
    expect(r.status).toBe(status)
  })

  it('the cron runs the same pass', async () => {
    const unit = await rollout(today)
    await register('/cron/hook', 'wecom')
    await setChannel({ unit, type: 'wecom', url: `${RECEIVER}/cron/hook` })
    const ctx = createExecutionContext()
    await worker.scheduled(
      createScheduledController({ scheduledTime: new Date(), cron: '*/15 * * * *' }),
      env,
      ctx,
    )
    await waitOnExecutionContext(ctx)
    expect(await rows(`SELECT id FROM reminder_deliveries WHERE unit = ?`, unit)).toHaveLength(1)
    const hit = await until('cron delivery', async () => (await received('/cron/hook'))[0])
    // The cron has no request to take an address from, and PUBLIC_ORIGIN is empty here.
    expect(JSON.parse(hit.body).text.content).not.toContain('http')
  })

  it('a failing receiver is retried, and after max_retries the message is dead-lettered', async () => {
    const unit = await rollout(today)
    await register('/down', 'wecom', undefined, 1000)
    await setChannel({ unit, type: 'wecom', url: `${RECEIVER}/down` })
    await run()
    const [dead] = await until(
      'the dead letter',
      async () => {
        const d = await rows<{ id: string; attempts: number }>(
          "SELECT * FROM reminder_deliveries WHERE unit = ? AND status = 'dead'",
          unit,
        )
        return d.length ? d : undefined
      },
      60_000,
    )
    const outcomes = (
      await rows<{ outcome: string }>(
        'SELECT outcome FROM reminder_attempts WHERE delivery_id = ? ORDER BY id',
        dead!.id,
      )
    ).map((a) => a.outcome)
    expect(outcomes).toEqual([
      'retried',
      'retried',
      'retried',
      'retried',
      'retried',
      'failed',
      'dead_lettered',
    ])
    expect((await received('/down')).length).toBe(6)
  }, 90_000)
})

describe('the consumer, one batch at a time', () => {
  /** A delivery the real queue never saw: the test hands it to the consumer itself. */
  async function unqueued(unit: string, channelId: string) {
    const id = `rd_test_${++seq}`
    await env.DB.prepare(
      `INSERT INTO reminder_deliveries (id, notice_id, version, channel_id, unit, purpose, slot_date, slot, due_date, status, attempts, created_at, updated_at)
       VALUES (?, ?, 2, ?, ?, 'group', ?, 'due', ?, 'queued', 0, ?, ?)`,
    )
      .bind(
        id,
        NOTICE,
        channelId,
        unit,
        today,
        today,
        new Date().toISOString(),
        new Date().toISOString(),
      )
      .run()
    return id
  }

  async function consume(id: string, attempts: number, environment: Env = env) {
    const batch = createMessageBatch('redlines-reminders', [
      {
        id: `m${attempts}`,
        timestamp: new Date(),
        attempts,
        body: { deliveryId: id, origin: 'https://x.example' },
      },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch, environment, ctx)
    return getQueueResult(batch, ctx)
  }

  it('retries a failure with exponential backoff, then sends', async () => {
    // Officials without links: the pass has no due date for them, so only this test sends.
    const unit = `测试省/手动${++seq}`
    expect(
      (await importRoster(`external_id,name,unit\nRM-M-${seq},孙三${seq},${unit}\n`)).status,
    ).toBe(200)
    await register('/flaky', 'wecom', undefined, 2)
    const channel = await setChannel({ unit, type: 'wecom', url: `${RECEIVER}/flaky` })
    const id = await unqueued(unit, channel.id)
    const slow = { ...env, REMINDER_RETRY_SECONDS: '30' }
    expect((await consume(id, 1, slow)).retryMessages).toHaveLength(1)
    expect((await consume(id, 3, slow)).retryMessages).toHaveLength(1)
    expect((await consume(id, 4, slow)).explicitAcks).toHaveLength(1)
    const attempts = await rows<{ outcome: string; detail: string; http_status: number }>(
      'SELECT * FROM reminder_attempts WHERE delivery_id = ? ORDER BY id',
      id,
    )
    expect(attempts.map((a) => [a.outcome, a.http_status, a.detail])).toEqual([
      ['retried', 500, 'HTTP 500; retry in 30 s'],
      ['retried', 500, 'HTTP 500; retry in 120 s'],
      ['sent', 200, 'ok'],
    ])
    const [d] = await rows<{ status: string; attempts: number }>(
      'SELECT * FROM reminder_deliveries WHERE id = ?',
      id,
    )
    expect(d).toMatchObject({ status: 'sent', attempts: 3 })
    // Delivered once: a copy of the message arriving again sends nothing.
    expect((await consume(id, 1)).explicitAcks).toHaveLength(1)
    expect(await received('/flaky')).toHaveLength(3)
  })

  it.each([
    [1, 30, 30],
    [2, 30, 60],
    [5, 30, 480],
    [20, 30, 3600],
    [3, 0, 0],
  ])('backoff before retry %i with base %i s: %i s', (attempt, base, expected) => {
    expect(backoffSeconds(attempt, base)).toBe(expected)
  })

  const now = new Date('2026-12-02T10:00:00.000Z')
  const ago = (ms: number) => new Date(now.getTime() - ms).toISOString()
  it.each([
    [
      '19 in the minute: go',
      { perMinute: 20 },
      Array.from({ length: 19 }, (_, i) => ago(50_000 - i)),
      0,
    ],
    [
      '20 in the minute: wait until the oldest leaves it',
      { perMinute: 20 },
      [ago(50_000), ...Array.from({ length: 19 }, () => ago(1000))],
      10,
    ],
    [
      '20, all older than a minute: go',
      { perMinute: 20 },
      Array.from({ length: 20 }, () => ago(61_000)),
      0,
    ],
    [
      '5 in the second (Feishu): wait a second',
      { perMinute: 100, perSecond: 5 },
      Array.from({ length: 5 }, () => ago(300)),
      1,
    ],
  ])('rate limit: %s', (_, limit, recent, wait) => {
    expect(rateWait(limit, recent, now)).toBe(wait)
  })

  it('a robot at its limit is not called: the reminder waits as a new message, spending no retry', async () => {
    const unit = await rollout(today)
    await register('/busy', 'wecom')
    const channel = await setChannel({ unit, type: 'wecom', url: `${RECEIVER}/busy` })
    const [{ rate_key: rateKey }] = (await rows<{ rate_key: string }>(
      'SELECT rate_key FROM reminder_channels WHERE id = ?',
      channel.id,
    )) as [{ rate_key: string }]
    // 20 requests to this robot in the last minute (another unit's channel sharing it, say).
    const at = new Date(Date.now() - 5000).toISOString()
    for (let i = 0; i < 20; i++)
      await env.DB.prepare(
        "INSERT INTO reminder_attempts (delivery_id, rate_key, at, outcome, attempt) VALUES ('other', ?, ?, 'sent', 1)",
      )
        .bind(rateKey, at)
        .run()
    await run()
    const [d] = await rows<{ id: string }>(
      'SELECT id FROM reminder_deliveries WHERE unit = ?',
      unit,
    )
    const deferred = await until('the deferral', async () => {
      const a = await rows<{ outcome: string; detail: string }>(
        "SELECT * FROM reminder_attempts WHERE delivery_id = ? AND outcome = 'deferred'",
        d!.id,
      )
      return a[0]
    })
    expect(deferred.detail).toMatch(/rate limit: waits (5[0-9]|60) s/)
    expect(await received('/busy')).toHaveLength(0)
  })

  it('the dead-letter queue records what gave up', async () => {
    const unit = await rollout(today)
    const channel = await setChannel({ unit, type: 'wecom', url: `${RECEIVER}/nowhere` })
    const id = await unqueued(unit, channel.id)
    const batch = createMessageBatch('redlines-reminders-dead', [
      { id: 'd1', timestamp: new Date(), attempts: 1, body: { deliveryId: id, origin: '' } },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch, env, ctx)
    expect((await getQueueResult(batch, ctx)).explicitAcks).toContain('d1')
    const [d] = await rows<{ status: string }>(
      'SELECT status FROM reminder_deliveries WHERE id = ?',
      id,
    )
    expect(d!.status).toBe('dead')
  })
})

describe('deliveries API', () => {
  it('lists deliveries with their attempts, inside the reader’s subtree only', async () => {
    const r = await call(`/api/admin/reminders/deliveries?notice=${NOTICE}&version=2`, {
      headers: admin(),
    })
    expect(r.status).toBe(200)
    const { deliveries } = (await r.json()) as {
      deliveries: { unit: string; attemptLog: unknown[] }[]
    }
    expect(deliveries.length).toBeGreaterThan(0)
    await addAdmin('sec2@example.org', 'unit_admin', '测试省/提醒1')
    const scoped = await call('/api/admin/reminders/deliveries', {
      headers: (await accessBrowser('sec2@example.org')).headers,
    })
    const mine = ((await scoped.json()) as { deliveries: { unit: string }[] }).deliveries
    expect(mine.every((d) => d.unit === '测试省/提醒1' || d.unit.startsWith('测试省/提醒1/'))).toBe(
      true,
    )
  })

  it('only owners of the whole roster run the pass or change a plan', async () => {
    await addAdmin('sec3@example.org', 'unit_admin', '测试省')
    const headers = (await accessBrowser('sec3@example.org')).headers
    expect(
      (await jsonPost('/api/admin/reminders/run', { notice: NOTICE, version: 2 }, headers)).status,
    ).toBe(403)
  })
})
