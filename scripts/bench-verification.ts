/**
 * npm run bench:verify — what verification costs, per record and per request, against the LOCAL
 * Worker only (npm start, or BENCH_URL=http://localhost:PORT).
 *
 * Writes BENCH_RECORDS acknowledgements (default 3,000) through the real pages, then times:
 *   1. the incremental checkpoint (POST /api/admin/verify, 500 records a request) until caught up;
 *   2. the full audit in chunks of 100, 500 and 2,000 records (GET /api/admin/verify + cursor);
 *   3. a checkpoint over 100 new records on top of the whole log, against a full audit of it;
 *   4. a consistency proof between two checkpoints 500 records apart;
 *   5. the same per-record work in this process (WebCrypto in Node), as CPU time.
 * Wall-clock figures over HTTP to a local workerd and D1: they include the database's time.
 */
import { Frontier } from '../src/acknowledgements/merkle'
import {
  RECEIPT_TYPE,
  sealHash,
  sealReceipt,
  signatureValid,
  type Receipt,
} from '../src/acknowledgements/receipt'
import { receiptKeys } from '../src/acknowledgements/secrets'
import { adminToken, localOrigin } from './cli'
import { newPrivateKey } from './receipt-keys'

const origin = localOrigin()
const RECORDS = Math.min(Number(process.env.BENCH_RECORDS ?? 3000), 20_000)
const CONCURRENCY = 25

const auth = { Authorization: `Bearer ${adminToken(origin)}` }

async function api<T>(method: string, pathname: string, body?: string, type?: string) {
  const response = await fetch(`${origin}${pathname}`, {
    method,
    headers: { ...auth, ...(type ? { 'Content-Type': type } : {}) },
    body,
  })
  const text = await response.text()
  if (!response.ok)
    throw new Error(`${method} ${pathname}: ${response.status} ${text.slice(0, 300)}`)
  return JSON.parse(text) as T
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now()
  const value = await run()
  return [value, performance.now() - t0]
}

const us = (ms: number, n: number) => (n ? `${((ms * 1000) / n).toFixed(0)} µs` : '-')

/** Acknowledges `count` new officials of a unit of their own through the pages. */
async function seed(count: number, run: string) {
  const notices = await api<{ notices: { id: string; current: { version: number } | null }[] }>(
    'GET',
    '/api/notices',
  )
  const notice = notices.notices.find((n) => n.current)!
  const officials = Array.from({ length: count }, (_, i) => ({
    externalId: `${run}-${i}`,
    name: `验证${i}`,
    unit: `${run}/组${i % 10}`,
  }))
  for (let i = 0; i < officials.length; i += 2500)
    await api(
      'POST',
      '/api/admin/roster',
      JSON.stringify({ officials: officials.slice(i, i + 2500) }),
      'application/json',
    )
  const { links } = await api<{ links: { name: string; url: string }[] }>(
    'POST',
    '/api/admin/links?format=json',
    JSON.stringify({ notice: notice.id, version: notice.current!.version, unit: run }),
    'application/json',
  )
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let link = links[next++]; link; link = links[next++]) {
        const page = await (await fetch(`${link.url}?lang=zh`)).text()
        const field = (n: string) => new RegExp(`name="${n}" value="([^"]*)"`).exec(page)?.[1] ?? ''
        const response = await fetch(link.url, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin },
          body: new URLSearchParams({
            csrf: field('csrf'),
            lang: 'zh',
            text: field('text'),
            statement: 'agree',
            name: link.name,
          }).toString(),
        })
        const answer = await response.text()
        if (response.status !== 303)
          throw new Error(`acknowledging: ${response.status} ${answer.slice(0, 300)}`)
      }
    }),
  )
}

interface Run {
  added: number
  caughtUp: boolean
  ok: boolean
  records: number
  newCheckpoint: { treeSize: number } | null
}
interface Chunk {
  ok: boolean
  records: number
  next: string | null
  chunk: { records: number }
}

async function checkpointAll() {
  const times: number[] = []
  let added = 0
  for (;;) {
    const [run, ms] = await timed(() => api<Run>('POST', '/api/admin/verify?limit=500'))
    if (!run.ok) throw new Error('the log is not clean: run npm run checkpoints -- audit')
    if (run.added) times.push(ms)
    added += run.added
    if (run.caughtUp) return { times, added }
  }
}

async function fullAudit(limit: number) {
  const times: number[] = []
  let chunk: Chunk | undefined
  do {
    const cursor = chunk?.next ? `&cursor=${chunk.next}` : ''
    const [next, ms] = await timed(() =>
      api<Chunk>('GET', `/api/admin/verify?limit=${limit}${cursor}`),
    )
    chunk = next
    times.push(ms)
  } while (chunk.next)
  if (!chunk.ok) throw new Error('the audit found problems')
  return { times, records: chunk.records }
}

/**
 * The per-record work of verification in this process, as CPU time: the receipt's canonical
 * bytes and leaf hash, the Ed25519 check, the frontier append; and the same without the
 * signature, to show what the signature costs.
 */
async function computeOnly(count: number) {
  const keys = await receiptKeys(await newPrivateKey())
  const receipts = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const receipt: Receipt = {
        type: RECEIPT_TYPE,
        receiptId: crypto.randomUUID(),
        official: { externalId: `E${i}`, name: '张三', unit: '广东省/广州市', typedName: '张三' },
        notice: {
          id: 'n',
          version: 2,
          sha256: 'a'.repeat(64),
          lang: 'zh',
          textSha256: 'b'.repeat(64),
        },
        statement: '本人已阅读《通知》第 2 版全文，承诺遵守。',
        acknowledgedAt: new Date().toISOString(),
        requestId: crypto.randomUUID(),
        client: { userAgent: 'Mozilla/5.0 (iPhone) MicroMessenger/8.0', ipHash: 'x'.repeat(22) },
        keyId: keys.keyId,
        log: { after: i, checkpoint: null },
      }
      return { receipt, ...(await sealReceipt(keys.privateKey, receipt)) }
    }),
  )
  const cpu = async (withSignature: boolean) => {
    const frontier = new Frontier()
    const before = process.cpuUsage()
    for (const r of receipts) {
      const { bytes, leaf, matches } = await sealHash(r.receipt, r.recordHash)
      if (!matches) throw new Error('hash')
      if (withSignature && !(await signatureValid(keys.publicKey, bytes, r.signature)))
        throw new Error('signature')
      await frontier.append(leaf)
    }
    await frontier.root()
    const used = process.cpuUsage(before)
    return (used.user + used.system) / 1000
  }
  return { full: await cpu(true), hashOnly: await cpu(false) }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1)
const max = (xs: number[]) => Math.max(...xs)

async function main() {
  const run = `verify-${Date.now().toString(36)}`
  console.log(
    `redlines verification benchmark against ${origin}: ${RECORDS} new records (run ${run})`,
  )
  const [, seedMs] = await timed(() => seed(RECORDS, run))
  console.log(`seeded ${RECORDS} acknowledgements in ${(seedMs / 1000).toFixed(1)} s`)

  const first = await checkpointAll()
  const checkpointed = first.added
  console.log('')
  console.log(
    `1. incremental checkpoints: ${first.times.length} requests for ${checkpointed} records: ${mean(first.times).toFixed(1)} ms a request (max ${max(first.times).toFixed(1)}), ${us(
      first.times.reduce((a, b) => a + b, 0),
      checkpointed,
    )} a record`,
  )

  console.log('2. full audit, in chunks:')
  const audits = new Map<number, number>()
  for (const limit of [100, 500, 2000]) {
    const { times, records } = await fullAudit(limit)
    const total = times.reduce((a, b) => a + b, 0)
    audits.set(limit, total)
    console.log(
      `   limit ${String(limit).padStart(4)}: ${String(times.length).padStart(3)} requests, ${mean(times).toFixed(1)} ms a request (max ${max(times).toFixed(1)}), ${us(total, records)} a record, ${(total / 1000).toFixed(2)} s for ${records} records`,
    )
  }

  await seed(100, `${run}-more`)
  const [more, moreMs] = await timed(() => api<Run>('POST', '/api/admin/verify?limit=500'))
  const [, auditMs] = await timed(() => fullAudit(2000))
  console.log(
    `3. a checkpoint over ${more.added} new records on a log of ${more.records}: ${moreMs.toFixed(1)} ms (${us(moreMs, more.added)} a new record); a full audit of the log: ${auditMs.toFixed(0)} ms; ratio ${(auditMs / moreMs).toFixed(1)}x`,
  )

  const heads = await api<{ checkpoints: { treeSize: number }[] }>(
    'GET',
    '/api/admin/checkpoints?limit=1000',
  )
  const sizes = heads.checkpoints.map((c) => c.treeSize)
  const from = sizes.at(-3) ?? sizes[0]!
  const to = sizes.at(-2) ?? sizes.at(-1)!
  const [, proofMs] = await timed(() =>
    api('GET', `/api/admin/checkpoints/consistency?from=${from}&to=${to}`),
  )
  console.log(`4. consistency proof from ${from} to ${to} records: ${proofMs.toFixed(1)} ms`)

  const n = 2000
  const compute = await computeOnly(n)
  console.log(
    `5. the per-record work alone, CPU time in Node (no D1, no HTTP), over ${n} records: ${us(compute.full, n)} a record; without the Ed25519 check ${us(compute.hashOnly, n)} (the signature is ${(compute.full / compute.hashOnly).toFixed(1)}x)`,
  )
  console.log(
    `(the run's officials stay in the local roster under units "${run}" and "${run}-more")`,
  )
}

main().catch((error: Error) => {
  console.error(error.message)
  process.exit(1)
})
