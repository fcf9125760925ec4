/**
 * npm run bench:serve — what serving costs beyond an empty Hono Worker, as two ratios.
 *
 * Bundles the redlines Worker and an empty Hono Worker (scripts/bench-serve/baseline.ts, which
 * answers a page of the same size and echoes JSON) with wrangler, runs each in its own workerd
 * through Miniflare on 127.0.0.1 (no dev proxy, file watcher or inspector in the way), and
 * measures them alternately with wrk (Debian's package: apt-get install wrk), round after round,
 * so that whatever else the machine is doing falls on all alike:
 *   - an immutable notice page (a superseded version, in Chinese) vs the empty Worker's page;
 *   - POST /api/check with a short message vs the empty Worker's JSON echo.
 * The empty Worker runs twice: sending the same headers as the redlines response (the ratio that
 * counts: the same response, so what differs is the work per request) and bare (what the security
 * headers, ETag and the rest cost on top, for the record).
 * Prints every round and the median ratios of requests/s for each pair (target >= 0.90x), and
 * the CPU time each workerd process spent per request, which a busy machine disturbs less.
 *
 * The redlines Worker runs with the configuration of wrangler.toml except that the check's rate
 * limit is raised, so the benchmark measures checks rather than 429s; the limiter is still called
 * on every request. Bounded: ROUNDS x SECONDS per measurement (defaults 9 x 2 s, three measurements a round), CONNECTIONS
 * connections, only to 127.0.0.1. Ports: BENCH_PORT (default 8791) and the two after it.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Miniflare, type WorkerOptions } from 'miniflare'
import { unstable_getMiniflareWorkerOptions } from 'wrangler'
import { benchKit, root } from './bench-kit'

const kit = benchKit('bench:serve')
// Annotated, so that TypeScript narrows after a call to it (a destructured never does not).
const fail: (message: string) => never = kit.fail
const run = kit.run
const work = path.join(root, '.wrangler/bench-serve')
const PORT = Number(process.env.BENCH_PORT ?? 8791)
const ROUNDS = Math.max(1, Math.min(Number(process.env.ROUNDS ?? 9), 30))
const SECONDS = Math.max(1, Math.min(Number(process.env.SECONDS ?? 2), 30))
const CONNECTIONS = Math.max(1, Math.min(Number(process.env.CONNECTIONS ?? 16), 64))

const PAGE_PATH = '/notices/wechat-red-lines/versions/1?lang=zh'
const CHECK_BODY = JSON.stringify({ text: '紅 包收到了，謝謝王總，周末一起吃饭' })

/** The Worker as wrangler would upload it: one ES module plus its Wasm, in `outdir`. */
function bundle(config: string, outdir: string): string {
  run('npx', ['wrangler', 'deploy', '--dry-run', '--config', config, '--outdir', outdir])
  const entry = readdirSync(outdir).find((file) => file.endsWith('.js'))
  if (!entry) fail(`wrangler wrote no module into ${outdir}`)
  return path.join(outdir, entry)
}

/** The workerd processes this script has started, by pid. */
function workerdChildren(): Set<number> {
  const pids = new Set<number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (stat.includes('(workerd)') && Number(fields[1]) === process.pid) pids.add(Number(entry))
    } catch {
      // gone meanwhile
    }
  }
  return pids
}

/** CPU seconds (user + system) a process has used. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

async function start(name: string, options: WorkerOptions, scriptPath: string, port: number) {
  const before = workerdChildren()
  const mf = new Miniflare({
    ...options,
    name,
    modules: true,
    scriptPath,
    modulesRoot: path.dirname(scriptPath),
    modulesRules: [
      { type: 'CompiledWasm', include: ['**/*.wasm'] },
      // Rule packs and check models are Data modules (src/modules.d.ts).
      { type: 'Data', include: ['**/*.bin'] },
    ],
    host: '127.0.0.1',
    port,
  } as never)
  const url = (await mf.ready).origin
  const pid = [...workerdChildren()].find((p) => !before.has(p))
  if (pid === undefined) fail(`cannot find the workerd process of ${name}`)
  return { mf, url, pid }
}

interface Run {
  rps: number
  errors: number
  cpuPerRequest: number
}

function wrk(target: { url: string; post?: string; pid: number }, seconds: number): Run {
  const args = ['-t', '1', '-c', String(CONNECTIONS), '-d', `${seconds}s`, '--timeout', '5s']
  if (target.post) {
    const script = path.join(work, 'post.lua')
    writeFileSync(
      script,
      `wrk.method = "POST"\nwrk.body = ${JSON.stringify(target.post)}\nwrk.headers["Content-Type"] = "application/json"\n`,
    )
    args.push('-s', script)
  }
  const cpuBefore = cpuSeconds(target.pid)
  const result = spawnSync('wrk', [...args, target.url], { encoding: 'utf8' })
  const cpu = cpuSeconds(target.pid) - cpuBefore
  if (result.status !== 0) fail(`wrk failed: ${result.stderr}`)
  const requests = Number(/(\d+) requests in/.exec(result.stdout)?.[1] ?? NaN)
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(result.stdout)?.[1] ?? NaN)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    result.stdout,
  )
  const errors =
    Number(/Non-2xx or 3xx responses: (\d+)/.exec(result.stdout)?.[1] ?? 0) +
    (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0)
  return { rps, errors, cpuPerRequest: cpu / requests }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

async function main() {
  if (spawnSync('sh', ['-c', 'command -v wrk']).status !== 0)
    fail('needs wrk: apt-get update && apt-get install -y wrk')
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  run('npm', ['run', 'build', '--silent'])

  const config = path.join(root, 'wrangler.toml')
  const date = /^compatibility_date = "(.+)"$/m.exec(readFileSync(config, 'utf8'))?.[1]
  const emptyConfig = path.join(work, 'empty.toml')
  writeFileSync(
    emptyConfig,
    `name = "bench-empty-hono"\nmain = ${JSON.stringify(path.join(root, 'scripts/bench-serve/baseline.ts'))}\ncompatibility_date = "${date}"\n`,
  )
  const redlinesScript = bundle(config, path.join(work, 'redlines'))
  const emptyScript = bundle(emptyConfig, path.join(work, 'empty'))

  const { workerOptions } = unstable_getMiniflareWorkerOptions(config)
  const limiter = workerOptions.ratelimits?.CHECK_RATE_LIMITER
  if (!limiter?.simple) fail('wrangler.toml has no CHECK_RATE_LIMITER to raise')
  limiter.simple.limit = 1_000_000_000
  const redlines = await start('redlines', workerOptions as WorkerOptions, redlinesScript, PORT)

  const page = await fetch(`${redlines.url}${PAGE_PATH}`)
  const pageBytes = (await page.arrayBuffer()).byteLength
  if (page.status !== 200 || !/immutable/.test(page.headers.get('cache-control') ?? ''))
    fail(
      `${PAGE_PATH} answered ${page.status} (${page.headers.get('cache-control')}), not an immutable page`,
    )
  const check = await fetch(`${redlines.url}/api/check`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: CHECK_BODY,
  })
  const checked = (await check.json()) as { verdict?: string }
  if (check.status !== 200 || !checked.verdict) fail(`POST /api/check answered ${check.status}`)

  // The headers a client got from redlines, less those made per request or by the runtime.
  const sent = (response: Response) => {
    const headers: Record<string, string> = {}
    response.headers.forEach((value, name) => {
      if (name !== 'content-length' && name !== 'x-request-id') headers[name] = value
    })
    return headers
  }
  const emptyBindings = {
    PAGE_BYTES: String(pageBytes),
    PAGE_HEADERS: JSON.stringify(sent(page)),
    ECHO_HEADERS: JSON.stringify(sent(check)),
  }
  const mirror = await start(
    'empty-mirror',
    { compatibilityDate: date, bindings: { ...emptyBindings, MIRROR: '1' } } as WorkerOptions,
    emptyScript,
    PORT + 1,
  )
  const bare = await start(
    'empty-bare',
    { compatibilityDate: date, bindings: emptyBindings } as WorkerOptions,
    emptyScript,
    PORT + 2,
  )
  for (const empty of [mirror, bare]) {
    const bytes = (await (await fetch(`${empty.url}/page`)).arrayBuffer()).byteLength
    if (bytes !== pageBytes) fail(`the empty page is ${bytes} bytes, not ${pageBytes}`)
  }

  const pairs = [
    {
      name: 'immutable notice page vs empty page',
      ours: { url: `${redlines.url}${PAGE_PATH}`, pid: redlines.pid },
      mirror: { url: `${mirror.url}/page`, pid: mirror.pid },
      bare: { url: `${bare.url}/page`, pid: bare.pid },
    },
    {
      name: 'POST /api/check vs empty JSON echo',
      ours: { url: `${redlines.url}/api/check`, post: CHECK_BODY, pid: redlines.pid },
      mirror: { url: `${mirror.url}/echo`, post: CHECK_BODY, pid: mirror.pid },
      bare: { url: `${bare.url}/echo`, post: CHECK_BODY, pid: bare.pid },
    },
  ]
  console.log(
    `page: GET ${PAGE_PATH} (${pageBytes.toLocaleString('en')} bytes); check: ${CHECK_BODY}`,
  )
  console.log(
    `wrk: ${CONNECTIONS} connections, ${SECONDS} s per measurement, ${ROUNDS} rounds, in turn`,
  )
  const n = (rps: number) => Math.round(rps).toLocaleString('en')
  const us = (seconds: number) => `${Math.round(seconds * 1e6)} µs`
  const results: string[] = []
  try {
    for (const { name, ours, mirror: same, bare: plain } of pairs) {
      // Warm all three (JIT, per-isolate caches) before anything counts.
      for (const target of [ours, same, plain]) wrk(target, 1)
      const ratios: [number[], number[]] = [[], []]
      const cpu: [number[], number[], number[]] = [[], [], []]
      for (let round = 1; round <= ROUNDS; round++) {
        // Rotate which goes first, so a drift in the machine's load favours none.
        const order = [ours, same, plain]
        for (let i = 0; i < round % 3; i++) order.push(order.shift()!)
        const measured = new Map(order.map((target) => [target, wrk(target, SECONDS)]))
        const [a, b, c] = [ours, same, plain].map((target) => measured.get(target)!) as [
          Run,
          Run,
          Run,
        ]
        if (a.errors || b.errors || c.errors)
          fail(`${name}: ${a.errors}, ${b.errors} and ${c.errors} failed responses`)
        ratios[0].push(a.rps / b.rps)
        ratios[1].push(a.rps / c.rps)
        cpu[0].push(a.cpuPerRequest)
        cpu[1].push(b.cpuPerRequest)
        cpu[2].push(c.cpuPerRequest)
        console.log(
          `  ${name}, round ${round}: ${n(a.rps)}/s vs ${n(b.rps)}/s (same headers) = ${(a.rps / b.rps).toFixed(3)}x, vs ${n(c.rps)}/s (bare) = ${(a.rps / c.rps).toFixed(3)}x; CPU per request ${us(a.cpuPerRequest)}, ${us(b.cpuPerRequest)}, ${us(c.cpuPerRequest)}`,
        )
      }
      results.push(
        `${name}: ${median(ratios[0]).toFixed(2)}x requests/s (median of ${ROUNDS} rounds; target >= 0.90x); vs the bare empty Worker ${median(ratios[1]).toFixed(2)}x; CPU per request ${us(median(cpu[0]))}, empty ${us(median(cpu[1]))} (same headers), ${us(median(cpu[2]))} (bare)`,
      )
    }
  } finally {
    await Promise.all([redlines.mf.dispose(), mirror.mf.dispose(), bare.mf.dispose()])
  }
  for (const line of results) console.log(line)
}

main().then(
  () => process.exit(0),
  (error) => fail(error instanceof Error ? (error.stack ?? error.message) : String(error)),
)
