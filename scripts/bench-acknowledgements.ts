/**
 * npm run bench:ack — drives the LOCAL Worker (npm start, http://localhost:8787) only.
 *
 * Imports a generated roster of 10,000 officials under a unit of its own, creates their links,
 * then acknowledges every link with 50 concurrent clients (each: open the page, post the form),
 * re-posting 5% of the forms at the same moment to exercise idempotency. Prints
 * acknowledgements/s and p50/p99 latency, then checks: 0 lost, 0 duplicated, checkpoints and the
 * chunked full audit clean (with their cost per request and per record).
 * Bounded: 10,000 officials at most, stops after BENCH_SECONDS (default 300).
 */
import { adminToken, localOrigin } from './cli'

const origin = localOrigin()
const OFFICIALS = Math.min(Number(process.env.BENCH_OFFICIALS ?? 10_000), 10_000)
const CONCURRENCY = Math.min(Number(process.env.BENCH_CONCURRENCY ?? 50), 200)
const SECONDS = Math.min(Number(process.env.BENCH_SECONDS ?? 300), 1800)
const DUPLICATE_EVERY = 20

const auth = { Authorization: `Bearer ${adminToken(origin)}` }

async function api(method: string, pathname: string, body?: string, type?: string) {
  const response = await fetch(`${origin}${pathname}`, {
    method,
    headers: { ...auth, ...(type ? { 'Content-Type': type } : {}) },
    body,
  })
  if (!response.ok)
    throw new Error(
      `${method} ${pathname}: ${response.status} ${(await response.text()).slice(0, 300)}`,
    )
  return response
}

const percentile = (sorted: number[], p: number) =>
  sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
    : NaN

const surnames = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗'
const given = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英'
const nameOf = (i: number) =>
  `${surnames[i % surnames.length]}${given[Math.floor(i / surnames.length) % given.length]}${given[(i * 7) % given.length]}`

async function main() {
  const started = Date.now()
  const deadline = started + SECONDS * 1000
  const notices = (await (await fetch(`${origin}/api/notices`)).json()) as {
    notices: { id: string; current: { version: number } | null }[]
  }
  const notice = notices.notices.find((n) => n.current)
  if (!notice?.current) throw new Error('no notice in effect')
  const version = notice.current.version
  const run = `bench-${Date.now().toString(36)}`
  console.log(`redlines acknowledgement benchmark against ${origin}`)
  console.log(
    `run ${run}: ${OFFICIALS} officials, ${CONCURRENCY} concurrent clients, notice ${notice.id} v${version}`,
  )

  // 1. The roster, as JSON in chunks under the 5 MiB upload limit.
  const officials = Array.from({ length: OFFICIALS }, (_, i) => ({
    externalId: `${run}-${String(i).padStart(5, '0')}`,
    name: nameOf(i),
    unit: `${run}/省${i % 4}/市${i % 12}/局${i % 40}`,
  }))
  let t = Date.now()
  for (let i = 0; i < officials.length; i += 2500)
    await api(
      'POST',
      '/api/admin/roster',
      JSON.stringify({ officials: officials.slice(i, i + 2500) }),
      'application/json',
    )
  console.log(`roster import: ${OFFICIALS} rows in ${((Date.now() - t) / 1000).toFixed(2)} s`)

  // 2. Links for the run's unit, as the CSV an administrator would download.
  t = Date.now()
  const csv = await (
    await api(
      'POST',
      '/api/admin/links',
      JSON.stringify({ notice: notice.id, version, unit: run, dueDate: '2099-12-31' }),
      'application/json',
    )
  ).text()
  const links = csv
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n')
    .slice(1)
    .map((line) => {
      const [externalId, name, , url] = line.split(',')
      return { externalId: externalId!, name: name!, url: url! }
    })
  if (links.length !== OFFICIALS)
    throw new Error(`expected ${OFFICIALS} links, got ${links.length}`)
  console.log(`links: ${links.length} in ${((Date.now() - t) / 1000).toFixed(2)} s`)

  // 3. Acknowledge every link.
  const postLatency: number[] = []
  const flowLatency: number[] = []
  const failures = new Map<string, number>()
  const confirmed = new Set<string>()
  let duplicatesSent = 0
  let next = 0
  let stoppedEarly = false
  const fail = (why: string) => failures.set(why, (failures.get(why) ?? 0) + 1)

  async function submit(url: string, form: URLSearchParams) {
    const t0 = performance.now()
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Origin: origin,
        'User-Agent': 'redlines-bench',
      },
      body: form.toString(),
    })
    await response.arrayBuffer()
    postLatency.push(performance.now() - t0)
    return response
  }

  async function client() {
    for (;;) {
      if (Date.now() > deadline) {
        stoppedEarly = true
        return
      }
      const i = next++
      const link = links[i]
      if (!link) return
      const t0 = performance.now()
      try {
        const page = await fetch(`${link.url}?lang=zh`, {
          headers: { 'User-Agent': 'redlines-bench' },
        })
        const html = await page.text()
        if (page.status !== 200) {
          fail(`page ${page.status}`)
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
        })
        const attempts = i % DUPLICATE_EVERY === 0 ? 2 : 1
        duplicatesSent += attempts - 1
        const responses = await Promise.all(
          Array.from({ length: attempts }, () => submit(link.url, form)),
        )
        for (const response of responses)
          if (response.status === 303) confirmed.add(link.externalId)
          else fail(`post ${response.status}`)
        flowLatency.push(performance.now() - t0)
      } catch (error) {
        fail((error as Error).message)
      }
    }
  }

  t = Date.now()
  await Promise.all(Array.from({ length: CONCURRENCY }, client))
  const seconds = (Date.now() - t) / 1000
  const attempted = Math.min(next, links.length)
  postLatency.sort((a, b) => a - b)
  flowLatency.sort((a, b) => a - b)
  console.log('')
  console.log(
    `acknowledgements: ${flowLatency.length} officials (+${duplicatesSent} duplicate posts) in ${seconds.toFixed(2)} s`,
  )
  console.log(`throughput: ${(flowLatency.length / seconds).toFixed(1)} acknowledgements/s`)
  console.log(
    `POST latency: p50 ${percentile(postLatency, 50).toFixed(1)} ms, p99 ${percentile(postLatency, 99).toFixed(1)} ms (${postLatency.length} posts)`,
  )
  console.log(
    `page + POST latency: p50 ${percentile(flowLatency, 50).toFixed(1)} ms, p99 ${percentile(flowLatency, 99).toFixed(1)} ms`,
  )
  if (failures.size)
    console.log(`failures: ${[...failures].map(([k, n]) => `${k} x${n}`).join(', ')}`)
  if (stoppedEarly) console.log(`stopped at the ${SECONDS} s limit after ${attempted} officials`)

  // 4. The final count check, from the database's side.
  const status = (await (
    await api('GET', `/api/admin/status/${notice.id}/${version}?unit=${encodeURIComponent(run)}`)
  ).json()) as {
    totals: { roster: number; acknowledged: number; outstanding: number }
  }
  const records = (
    await (
      await api(
        'GET',
        `/api/admin/acknowledgements?notice=${notice.id}&version=${version}&format=csv`,
      )
    ).text()
  )
    .split('\r\n')
    .filter((line) => line.includes(`,${run}-`))
    .map((line) => line.split(',')[2]!)
  const unique = new Set(records)
  // Lost: the Worker answered 303 (acknowledged) but no record is stored.
  const lost = [...confirmed].filter((id) => !unique.has(id)).length
  const duplicated = records.length - unique.size
  // Checkpoints over the new records (each run checks only what it adds), then the full audit,
  // each a chunk of 500 records a request.
  t = Date.now()
  let checkpointRequests = 0
  let checkpoint: { ok: boolean; caughtUp: boolean; records: number; problemCount: number }
  do {
    checkpoint = (await (
      await api('POST', '/api/admin/verify?limit=500')
    ).json()) as typeof checkpoint
    checkpointRequests++
  } while (checkpoint.ok && !checkpoint.caughtUp)
  const checkpointSeconds = (Date.now() - t) / 1000
  t = Date.now()
  let auditRequests = 0
  let verification: { ok: boolean; records: number; problemCount: number; next: string | null }
  let cursor = ''
  do {
    verification = (await (
      await api('GET', `/api/admin/verify?limit=500${cursor}`)
    ).json()) as typeof verification
    auditRequests++
    cursor = `&cursor=${verification.next}`
  } while (verification.next)
  const verifySeconds = (Date.now() - t) / 1000
  console.log('')
  console.log(
    `status: roster ${status.totals.roster}, acknowledged ${status.totals.acknowledged}, outstanding ${status.totals.outstanding}`,
  )
  console.log(`records for this run: ${records.length}; ${lost} lost, ${duplicated} duplicated`)
  console.log(
    `checkpoints: ${checkpoint.ok ? 'clean' : `${checkpoint.problemCount} problems`}, tree size ${checkpoint.records}, ${checkpointRequests} requests in ${checkpointSeconds.toFixed(2)} s`,
  )
  console.log(
    `verification: ${verification.ok ? 'clean' : `${verification.problemCount} problems`} over ${verification.records} records, ${auditRequests} requests of at most 500 in ${verifySeconds.toFixed(2)} s (${((verifySeconds * 1e6) / Math.max(1, verification.records)).toFixed(0)} µs a record, ${((verifySeconds * 1000) / auditRequests).toFixed(0)} ms a request)`,
  )
  const ok =
    lost === 0 &&
    duplicated === 0 &&
    checkpoint.ok &&
    verification.ok &&
    status.totals.acknowledged === confirmed.size &&
    confirmed.size === attempted &&
    failures.size === 0 &&
    !stoppedEarly
  console.log(ok ? 'RESULT: ok' : 'RESULT: FAILED')
  console.log(`(the run's officials stay in the local roster under unit "${run}")`)
  process.exit(ok ? 0 : 1)
}

main().catch((error: Error) => {
  console.error(error.message)
  process.exit(1)
})
