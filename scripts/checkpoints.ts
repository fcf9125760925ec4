/**
 * The acknowledgement log from outside, with the admin token (ADMIN_TOKEN, or .dev.vars locally):
 *
 *   npm run checkpoints -- save FILE [--url URL]
 *     Fetches every signed checkpoint and the published keys into FILE. Keep it somewhere the
 *     database's administrators cannot change (another machine, a ticket, an email to yourself).
 *   npm run checkpoints -- check FILE [--url URL] [--update]
 *     Checks that the server's log is a consistent extension of FILE: every saved checkpoint still
 *     there as signed, the chain unbroken, RFC 9162 consistency proofs from the newest saved one
 *     to the server's newest. --update then adds the server's newer checkpoints to FILE.
 *   npm run checkpoints -- audit [--url URL] [--limit N]
 *     Runs the full audit chunk by chunk (GET /api/admin/verify with its cursor) and prints the
 *     problems and the cost.
 *
 * URL defaults to http://localhost:8787 (npm start). Exit 0: consistent / clean; 1: not; 2: could
 * not run. Prints tree sizes, hashes and problem kinds, never a record's content.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import {
  checkCheckpoints,
  saveCheckpoints,
  type CheckpointCopy,
} from '../src/acknowledgements/witness'
import { adminToken, fail, option } from './cli'

const [command, file] = process.argv
  .slice(2)
  .filter((arg, i, all) => !arg.startsWith('--') && !/^--(url|limit)$/.test(all[i - 1] ?? ''))
const origin = new URL(option('--url') ?? 'http://localhost:8787').origin

async function api(pathname: string): Promise<unknown> {
  const response = await fetch(`${origin}${pathname}`, {
    headers: { Authorization: `Bearer ${adminToken(origin)}` },
  })
  const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } }
  if (!response.ok) throw new Error(body.error?.message ?? `HTTP ${response.status}`)
  return body
}

async function save(target: string) {
  const { copy, problems } = await saveCheckpoints(api, origin, new Date())
  if (problems.length) {
    console.log(`NOT SAVED: the server's checkpoints do not verify:\n  ${problems.join('\n  ')}`)
    process.exit(1)
  }
  writeFileSync(target, `${JSON.stringify(copy, null, 2)}\n`)
  const newest = copy.checkpoints.at(-1)
  console.log(
    `saved ${copy.checkpoints.length} checkpoints of ${origin} to ${target}` +
      (newest ? `; newest over ${newest.treeSize} records, root ${newest.rootHash}` : ''),
  )
}

async function check(source: string) {
  let copy: CheckpointCopy
  try {
    copy = JSON.parse(readFileSync(source, 'utf8')) as CheckpointCopy
  } catch (error) {
    fail(`cannot read ${source}: ${(error as Error).message}`)
  }
  const result = await checkCheckpoints(api, copy, new Date())
  if (!result.consistent) {
    console.log(`INCONSISTENT: the log at ${origin} is not an extension of ${source}:`)
    for (const problem of result.problems) console.log(`  ${problem}`)
    process.exit(1)
  }
  console.log(
    `CONSISTENT: the log at ${origin} (${result.server} records checkpointed) extends ${source} (${result.saved}); ${result.proofs} consistency proofs checked`,
  )
  if (process.argv.includes('--update')) {
    writeFileSync(source, `${JSON.stringify(result.updated, null, 2)}\n`)
    console.log(`${source} now holds ${result.updated.checkpoints.length} checkpoints`)
  }
}

interface AuditChunk {
  ok: boolean
  records: number
  problemCount: number
  checkpoints: { matched: number; stored: number }
  problems: { kind: string }[]
  next: string | null
}

async function audit() {
  const limit = Number(option('--limit') ?? 500)
  const kinds = new Map<string, number>()
  let chunk: AuditChunk | undefined
  let requests = 0
  const started = performance.now()
  do {
    const cursor: string = chunk?.next ? `&cursor=${chunk.next}` : ''
    chunk = (await api(`/api/admin/verify?limit=${limit}${cursor}`)) as AuditChunk
    requests++
    for (const p of chunk.problems) kinds.set(p.kind, (kinds.get(p.kind) ?? 0) + 1)
  } while (chunk.next)
  const ms = performance.now() - started
  console.log(
    `${chunk.ok ? 'CLEAN' : 'PROBLEMS'}: ${chunk.records} records, ${chunk.checkpoints.matched}/${chunk.checkpoints.stored} checkpoints matched, ${chunk.problemCount} problems` +
      (kinds.size ? ` (${[...kinds].map(([k, n]) => `${k} x${n}`).join(', ')})` : ''),
  )
  console.log(
    `${requests} requests of at most ${limit} records in ${(ms / 1000).toFixed(2)} s: ${(ms / requests).toFixed(1)} ms a request, ${chunk.records ? ((ms * 1000) / chunk.records).toFixed(0) : '-'} µs a record (wall clock, over HTTP)`,
  )
  process.exit(chunk.ok ? 0 : 1)
}

try {
  if (command === 'save' && file) await save(file)
  else if (command === 'check' && file) await check(file)
  else if (command === 'audit') await audit()
  else
    fail(
      'usage: npm run checkpoints -- save FILE | check FILE [--update] | audit [--limit N]  [--url URL]',
    )
} catch (error) {
  fail(`${origin}: ${(error as Error).message}`)
}
