/**
 * npm run bench:console — the server time of each console page with 10,000 officials.
 *
 * Bundles the Worker with wrangler, runs it in workerd through Miniflare with an in-memory local
 * D1 (the real migrations) and fresh random secrets, and seeds it through the Worker itself: the
 * roster (OFFICIALS, default 10,000, in 5 provinces x 4 cities x 5 bureaus) by the roster API,
 * links for everyone, then a realistic share (SHARE, default 0.6) acknowledged through their
 * links, as officials do. Then, signed in as the owner, it requests each page REPEAT times
 * (default 9) in turn and prints the median, p90 and slowest time and the size of each answer.
 * Times are from this process to workerd and back (Miniflare's dispatchFetch, no network), so
 * they are the Worker's own time plus a little of Miniflare's. Also prints the bundle cost of the
 * QR library (uqr) next to the whole Worker's. Talks to nothing outside this machine.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { Miniflare, type WorkerOptions } from 'miniflare'
import { unstable_getMiniflareWorkerOptions } from 'wrangler'
import { benchKit, root } from './bench-kit'

const kit = benchKit('bench:console')
// Annotated, so that TypeScript narrows after a call to it (a destructured never does not).
const fail: (message: string) => never = kit.fail
const run = kit.run
const work = path.join(root, '.wrangler/bench-console')
const OFFICIALS = Math.max(100, Math.min(Number(process.env.OFFICIALS ?? 10_000), 50_000))
const SHARE = Math.max(0, Math.min(Number(process.env.SHARE ?? 0.6), 1))
const REPEAT = Math.max(1, Math.min(Number(process.env.REPEAT ?? 9), 50))
const CONCURRENCY = 8
const ORIGIN = 'http://localhost'

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`

/** The QR library's share of the bundle: uqr's encoder alone, minified, raw and gzipped. */
function qrCost(workerScript: string) {
  const entry = path.join(work, 'qr-entry.mjs')
  writeFileSync(entry, "export { encode } from 'uqr'\n")
  const out = path.join(work, 'qr.mjs')
  run('npx', ['esbuild', entry, '--bundle', '--minify', '--format=esm', `--outfile=${out}`])
  const qr = readFileSync(out)
  const worker = readFileSync(workerScript)
  console.log(
    `QR library (uqr 0.1.3, encode only, minified): ${kb(qr.length)}, ${kb(gzipSync(qr).length)} gzipped; ` +
      `the whole Worker: ${kb(worker.length)}, ${kb(gzipSync(worker).length)} gzipped ` +
      `(uqr is ${((gzipSync(qr).length / gzipSync(worker).length) * 100).toFixed(1)}% of it gzipped)`,
  )
}

function secrets() {
  const random = () => randomBytes(32).toString('base64url')
  const { privateKey } = generateKeyPairSync('ed25519')
  return {
    ADMIN_TOKEN: random(),
    LINK_SECRET: random(),
    IP_HASH_KEY: random(),
    SESSION_SECRET: random(),
    RECEIPT_PRIVATE_KEY: JSON.stringify(privateKey.export({ format: 'jwk' })),
  }
}

function roster() {
  const officials = []
  const surnames = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗'
  const given = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英'
  for (let i = 0; i < OFFICIALS; i++) {
    const province = `省${(i % 5) + 1}`
    const city = `市${(Math.floor(i / 5) % 4) + 1}`
    const bureau = `局${(Math.floor(i / 20) % 5) + 1}`
    officials.push({
      externalId: `B-${String(i + 1).padStart(6, '0')}`,
      name: `${surnames[i % surnames.length]}${given[Math.floor(i / surnames.length) % given.length]}${i}`,
      unit: `${province}/${city}/${bureau}`,
    })
  }
  return officials
}

async function pool<T>(items: T[], size: number, each: (item: T) => Promise<void>) {
  let next = 0
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await each(items[next++]!)
    }),
  )
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.9) - 1]!

async function main() {
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  run('npm', ['run', 'build'])
  const out = path.join(work, 'out')
  run('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', out])
  const script = readdirSync(out).find((f) => f.endsWith('.js'))
  if (!script) fail('wrangler wrote no module')
  const scriptPath = path.join(out, script)
  qrCost(scriptPath)

  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(root, 'wrangler.toml'))
  const keys = secrets()
  const mf = new Miniflare({
    ...(workerOptions as WorkerOptions),
    bindings: { ...(workerOptions.bindings ?? {}), ...keys },
    modules: true,
    scriptPath,
    modulesRoot: out,
    modulesRules: [
      { type: 'CompiledWasm', include: ['**/*.wasm'] },
      // Rule packs and check models are Data modules (src/modules.d.ts).
      { type: 'Data', include: ['**/*.bin'] },
    ],
    d1Persist: false,
  } as never)
  try {
    const db = await mf.getD1Database('DB')
    for (const file of readdirSync(path.join(root, 'drizzle'))
      .filter((f) => f.endsWith('.sql'))
      .sort())
      for (const statement of readFileSync(path.join(root, 'drizzle', file), 'utf8').split(
        '--> statement-breakpoint',
      ))
        if (statement.trim()) await db.prepare(statement).run()

    const call = (p: string, init: RequestInit = {}) =>
      mf.dispatchFetch(`${ORIGIN}${p}`, {
        redirect: 'manual',
        ...init,
      } as never) as unknown as Promise<Response>
    const bearer = { Authorization: `Bearer ${keys.ADMIN_TOKEN}` }

    let t = performance.now()
    const people = roster()
    const imported = await call('/api/admin/roster', {
      method: 'POST',
      headers: { ...bearer, 'Content-Type': 'application/json' },
      body: JSON.stringify({ officials: people }),
    })
    if (imported.status !== 200) fail(`roster import: ${imported.status} ${await imported.text()}`)
    console.log(`seeded ${OFFICIALS} officials in ${(performance.now() - t).toFixed(0)} ms`)

    const made = await call('/api/admin/links?format=json', {
      method: 'POST',
      headers: { ...bearer, 'Content-Type': 'application/json' },
      body: JSON.stringify({ notice: 'wechat-red-lines', version: 2, dueDate: '2020-01-01' }),
    })
    if (made.status !== 200) fail(`links: ${made.status} ${await made.text()}`)
    const { batch, links } = (await made.json()) as {
      batch: { id: string }
      links: { name: string; url: string }[]
    }
    // Every fifth person in each hundred skipped first, so each unit is partly done.
    const chosen = links.filter((_, i) => i % 100 < Math.round(SHARE * 100))
    t = performance.now()
    let done = 0
    await pool(chosen, CONCURRENCY, async (link) => {
      const p = new URL(link.url).pathname
      const page = await (await call(`${p}?lang=zh`)).text()
      const field = (name: string) =>
        new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? ''
      const posted = await call(p, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: ORIGIN },
        body: new URLSearchParams({
          csrf: field('csrf'),
          lang: field('lang'),
          text: field('text'),
          statement: 'agree',
          name: link.name,
        }).toString(),
      })
      await posted.arrayBuffer()
      if (posted.status !== 303) fail(`acknowledging: ${posted.status}`)
      if (++done % 1000 === 0) process.stdout.write(`  ${done} acknowledged\n`)
    })
    console.log(
      `acknowledged ${chosen.length} of ${OFFICIALS} (${(SHARE * 100).toFixed(0)}%) through their links in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    )

    // Sign in as the owner, as a browser does.
    const login = await call('/admin/login?lang=en')
    const loginPage = await login.text()
    const signInCookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ')
    const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? ''
    const signedIn = await call('/admin/login?lang=en', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Origin: ORIGIN,
        Cookie: signInCookie,
      },
      body: new URLSearchParams({
        _csrf: csrfOf(loginPage),
        token: keys.ADMIN_TOKEN,
        next: '/admin',
      }).toString(),
    })
    const cookie = signedIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .filter((c) => c.startsWith('redlines_admin='))
      .join('; ')
    if (!cookie) fail(`sign-in failed: ${signedIn.status}`)
    const headers = { Cookie: cookie }

    const officialsPage = await (await call('/admin/officials?lang=en', { headers })).text()
    const cursor = /href="([^"]+)" rel="next"/.exec(officialsPage)?.[1]?.replace(/&amp;/g, '&')
    const rosterCsv = `external_id,name,unit\n${people.map((p) => `${p.externalId},${p.name},${p.unit}`).join('\n')}\n`

    const pages: [string, () => Promise<Response>][] = [
      ['dashboard, whole roster', () => call('/admin?lang=en', { headers })],
      [
        'dashboard, one province',
        () => call(`/admin?unit=${encodeURIComponent('省1')}&lang=en`, { headers }),
      ],
      ['units tree', () => call('/admin/units?lang=en', { headers })],
      ['officials, first page', () => call('/admin/officials?lang=en', { headers })],
      ['officials, next page', () => call(cursor ?? '/admin/officials', { headers })],
      [
        'officials, name search',
        () => call(`/admin/officials?q=${encodeURIComponent('王')}&lang=en`, { headers }),
      ],
      [
        'one official',
        () => call(`/admin/officials/${Math.ceil(OFFICIALS / 2)}?lang=en`, { headers }),
      ],
      ['links page', () => call('/admin/links?lang=en', { headers })],
      [
        'batch: outstanding with links (100)',
        () => call(`/admin/links/batches/${batch.id}?lang=en`, { headers }),
      ],
      [
        'batch: QR sheet (48 codes)',
        () => call(`/admin/links/batches/${batch.id}/sheet?lang=en`, { headers }),
      ],
      [
        'batch: CSV of every outstanding link',
        () => call(`/admin/links/batches/${batch.id}/links.csv`, { headers }),
      ],
      ['records, first page', () => call('/admin/records?lang=en', { headers })],
      ['records after seq 5000', () => call('/admin/records?after=5000&lang=en', { headers })],
      [
        'verification: one audit chunk (500)',
        () => call('/admin/verification?run=1&lang=en', { headers }),
      ],
      [
        'status API (for comparison)',
        () => call('/api/admin/status/wechat-red-lines/2', { headers: bearer }),
      ],
      [
        `roster dry run of ${OFFICIALS} rows (full mode)`,
        async () => {
          const form = new FormData()
          form.set('_csrf', csrfOf(officialsPage))
          form.set('mode', 'full')
          form.set('unit', '')
          form.set('file', new File([rosterCsv], 'roster.csv', { type: 'text/csv' }))
          // Serialised here: Miniflare's own fetch does not know Node's FormData.
          const encoded = new Response(form)
          return call('/admin/roster?lang=en', {
            method: 'POST',
            headers: {
              ...headers,
              Origin: ORIGIN,
              'Content-Type': encoded.headers.get('Content-Type')!,
            },
            body: await encoded.arrayBuffer(),
          })
        },
      ],
    ]

    const results: {
      name: string
      times: number[]
      bytes: number
      status: number
      refusal?: string
    }[] = []
    for (const [name] of pages) results.push({ name, times: [], bytes: 0, status: 0 })
    for (let round = 0; round < REPEAT; round++)
      for (const [i, [, request]] of pages.entries()) {
        const start = performance.now()
        const response = await request()
        const body = await response.arrayBuffer()
        results[i]!.times.push(performance.now() - start)
        results[i]!.bytes = body.byteLength
        results[i]!.status = response.status
        if (response.status !== 200)
          results[i]!.refusal = new TextDecoder()
            .decode(body)
            .replace(/<[^>]+>/g, ' ')
            .slice(-600)
      }
    console.log(
      `\n${OFFICIALS} officials, ${chosen.length} acknowledged; ${REPEAT} requests per page, in turn\n`,
    )
    console.log(
      `${'page'.padEnd(44)} ${'median'.padStart(9)} ${'p90'.padStart(9)} ${'slowest'.padStart(9)} ${'size'.padStart(10)}  status`,
    )
    for (const r of results)
      console.log(
        `${r.name.padEnd(44)} ${`${median(r.times).toFixed(1)} ms`.padStart(9)} ${`${p90(r.times).toFixed(1)} ms`.padStart(9)} ${`${Math.max(...r.times).toFixed(1)} ms`.padStart(9)} ${kb(r.bytes).padStart(10)}  ${r.status}`,
      )
    const bad = results.filter((r) => r.status !== 200)
    if (bad.length)
      fail(
        `pages that did not answer 200: ${bad.map((r) => `${r.name}: ${r.refusal?.replace(/\s+/g, ' ')}`).join('; ')}`,
      )
  } finally {
    await mf.dispose()
  }
}

await main()
