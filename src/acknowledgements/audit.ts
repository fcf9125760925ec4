/**
 * The full audit: every record re-checked, the tree rebuilt from the first leaf and compared with
 * every checkpoint, in chunks of at most `limit` records, each one request. A chunk ends with a
 * cursor (its state, sealed with a MAC) that the next request resumes from, so each request's
 * work is bounded however long the log, and an interrupted audit continues where it stopped.
 * Put together, the chunks report what one pass over the whole log would.
 */
import {
  logEnd,
  recordsOutsideLogStatement,
  verificationPageStatement,
} from '../db/acknowledgements'
import { checkpointsAbove, type Checkpoint } from '../db/checkpoints'
import type { Database } from '../db/client'
import { badRequest } from '../errors'
import { checkGlobalForShard } from './global'
import { Frontier } from './merkle'
import type { ReceiptKeys } from './secrets'
import { openCursor, sealCursor } from './tokens'
import { head, noteHash, type CheckpointHead } from './notes'
import { checkCheckpoint, checkRow, Findings, referencedCheckpoints, type Problem } from './verify'

export const AUDIT_DEFAULT_LIMIT = 500
export const AUDIT_MAX_LIMIT = 2000

/** Where an audit stands between two chunks. */
interface AuditState {
  v: 1
  startedAt: string
  /**
   * 'rows': walking the records; 'tail': the log has ended, checkpoints beyond it remain;
   * 'global' (several shards): the global checkpoints, for what they list of this shard.
   */
  phase: 'rows' | 'tail' | 'global'
  /** The shard audited (absent: 0); a cursor resumes only the audit of its own shard. */
  shard?: number
  /** The last global checkpoint checked, and its note hash. */
  globalAfter?: number
  previousGlobal?: string | null
  /** The last seq read (0 before the first). */
  afterSeq: number
  /** The tree over the records read so far. */
  size: number
  frontier: string[]
  /** Every checkpoint up to this tree size has been checked. */
  through: number
  /** Hash of the last checked checkpoint's note: what the next one must sign (chain). */
  previousNote: string | null
  /** The newest checkpoint the records read so far reach. */
  latest: CheckpointHead | null
  totals: { problems: number; stored: number; matched: number }
}

export interface AuditReport {
  /** No problem in this chunk or any before it. */
  ok: boolean
  checkedAt: string
  startedAt: string
  /** Whether this chunk finished the audit; else `next` continues it. */
  complete: boolean
  next: string | null
  /** This chunk's share of the work. */
  chunk: { records: number; checkpoints: number; fromSeq: number | null; toSeq: number | null }
  /** Records read so far. */
  records: number
  lastSeq: number
  checkpoints: { stored: number; matched: number; latest: CheckpointHead | null }
  /** Records after the newest checkpoint; known once the audit is complete. */
  uncheckpointed: number | null
  /** Problems found so far, in this chunk and the ones before it. */
  problemCount: number
  /** The problems this chunk found. */
  problems: Problem[]
}

async function resume(
  cursorKey: CryptoKey,
  cursor: string | undefined,
  now: Date,
  shard: number,
): Promise<AuditState> {
  if (cursor === undefined)
    return {
      v: 1,
      ...(shard ? { shard } : {}),
      startedAt: now.toISOString(),
      phase: 'rows',
      afterSeq: 0,
      size: 0,
      frontier: [],
      through: 0,
      previousNote: null,
      latest: null,
      totals: { problems: 0, stored: 0, matched: 0 },
    } satisfies AuditState
  const state = (await openCursor(cursorKey, cursor)) as AuditState | undefined
  if (state?.v !== 1)
    throw badRequest(
      'invalid_cursor',
      'cursor: not a cursor this audit returned (or from another key).',
    )
  if ((state.shard ?? 0) !== shard)
    throw badRequest(
      'invalid_cursor',
      `cursor: it continues the audit of shard ${state.shard ?? 0}, not of shard ${shard}.`,
    )
  return state
}

/**
 * One chunk of the audit of one shard's log (`db`): the first without a cursor, each next one
 * with the cursor before. With several shards, `global` names the control database and the
 * shard, and the audit ends with the global checkpoints' claims about this shard; it reads no
 * other shard.
 */
export async function auditLog(
  db: Database,
  keys: ReceiptKeys,
  cursorKey: CryptoKey,
  options: {
    now: Date
    limit: number
    cursor?: string
    global?: { control: Database; shard: number }
  },
): Promise<AuditReport> {
  const { limit } = options
  const state: AuditState = await resume(
    cursorKey,
    options.cursor,
    options.now,
    options.global?.shard ?? 0,
  )
  const frontier = Frontier.restore(state.size, state.frontier)
  const findings = new Findings()
  const chunk = {
    records: 0,
    checkpoints: 0,
    fromSeq: null as number | null,
    toSeq: null as number | null,
  }

  if (options.cursor === undefined)
    for (const row of await recordsOutsideLogStatement(db, Findings.MAX_LISTED))
      findings.add({
        kind: 'inserted',
        seq: row.seq,
        receiptId: row.receiptId,
        message: `record ${row.seq} sits below the start of the log (seq 1): it was inserted directly in the database`,
      })

  /** A checkpoint's signature and chain; when the tree has its size, its root and frontier too. */
  const visit = async (c: Checkpoint, reached: boolean) => {
    chunk.checkpoints++
    state.totals.stored++
    for (const problem of await checkCheckpoint(keys, c, state.previousNote)) findings.add(problem)
    if (reached) {
      if (
        c.treeSize === frontier.size &&
        c.rootHash === (await frontier.root()) &&
        c.frontier === JSON.stringify(frontier.hashes())
      )
        state.totals.matched++
      else
        findings.add({
          kind: 'checkpoint_mismatch',
          treeSize: c.treeSize,
          message: `the first ${c.treeSize} records differ from those signed at ${c.createdAt}: a record before it was altered, removed, inserted or moved`,
        })
      state.latest = head(c)
    } else
      findings.add({
        kind: 'removed',
        treeSize: c.treeSize,
        message: `a checkpoint signed at ${c.createdAt} covers ${c.treeSize} records, but the log holds ${frontier.size}`,
      })
    state.previousNote = await noteHash(c)
    state.through = c.treeSize
  }

  let budget = limit
  if (state.phase === 'rows') {
    const rows = await verificationPageStatement(db, { afterSeq: state.afterSeq, limit })
    // Every checkpoint up to the tree's size has been visited, so these are at most rows + 1.
    const [due, referenced] = await Promise.all([
      checkpointsAbove(db, {
        above: state.through,
        through: frontier.size + rows.length,
        limit: limit + 1,
      }),
      referencedCheckpoints(db, rows),
    ])
    const reachDue = async () => {
      while (due[0] && due[0].treeSize <= frontier.size) await visit(due.shift()!, true)
    }
    await reachDue()
    for (const logRow of rows) {
      const { row } = logRow
      if (row.seq > state.afterSeq + 1)
        findings.add({
          kind: 'removed',
          seq: state.afterSeq + 1,
          toSeq: row.seq - 1,
          message: `records ${state.afterSeq + 1}${row.seq - 1 > state.afterSeq + 1 ? `-${row.seq - 1}` : ''} are missing from the log`,
        })
      state.afterSeq = row.seq
      // Every signature is checked, even under a checkpoint: a checkpoint covers the receipt's
      // hash, not the signature column an official's receipt download is made from.
      const { problems, leaf } = await checkRow(keys, logRow, referenced)
      for (const problem of problems) findings.add(problem)
      await frontier.append(leaf)
      await reachDue()
    }
    chunk.records = rows.length
    chunk.fromSeq = rows[0]?.row.seq ?? null
    chunk.toSeq = rows.at(-1)?.row.seq ?? null
    if (rows.length < limit) {
      // The log ends here. sqlite_sequence remembers rows deleted from the end.
      const end = await logEnd(db)
      if (end.issued > state.afterSeq)
        findings.add({
          kind: 'removed',
          seq: state.afterSeq + 1,
          toSeq: end.issued,
          message: `records ${state.afterSeq + 1}${end.issued > state.afterSeq + 1 ? `-${end.issued}` : ''} were written and are gone from the end of the log`,
        })
      state.phase = 'tail'
      budget = limit - rows.length
    } else budget = 0
  }
  let complete = false
  if (state.phase === 'tail' && budget > 0) {
    // Checkpoints over more records than the log holds: each one is evidence of removed records.
    const beyond = await checkpointsAbove(db, { above: state.through, limit: budget })
    for (const c of beyond) await visit(c, false)
    if (beyond.length < budget) {
      if (options.global) state.phase = 'global'
      else complete = true
    }
    budget -= beyond.length
  }
  if (state.phase === 'global' && budget > 0 && options.global) {
    const checked = await checkGlobalForShard(
      options.global.control,
      db,
      options.global.shard,
      keys,
      {
        after: state.globalAfter ?? 0,
        limit: budget,
        previous: state.previousGlobal ?? null,
      },
    )
    for (const problem of checked.problems) findings.add(problem)
    state.globalAfter = checked.last
    state.previousGlobal = checked.previous
    complete = checked.checked < budget
  }

  state.size = frontier.size
  state.frontier = frontier.hashes()
  state.totals.problems += findings.count
  return {
    ok: state.totals.problems === 0,
    checkedAt: options.now.toISOString(),
    startedAt: state.startedAt,
    complete,
    next: complete ? null : await sealCursor(cursorKey, state),
    chunk,
    records: frontier.size,
    lastSeq: state.afterSeq,
    checkpoints: {
      stored: state.totals.stored,
      matched: state.totals.matched,
      latest: state.latest,
    },
    uncheckpointed: complete ? frontier.size - (state.latest?.treeSize ?? 0) : null,
    problemCount: state.totals.problems,
    problems: findings.problems,
  }
}
