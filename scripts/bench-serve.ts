/**
 * npm run bench:serve — what serving costs beyond an empty Hono Worker, as two ratios.
 *
 * Bundles the redlines Worker and an empty Hono Worker (scripts/bench-serve/baseline.ts, which
 * answers a page of the same size and echoes JSON) with wrangler, runs each in its own workerd
 * through Miniflare on 127.0.0.1 (no dev proxy, file watcher or inspector in the way), and
 * measures them alternately with wrk (Debian's package: apt-get install wrk), round after round,
 * so that whatever else the machine is doing falls on both alike:
 *   - an immutable notice page (a superseded version, in Chinese) vs the empty Worker's page;
 *   - POST /api/check with a short message vs the empty Worker's JSON echo.
 * Prints every round and the median ratio of requests/s for each pair (target >= 0.90x), and
 * the CPU time each workerd process spent per request, which a busy machine disturbs less.
 *
 * The redlines Worker runs with the configuration of wrangler.toml except that the check's rate
 * limit is raised, so the benchmark measures checks rather than 429s; the limiter is still called
 * on every request. Bounded: ROUNDS x SECONDS per measurement (defaults 5 x 4 s), CONNECTIONS
 * connections, only to 127.0.0.1. Ports: BENCH_PORT (default 8791) and the one after it.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Miniflare, type WorkerOptions } from 'miniflare'
import { unstable_getMiniflareWorkerOptions } from 'wrangler'

const root = path.resolve(import.meta.dirname, '..')
const work = path.join(root, '.wrangler/bench-serve')
const PORT = Number(process.env.BENCH_PORT ?? 8791)
const ROUNDS = Math.max(1, Math.min(Number(process.env.ROUNDS ?? 5), 20))
const SECONDS = Math.max(1, Math.min(Number(process.env.SECONDS ?? 4), 30))
const CONNECTIONS = Math.max(1, Math.min(Number(process.env.CONNECTIONS ?? 16), 64))

const PAGE_PATH = '/notices/wechat-red-lines/versions/1?lang=zh'
const CHECK_BODY = JSON.stringify({ text: '紅 包收到了，謝謝王總，周末一起吃饭' })

function fail(message: string): never {
  console.error(`bench:serve: ${message}`)
  process.exit(2)
}

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  })
  if (result.status !== 0)
    fail(`${command} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`)
}

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
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
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

  const empty = await start(
    'empty',
    { compatibilityDate: date, bindings: { PAGE_BYTES: String(pageBytes) } } as WorkerOptions,
    emptyScript,
    PORT + 1,
  )
  const emptyBytes = (await (await fetch(`${empty.url}/page`)).arrayBuffer()).byteLength
  if (emptyBytes !== pageBytes) fail(`the empty page is ${emptyBytes} bytes, not ${pageBytes}`)

  const pairs = [
    {
      name: 'immutable notice page vs empty page',
      ours: { url: `${redlines.url}${PAGE_PATH}`, pid: redlines.pid },
      theirs: { url: `${empty.url}/page`, pid: empty.pid },
    },
    {
      name: 'POST /api/check vs empty JSON echo',
      ours: { url: `${redlines.url}/api/check`, post: CHECK_BODY, pid: redlines.pid },
      theirs: { url: `${empty.url}/echo`, post: CHECK_BODY, pid: empty.pid },
    },
  ]
  console.log(
    `page: GET ${PAGE_PATH} (${pageBytes.toLocaleString('en')} bytes); check: ${CHECK_BODY}`,
  )
  console.log(
    `wrk: ${CONNECTIONS} connections, ${SECONDS} s per measurement, ${ROUNDS} rounds, alternating`,
  )
  const n = (rps: number) => Math.round(rps).toLocaleString('en')
  const us = (seconds: number) => `${Math.round(seconds * 1e6)} µs`
  const results: string[] = []
  try {
    for (const { name, ours, theirs } of pairs) {
      // Warm both (JIT, per-isolate caches) before anything counts.
      wrk(ours, 1)
      wrk(theirs, 1)
      const ratios: number[] = []
      const cpu: [number[], number[]] = [[], []]
      for (let round = 1; round <= ROUNDS; round++) {
        // Alternate which goes first, so a drift in the machine's load favours neither.
        const first = round % 2 ? ours : theirs
        const second = round % 2 ? theirs : ours
        const [x, y] = [wrk(first, SECONDS), wrk(second, SECONDS)]
        const [a, b] = round % 2 ? [x, y] : [y, x]
        if (a.errors || b.errors) fail(`${name}: ${a.errors} and ${b.errors} failed responses`)
        ratios.push(a.rps / b.rps)
        cpu[0].push(a.cpuPerRequest)
        cpu[1].push(b.cpuPerRequest)
        console.log(
          `  ${name}, round ${round}: ${n(a.rps)}/s vs ${n(b.rps)}/s = ${(a.rps / b.rps).toFixed(3)}x; CPU per request ${us(a.cpuPerRequest)} vs ${us(b.cpuPerRequest)}`,
        )
      }
      results.push(
        `${name}: ${median(ratios).toFixed(2)}x requests/s (median of ${ROUNDS} rounds; target >= 0.90x); CPU per request ${us(median(cpu[0]))} vs ${us(median(cpu[1]))}`,
      )
    }
  } finally {
    await Promise.all([redlines.mf.dispose(), empty.mf.dispose()])
  }
  for (const line of results) console.log(line)
}

main().then(
  () => process.exit(0),
  (error) => fail(error instanceof Error ? (error.stack ?? error.message) : String(error)),
)
