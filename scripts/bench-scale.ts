/**
 * npm run bench:scale — acknowledgements over 4 shards and over 1, through the real local
 * runtime: `wrangler dev` with wrangler.scale.toml (miniflare's D1 for DB and DB_SHARD_1..3, and
 * its Queue), on 127.0.0.1 only, each run on a fresh local state under .wrangler/bench-scale.
 *
 * Each run: routes 8 provinces to the shards (province k to shard k % N), imports
 * BENCH_OFFICIALS generated officials (default 20,000) province by province, creates their links,
 * then
 *   1. the baseline: BENCH_BARE (default 5,000) bare inserts of a record-sized row into the
 *      shards (an endpoint only the bench Worker has), with the same concurrent clients;
 *   2. every official acknowledges (open the page, post the form; 5% post twice at once), with
 *      BENCH_CONCURRENCY clients (default 50); a 202 ("received, being recorded": queued) counts
 *      once the record is there;
 *   3. status of the whole unit tree and of one province, timed;
 *   4. per shard: checkpoints over the new records and the chunked full audit, timed per 1,000
 *      records; with several shards, a global checkpoint;
 *   5. the count from the databases' side: records per official, in every shard.
 * Prints, for each run: acks/s, p50/p99, D1 rows written and bytes stored per acknowledgement
 * (D1's own meta, metered by the bench Worker), the ratios to the bare insert, the status and
 * verification times, and a last line `N lost, N duplicated, 4 shards` (or `1 shard`).
 * Bounded: at most 50,000 officials, 200 clients, BENCH_SECONDS (default 600) for each of the
 * bare-insert and acknowledgement phases; a phase cut short says how far it got, and `lost` and
 * `duplicated` are then of the officials it reached (the rest simply have not acknowledged).
 * Ports BENCH_PORT (default 8873) and the three after it (dev server and inspector, twice).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, existsSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { readDevVar } from './dev-vars'
import { benchKit, root } from './bench-kit'

const kit = benchKit('bench:scale')
// Annotated, so that TypeScript narrows after a call to it (a destructured never does not).
const fail: (message: string) => never = kit.fail
const run = kit.run
const CONFIG = 'wrangler.scale.toml'
const OFFICIALS = Math.min(Number(process.env.BENCH_OFFICIALS ?? 20_000), 50_000)
const BARE = Math.min(Number(process.env.BENCH_BARE ?? 5_000), 50_000)
const CONCURRENCY = Math.min(Number(process.env.BENCH_CONCURRENCY ?? 50), 200)
const SECONDS = Math.min(Number(process.env.BENCH_SECONDS ?? 600), 3600)
const PORT = Number(process.env.BENCH_PORT ?? 8873)
const PROVINCES = 8
const DUPLICATE_EVERY = 20
const NOTICE = 'wechat-red-lines'

const percentile = (sorted: number[], p: number) =>
  sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
    : NaN
const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  )
const ms = (n: number) => `${n.toFixed(1)} ms`

const surnames = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗'
const given = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英'
const nameOf = (i: number) =>
  `${surnames[i % surnames.length]}${given[Math.floor(i / surnames.length) % given.length]}${given[(i * 7) % given.length]}`

interface Setup {
  label: string
  shards: number
  env?: string
  port: number
}

interface Meter {
  rowsWritten: number
  rowsRead: number
  queries: number
  sizeAfter: number | null
}

async function startWorker(setup: Setup, persist: string): Promise<ChildProcess> {
  const envArgs = setup.env ? ['--env', setup.env] : []
  for (let n = 0; n < setup.shards; n++)
    run('npx', [
      'wrangler',
      'd1',
      'migrations',
      'apply',
      n === 0 ? 'DB' : `DB_SHARD_${n}`,
      '--local',
      '--config',
      CONFIG,
      ...envArgs,
      '--persist-to',
      persist,
    ])
  const child = spawn(
    'npx',
    [
      'wrangler',
      'dev',
      '--config',
      CONFIG,
      ...envArgs,
      '--ip',
      '127.0.0.1',
      '--port',
      String(setup.port),
      '--inspector-port',
      String(setup.port + 1),
      '--persist-to',
      persist,
      '--test-scheduled',
      '--show-interactive-dev-session=false',
    ],
    {
      cwd: root,
      env: { ...process.env, CI: 'true' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  const log = createWriteStream(path.join(persist, 'wrangler-dev.log'))
  const keep = (chunk: Buffer) => {
    log.write(chunk)
    output = (output + chunk.toString()).slice(-4000)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const until = Date.now() + 120_000
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${setup.port}/api/notices`)
      if (response.ok) return child
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > until) {
      stopWorker(child)
      fail(`wrangler dev did not start:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

function stopWorker(child: ChildProcess) {
  if (child.pid && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {
      // already gone
    }
  }
}

async function measure(setup: Setup, token: string) {
  const origin = `http://127.0.0.1:${setup.port}`
  const auth = { Authorization: `Bearer ${token}` }
  // Every admin call here is safe to repeat (imports merge, routes are put, links are a new
  // batch only once the answer came back), so one the dev server dropped is sent again.
  async function api(method: string, pathname: string, body?: string, type?: string) {
    let response: Response
    for (let attempt = 0; ; attempt++) {
      response = await fetch(`${origin}${pathname}`, {
        method,
        headers: { ...auth, ...(type ? { 'Content-Type': type } : {}) },
        body,
      })
      if (response.status !== 503 || attempt >= 3) break
      console.log(
        `(${method} ${pathname.split('?')[0]}: 503 ${(await response.text()).slice(0, 80)}; again)`,
      )
      await new Promise((resolve) => setTimeout(resolve, 2000))
    }
    if (!response.ok)
      throw new Error(
        `${method} ${pathname}: ${response.status} ${(await response.text()).slice(0, 300)}`,
      )
    return response
  }
  const stats = async (reset = false) =>
    (await (await fetch(`${origin}/__bench/stats${reset ? '?reset' : ''}`)).json()) as Record<
      string,
      Meter
    >
  const notices = (await (await fetch(`${origin}/api/notices`)).json()) as {
    notices: { id: string; current: { version: number } | null }[]
  }
  const version = notices.notices.find((n) => n.id === NOTICE)?.current?.version
  if (!version) fail(`no version of ${NOTICE} in effect`)
  const run = `b${Date.now().toString(36)}`
  const province = (k: number) => `${run}省${k}`
  const shardOf = (k: number) => k % setup.shards

  console.log('')
  console.log(
    `== ${setup.label}: ${OFFICIALS} officials in ${PROVINCES} provinces, ${CONCURRENCY} clients, ${origin}`,
  )

  // Routes, then the roster province by province (an import is written to one shard).
  for (let k = 0; k < PROVINCES; k++)
    await api(
      'PUT',
      '/api/admin/shards/routes',
      JSON.stringify({ prefix: province(k), shard: shardOf(k) }),
      'application/json',
    )
  const officials = Array.from({ length: OFFICIALS }, (_, i) => ({
    externalId: `${run}-${String(i).padStart(5, '0')}`,
    name: nameOf(i),
    unit: `${province(i % PROVINCES)}/市${i % 24}/局${i % 96}`,
    province: i % PROVINCES,
  }))
  let t = Date.now()
  // Each import's time: flat if an import costs what its rows cost, not what the shard holds.
  const importSeconds: number[] = []
  for (let k = 0; k < PROVINCES; k++) {
    const mine = officials.filter((o) => o.province === k)
    for (let i = 0; i < mine.length; i += 2500) {
      const t0 = Date.now()
      await api(
        'POST',
        '/api/admin/roster',
        JSON.stringify({
          officials: mine
            .slice(i, i + 2500)
            .map(({ externalId, name, unit }) => ({ externalId, name, unit })),
        }),
        'application/json',
      )
      importSeconds.push((Date.now() - t0) / 1000)
    }
  }
  console.log(
    `roster import: ${OFFICIALS} rows in ${((Date.now() - t) / 1000).toFixed(1)} s (${importSeconds.length} imports of up to 2,500 rows, in order: ${importSeconds.map((x) => x.toFixed(1)).join(' ')} s)`,
  )
  t = Date.now()
  const links: { externalId: string; name: string; url: string; province: number }[] = []
  for (let k = 0; k < PROVINCES; k++) {
    const csv = await (
      await api(
        'POST',
        '/api/admin/links',
        JSON.stringify({ notice: NOTICE, version, unit: province(k), dueDate: '2099-12-31' }),
        'application/json',
      )
    ).text()
    for (const line of csv
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
      .slice(1)) {
      const [externalId, name, , url] = line.split(',')
      links.push({
        externalId: externalId!,
        name: name!,
        url: url!.replace(/^https?:\/\/[^/]+/, origin),
        province: k,
      })
    }
  }
  if (links.length !== OFFICIALS) fail(`expected ${OFFICIALS} links, got ${links.length}`)
  console.log(`links: ${links.length} in ${((Date.now() - t) / 1000).toFixed(1)} s`)

  async function clients(count: number, work: (i: number) => Promise<void>, total: number) {
    let next = 0
    const deadline = Date.now() + SECONDS * 1000
    let stopped = false
    await Promise.all(
      Array.from({ length: count }, async () => {
        for (;;) {
          if (Date.now() > deadline) {
            stopped = true
            return
          }
          const i = next++
          if (i >= total) return
          await work(i)
        }
      }),
    )
    return stopped
  }

  // 1. The baseline: one bare INSERT a request, same clients, spread over the shards.
  const bareLatency: number[] = []
  let bareFailures = 0
  await stats(true)
  t = performance.now()
  await clients(
    CONCURRENCY,
    async (i) => {
      const t0 = performance.now()
      const response = await fetch(`${origin}/__bench/bare?shard=${shardOf(i % PROVINCES)}`, {
        method: 'POST',
        body: JSON.stringify({ id: `${run}-bare-${i}` }),
      })
      await response.arrayBuffer()
      if (response.status !== 204) bareFailures++
      bareLatency.push(performance.now() - t0)
    },
    BARE,
  )
  const bareSeconds = (performance.now() - t) / 1000
  const barePerSecond = bareLatency.length / bareSeconds
  bareLatency.sort((a, b) => a - b)
  const bareMeters = await stats(true)
  const bareRows = Object.values(bareMeters).reduce((n, m) => n + m.rowsWritten, 0)

  // 2. Every official acknowledges.
  const before = await stats(true)
  const postLatency: number[] = []
  const flowLatency: number[] = []
  const failures = new Map<string, number>()
  const recorded = new Set<string>()
  const queued = new Set<string>()
  let duplicatesSent = 0
  const failed = (why: string) => failures.set(why, (failures.get(why) ?? 0) + 1)
  t = performance.now()
  const stopped = await clients(
    CONCURRENCY,
    async (i) => {
      const link = links[i]!
      const t0 = performance.now()
      try {
        // An official whose post the Worker could not take (503) tries again, a few times.
        for (let attempt = 0; attempt < 5; attempt++) {
          // A connection the local dev server closed under load is tried again, as a browser would.
          let page: Response
          let html: string
          try {
            page = await fetch(`${link.url}?lang=zh`)
            html = await page.text()
          } catch (error) {
            failed(`page: ${(error as Error).message}`)
            continue
          }
          if (page.status !== 200) {
            failed(`page ${page.status}`)
            continue
          }
          const field = (name: string) =>
            new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? ''
          const form = new URLSearchParams({
            csrf: field('csrf'),
            lang: 'zh',
            text: field('text'),
            statement: 'agree',
            name: link.name,
          }).toString()
          const copies = i % DUPLICATE_EVERY === 0 && attempt === 0 ? 2 : 1
          duplicatesSent += copies - 1
          const responses = await Promise.all(
            Array.from({ length: copies }, async () => {
              const p0 = performance.now()
              try {
                const response = await fetch(link.url, {
                  method: 'POST',
                  redirect: 'manual',
                  headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin },
                  body: form,
                })
                await response.arrayBuffer()
                postLatency.push(performance.now() - p0)
                return response.status
              } catch (error) {
                failed(`post: ${(error as Error).message}`)
                return 0
              }
            }),
          )
          if (responses.includes(303)) recorded.add(link.externalId)
          else if (responses.includes(202)) queued.add(link.externalId)
          for (const status of responses)
            if (status !== 303 && status !== 202 && status !== 0) failed(`post ${status}`)
          if (recorded.has(link.externalId) || queued.has(link.externalId)) break
        }
        flowLatency.push(performance.now() - t0)
      } catch (error) {
        failed((error as Error).message)
      }
    },
    links.length,
  )
  const ackSeconds = (performance.now() - t) / 1000
  const acksPerSecond = flowLatency.length / ackSeconds
  postLatency.sort((a, b) => a - b)
  flowLatency.sort((a, b) => a - b)

  // Queued submissions are written by the consumer: wait (bounded) until every one is there.
  const totals = async () =>
    (
      (await (await api('GET', `/api/admin/status/${NOTICE}/${version}`)).json()) as {
        totals: { roster: number; acknowledged: number }
      }
    ).totals
  const waitUntil = Date.now() + 120_000
  while ((await totals()).acknowledged < recorded.size + queued.size && Date.now() < waitUntil)
    await new Promise((resolve) => setTimeout(resolve, 1000))
  const after = await stats()
  const rowsWritten = Object.values(after).reduce((n, m) => n + m.rowsWritten, 0)
  const rowsRead = Object.values(after).reduce((n, m) => n + m.rowsRead, 0)
  const queries = Object.values(after).reduce((n, m) => n + m.queries, 0)
  const bytes = Object.keys(after).reduce(
    (n, name) => n + ((after[name]!.sizeAfter ?? 0) - (before[name]?.sizeAfter ?? 0)),
    0,
  )
  const acknowledged = recorded.size + queued.size

  // 3. Status: the whole unit tree, and one province's subtree.
  const timed = async (pathname: string, times: number) => {
    const out: number[] = []
    let units = 0
    for (let i = 0; i < times; i++) {
      const t0 = performance.now()
      const body = (await (await api('GET', pathname)).json()) as { units: unknown[] }
      out.push(performance.now() - t0)
      units = body.units.length
    }
    return { ms: median(out), units }
  }
  const wholeTree = await timed(`/api/admin/status/${NOTICE}/${version}`, 15)
  const oneProvince = await timed(
    `/api/admin/status/${NOTICE}/${version}?unit=${encodeURIComponent(province(1))}`,
    15,
  )

  // 4. Per shard: checkpoints over the new records, then the full audit, 1,000 records a request.
  let checkpointMs = 0
  let auditMs = 0
  let audited = 0
  let problems = 0
  for (let shard = 0; shard < setup.shards; shard++) {
    let t0 = performance.now()
    for (;;) {
      const r = (await (
        await api('POST', `/api/admin/verify?shard=${shard}&limit=1000`)
      ).json()) as {
        ok: boolean
        caughtUp: boolean
        problemCount: number
      }
      problems += r.problemCount
      if (!r.ok || r.caughtUp) break
    }
    checkpointMs += performance.now() - t0
    t0 = performance.now()
    let cursor = ''
    for (;;) {
      const r = (await (
        await api('GET', `/api/admin/verify?shard=${shard}&limit=1000${cursor}`)
      ).json()) as {
        next: string | null
        chunk: { records: number }
        problemCount: number
        complete: boolean
      }
      audited += r.chunk.records
      if (!r.next) {
        problems += r.problemCount
        break
      }
      cursor = `&cursor=${r.next}`
    }
    auditMs += performance.now() - t0
  }
  let globalLine = ''
  if (setup.shards > 1) {
    const t0 = performance.now()
    const g = (await (await api('POST', '/api/admin/checkpoints/global')).json()) as {
      latest: { number: number; heads: unknown[] } | null
    }
    globalLine = `, global checkpoint ${g.latest?.number} over ${g.latest?.heads.length} shard heads in ${ms(performance.now() - t0)}`
  }

  // 5. From the databases' side: every run official's records, in every shard.
  const perOfficial = new Map<string, number>()
  for (let shard = 0; shard < setup.shards; shard++) {
    const csv = await (
      await api('GET', `/api/admin/acknowledgements?shard=${shard}&notice=${NOTICE}&format=csv`)
    ).text()
    for (const line of csv.split('\r\n')) {
      const match = new RegExp(`,(${run}-\\d{5}),`).exec(line)
      if (match) perOfficial.set(match[1]!, (perOfficial.get(match[1]!) ?? 0) + 1)
    }
  }
  // Lost: an official was told 303 (recorded) or 202 (being recorded) and no record is stored.
  const lost = [...recorded, ...queued].filter((id) => !perOfficial.has(id)).length
  const duplicated = [...perOfficial.values()].reduce((n, c) => n + c - 1, 0)
  const perAck = (n: number) => (n / Math.max(1, acknowledged)).toFixed(1)

  console.log(
    `bare insert (baseline): ${bareLatency.length} in ${bareSeconds.toFixed(1)} s = ${barePerSecond.toFixed(1)}/s, p50 ${ms(percentile(bareLatency, 50))}, p99 ${ms(percentile(bareLatency, 99))}, ${(bareRows / Math.max(1, bareLatency.length)).toFixed(1)} rows written each${bareFailures ? `, ${bareFailures} failed` : ''}`,
  )
  console.log(
    `acknowledgements: ${flowLatency.length} officials (+${duplicatesSent} duplicate posts) in ${ackSeconds.toFixed(1)} s = ${acksPerSecond.toFixed(1)} acks/s (${(acksPerSecond / barePerSecond).toFixed(2)}x the bare insert; ${queued.size} queued, ${recorded.size} recorded at once)`,
  )
  console.log(
    `POST latency: p50 ${ms(percentile(postLatency, 50))}, p99 ${ms(percentile(postLatency, 99))} (${(percentile(postLatency, 50) / percentile(bareLatency, 50)).toFixed(1)}x the bare insert's p50); page + POST: p50 ${ms(percentile(flowLatency, 50))}, p99 ${ms(percentile(flowLatency, 99))}`,
  )
  console.log(
    `D1 per acknowledgement: ${perAck(rowsWritten)} rows written, ${perAck(rowsRead)} rows read (in run/all/batch answers), ${perAck(queries)} queries (a batch's statements each), ${perAck(bytes)} bytes stored (database size growth over all shards)`,
  )
  console.log(
    `status: whole tree (${wholeTree.units} units) ${ms(wholeTree.ms)}, one province (${oneProvince.units} units) ${ms(oneProvince.ms)} (median of 15)`,
  )
  console.log(
    `verification: ${audited} records; checkpoints ${ms((checkpointMs * 1000) / Math.max(1, audited))} and full audit ${ms((auditMs * 1000) / Math.max(1, audited))} per 1,000 records, ${problems} problems${globalLine}`,
  )
  if (failures.size)
    console.log(`retried or failed: ${[...failures].map(([k, n]) => `${k} x${n}`).join(', ')}`)
  if (stopped)
    console.log(`stopped at the ${SECONDS} s limit after ${flowLatency.length} officials`)
  console.log(
    `${perOfficial.size} of ${OFFICIALS} officials acknowledged, ${[...perOfficial.values()].reduce((n, c) => n + c, 0)} records: ${lost} lost, ${duplicated} duplicated, ${setup.shards} ${setup.shards === 1 ? 'shard' : 'shards'}`,
  )
  return {
    ok: lost === 0 && duplicated === 0 && problems === 0,
    acksPerSecond,
    barePerSecond,
  }
}

async function main() {
  run('npm', ['run', 'build', '--silent'])
  run('npm', ['run', 'setup:local', '--silent'])
  const devVars = path.join(root, '.dev.vars')
  const token = existsSync(devVars)
    ? readDevVar(readFileSync(devVars, 'utf8'), 'ADMIN_TOKEN')
    : undefined
  if (!token) fail('no ADMIN_TOKEN in .dev.vars (npm run setup:local writes it)')
  console.log(
    `redlines bench:scale: wrangler dev (${CONFIG}), local D1 and Queue, ${OFFICIALS} officials a run, ${CONCURRENCY} clients, ${BARE} bare inserts`,
  )
  const setups: Setup[] = [
    { label: '4 shards', shards: 4, port: PORT },
    { label: '1 shard', shards: 1, env: 'single', port: PORT + 2 },
  ]
  const results = []
  for (const setup of setups) {
    const persist = path.join(root, '.wrangler/bench-scale', setup.shards === 1 ? 'one' : 'four')
    rmSync(persist, { recursive: true, force: true })
    const child = await startWorker(setup, persist)
    try {
      results.push(await measure(setup, token))
    } finally {
      stopWorker(child)
    }
  }
  const [four, one] = results
  console.log('')
  console.log(
    `4 shards / 1 shard: ${(four!.acksPerSecond / one!.acksPerSecond).toFixed(2)}x the acks/s on this machine (one workerd on shared cores: the shards' SQLite files share its CPU)`,
  )
  process.exit(results.every((r) => r.ok) ? 0 : 1)
}

main().catch((error: Error) => {
  console.error(error.message)
  process.exit(1)
})
