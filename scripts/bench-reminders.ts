/**
 * npm run bench:reminders — reminder throughput per channel type, through the local Queue to a
 * local receiver, with the robots' rate limits applied and without (REMINDER_RATE_LIMITS=off).
 *
 * For each mode it starts `wrangler dev` (its own local D1 and Queue, on 127.0.0.1), loads a
 * roster of PER_TYPE units per channel type (one official each), gives every unit a group
 * channel (the PER_TYPE channels of a type all point at one robot of the local receiver, which
 * checks signatures, so the robot's limit is what binds), hands out links due today, runs the
 * pass once and times the deliveries as the receiver sees them. Prints deliveries/s per type and
 * the ratio limited/unlimited. Ports: BENCH_PORT (default 8856: the Worker, 8857 its inspector),
 * the receiver on BENCH_PORT+2. Bounded: PER_TYPE (default 30, at most 60) reminders per type.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import path from 'node:path'
import { startReceiver } from '../test/receiver/server'
import { readDevVar } from './dev-vars'
import { readFileSync } from 'node:fs'
import { benchKit, root } from './bench-kit'

const { run } = benchKit('bench:reminders')
const PORT = Number(process.env.BENCH_PORT ?? 8856)
const RECEIVER_PORT = PORT + 2
const PER_TYPE = Math.max(1, Math.min(Number(process.env.PER_TYPE ?? 30), 60))
const TYPES = ['wecom', 'dingtalk', 'feishu', 'webhook'] as const
const SECRETS: Record<string, string | undefined> = {
  wecom: undefined,
  dingtalk: 'SECbench-dingtalk',
  feishu: 'bench-feishu',
  webhook: 'bench-webhook',
}
const base = `http://127.0.0.1:${PORT}`

async function waitFor(server: ChildProcess) {
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error('wrangler dev exited')
    try {
      if ((await fetch(`${base}/api/notices`)).ok) return
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error('wrangler dev did not start')
}

/** Today for reminders, as the Worker counts it (Asia/Shanghai, days start at 09:00). */
function reminderToday() {
  const shifted = new Date(Date.now() - 9 * 3_600_000)
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(shifted)
}

async function mode(limits: boolean, token: string) {
  const persist = path.join(root, `.wrangler/bench-reminders-${limits ? 'on' : 'off'}`)
  rmSync(persist, { recursive: true, force: true })
  run('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist])
  const args = [
    'wrangler',
    'dev',
    '--port',
    String(PORT),
    '--inspector-port',
    String(PORT + 1),
    '--ip',
    '127.0.0.1',
    '--persist-to',
    persist,
  ]
  if (!limits) args.push('--var', 'REMINDER_RATE_LIMITS:off')
  const server = spawn('npx', args, {
    cwd: root,
    stdio: ['ignore', 'ignore', 'ignore'],
    detached: true,
  })
  const receiver = await startReceiver(RECEIVER_PORT)
  try {
    await waitFor(server)
    const H = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }
    const unitOf = (type: string, i: number) => `基准省/${type}/单位${i}`
    const csv = ['external_id,name,unit']
    for (const type of TYPES)
      for (let i = 0; i < PER_TYPE; i++)
        csv.push(`B-${type}-${i},干部${type}${i},${unitOf(type, i)}`)
    const roster = await fetch(`${base}/api/admin/roster`, {
      method: 'POST',
      headers: { ...H, 'Content-Type': 'text/csv' },
      body: csv.join('\n'),
    })
    if (!roster.ok) throw new Error(`roster: ${roster.status} ${await roster.text()}`)
    const links = await fetch(`${base}/api/admin/links?format=json`, {
      method: 'POST',
      headers: H,
      body: JSON.stringify({
        notice: 'wechat-red-lines',
        version: 2,
        unit: '基准省',
        dueDate: reminderToday(),
        expiresInDays: 30,
      }),
    })
    if (!links.ok) throw new Error(`links: ${links.status} ${await links.text()}`)
    for (const type of TYPES) {
      await fetch(`http://127.0.0.1:${RECEIVER_PORT}/_register`, {
        method: 'POST',
        body: JSON.stringify({ path: `/robot/${type}`, type, secret: SECRETS[type] }),
      })
      for (let i = 0; i < PER_TYPE; i++) {
        const r = await fetch(`${base}/api/admin/channels`, {
          method: 'POST',
          headers: H,
          body: JSON.stringify({
            unit: unitOf(type, i),
            type,
            url: `http://127.0.0.1:${RECEIVER_PORT}/robot/${type}`,
            secret: SECRETS[type],
          }),
        })
        if (r.status !== 201) throw new Error(`channel: ${r.status} ${await r.text()}`)
      }
    }
    const started = Date.now()
    const pass = (await (
      await fetch(`${base}/api/admin/reminders/run`, {
        method: 'POST',
        headers: H,
        body: JSON.stringify({ notice: 'wechat-red-lines', version: 2 }),
      })
    ).json()) as { enqueued: number }
    if (pass.enqueued !== PER_TYPE * TYPES.length)
      throw new Error(`the pass enqueued ${pass.enqueued}`)
    const deadline = started + 240_000
    const done = () =>
      TYPES.every(
        (t) =>
          receiver.received.filter((r) => r.path === `/robot/${t}` && r.status < 300).length >=
          PER_TYPE,
      )
    while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    const result: Record<
      string,
      { delivered: number; seconds: number; perSecond: number; verified: boolean }
    > = {}
    for (const type of TYPES) {
      const hits = receiver.received.filter((r) => r.path === `/robot/${type}` && r.status < 300)
      const last = hits.length ? Date.parse(hits[hits.length - 1]!.at) : Date.now()
      const seconds = (last - started) / 1000
      result[type] = {
        delivered: hits.length,
        seconds,
        perSecond: hits.length / seconds,
        verified: hits.every((h) => h.verified !== false),
      }
    }
    return result
  } finally {
    receiver.close()
    if (server.pid) process.kill(-server.pid, 'SIGTERM')
    await new Promise((r) => setTimeout(r, 1500))
  }
}

async function main() {
  run('npx', ['tsx', 'scripts/setup-local.ts'])
  run('npm', ['run', 'build', '--silent'])
  const token = readDevVar(readFileSync(path.join(root, '.dev.vars'), 'utf8'), 'ADMIN_TOKEN')
  if (!token) throw new Error('no ADMIN_TOKEN in .dev.vars')
  console.log(
    `bench:reminders: ${PER_TYPE} reminders per channel type, one robot per type, through the local Queue (max_batch_size 10, max_concurrency 1)`,
  )
  const off = await mode(false, token)
  const on = await mode(true, token)
  console.log(
    'type      limit          unlimited: n  s      /s    | limited: n  s      /s    | ratio',
  )
  for (const type of TYPES) {
    const limit = { wecom: '20/min', dingtalk: '20/min', feishu: '100/min 5/s', webhook: '60/min' }[
      type
    ]
    const u = off[type]!
    const l = on[type]!
    console.log(
      `${type.padEnd(9)} ${limit.padEnd(14)} ${String(u.delivered).padStart(12)} ${u.seconds.toFixed(1).padStart(6)} ${u.perSecond.toFixed(2).padStart(6)} | ${String(l.delivered).padStart(9)} ${l.seconds.toFixed(1).padStart(6)} ${l.perSecond.toFixed(2).padStart(6)} | ${(l.perSecond / u.perSecond).toFixed(2)}x${u.verified && l.verified ? '' : '  (signature failures!)'}`,
    )
  }
}

main().catch((error) => {
  console.error(`bench:reminders: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(2)
})
