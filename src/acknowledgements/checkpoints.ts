/**
 * Checkpoints: a signed tree head over the first records of the log, chained to the one before.
 * Making one checks only what was written since the previous one (extendLog), from that
 * checkpoint's frontier: the work of a run is bounded by the records it adds, not by the log.
 * The cron and POST /api/admin/verify run it; the full audit (audit.ts) re-checks everything.
 */
import {
  leafHashesStatement,
  logEnd,
  recordsOutsideLogStatement,
  verificationPageStatement,
} from '../db/acknowledgements'
import {
  checkpointOfSize,
  latestCheckpoints,
  saveCheckpoint,
  type Checkpoint,
} from '../db/checkpoints'
import type { Database } from '../db/client'
import { AppError, badRequest, notFound } from '../errors'
import { base64url, utf8 } from './bytes'
import { consistencyProof, Frontier } from './merkle'
import type { ReceiptKeys } from './secrets'
import { checkpointNote, head, noteHash, type CheckpointHead } from './notes'
import { checkCheckpoint, checkRow, Findings, referencedCheckpoints, type Problem } from './verify'

/** The format new checkpoints are signed in: chained to their predecessor. */
export const CHECKPOINT_FORMAT = 2

export async function signCheckpoint(
  keys: ReceiptKeys,
  frontier: Frontier,
  previous: Checkpoint | undefined,
  now: Date,
): Promise<Checkpoint> {
  const unsigned = {
    format: CHECKPOINT_FORMAT,
    treeSize: frontier.size,
    rootHash: await frontier.root(),
    createdAt: now.toISOString(),
    prevHash: previous ? await noteHash(previous) : null,
  }
  const signature = await crypto.subtle.sign(
    'Ed25519',
    keys.privateKey,
    utf8(checkpointNote(unsigned)),
  )
  return {
    ...unsigned,
    frontier: JSON.stringify(frontier.hashes()),
    keyId: keys.keyId,
    signature: base64url(signature),
  }
}

/** The frontier a checkpoint stored, if it still folds to the root the checkpoint signed. */
export async function restoreFrontier(c: Checkpoint): Promise<Frontier | undefined> {
  try {
    const frontier = Frontier.restore(c.treeSize, JSON.parse(c.frontier) as string[])
    return (await frontier.root()) === c.rootHash ? frontier : undefined
  } catch {
    return undefined
  }
}

export interface CheckpointRun {
  ok: boolean
  checkedAt: string
  /** The checkpoint this run extended; null when the log had none. */
  base: CheckpointHead | null
  /** Records checked and covered by the new checkpoint. */
  added: number
  /** Records the newest checkpoint covers after this run. */
  records: number
  lastSeq: number
  /** Records after the newest checkpoint still, as far as the end of the log says. */
  uncheckpointed: number
  /** Whether this run reached the end of the log (else another run continues). */
  caughtUp: boolean
  problemCount: number
  problems: Problem[]
  newCheckpoint: CheckpointHead | null
}

/**
 * Checks the records after the newest checkpoint (at most `maxRecords`) and signs a checkpoint
 * over those that hold, chained to it. Signs nothing when the newest checkpoint itself does not
 * hold together (signature, chain, frontier) or rows sit below seq 1; stops before the first
 * record that fails its check. A checkpoint it signs extends the previous checkpoint's frontier,
 * never the rows below it as they are now, so it cannot cover an edit to an older record: the
 * full audit goes on reporting that.
 */
export async function extendLog(
  db: Database,
  keys: ReceiptKeys,
  options: { now: Date; maxRecords: number },
): Promise<CheckpointRun> {
  const findings = new Findings()
  const [[latest, previous], outside] = await Promise.all([
    latestCheckpoints(db, 2),
    recordsOutsideLogStatement(db, 1),
  ])
  let frontier: Frontier | undefined = new Frontier()
  if (latest) {
    for (const problem of await checkCheckpoint(
      keys,
      latest,
      previous ? await noteHash(previous) : null,
    ))
      findings.add(problem)
    frontier = await restoreFrontier(latest)
    if (!frontier)
      findings.add({
        kind: 'checkpoint_mismatch',
        treeSize: latest.treeSize,
        message: `the frontier stored with the checkpoint over ${latest.treeSize} records does not give the root it signed: the checkpoint was altered`,
      })
  }
  for (const row of outside)
    findings.add({
      kind: 'inserted',
      seq: row.seq,
      receiptId: row.receiptId,
      message: `record ${row.seq} sits below the start of the log (seq 1): it was inserted directly in the database`,
    })
  const baseSound = frontier !== undefined && findings.count === 0
  frontier ??= new Frontier()

  let added = 0
  let lastSeq = latest?.treeSize ?? 0
  let stopped = !baseSound
  let rowsRead = 0
  if (baseSound) {
    const rows = await verificationPageStatement(db, {
      afterSeq: frontier.size,
      limit: options.maxRecords,
    })
    rowsRead = rows.length
    const referenced = await referencedCheckpoints(db, rows)
    for (const logRow of rows) {
      const { row } = logRow
      if (row.seq !== frontier.size + 1) {
        findings.add({
          kind: 'removed',
          seq: frontier.size + 1,
          toSeq: row.seq - 1,
          message: `records ${frontier.size + 1}${row.seq - 1 > frontier.size + 1 ? `-${row.seq - 1}` : ''} are missing from the log`,
        })
        stopped = true
        break
      }
      const { problems, leaf } = await checkRow(keys, logRow, referenced)
      if (problems.length) {
        for (const problem of problems) findings.add(problem)
        stopped = true
        break
      }
      await frontier.append(leaf)
      added++
      lastSeq = row.seq
    }
  }
  const caughtUp = !stopped && rowsRead < options.maxRecords
  const end = await logEnd(db)
  if (latest && end.maxSeq < latest.treeSize)
    findings.add({
      kind: 'removed',
      treeSize: latest.treeSize,
      message: `the checkpoint signed at ${latest.createdAt} covers ${latest.treeSize} records, but the log ends at record ${end.maxSeq}`,
    })
  if (caughtUp && end.issued > lastSeq)
    findings.add({
      kind: 'removed',
      seq: lastSeq + 1,
      toSeq: end.issued,
      message: `records ${lastSeq + 1}${end.issued > lastSeq + 1 ? `-${end.issued}` : ''} were written and are gone from the end of the log`,
    })

  let newCheckpoint: CheckpointHead | null = null
  if (baseSound && added > 0) {
    const signed = await signCheckpoint(keys, frontier, latest, options.now)
    if (await saveCheckpoint(db, signed, latest?.treeSize ?? 0)) newCheckpoint = head(signed)
  }
  const covered = newCheckpoint?.treeSize ?? latest?.treeSize ?? 0
  return {
    ok: findings.count === 0,
    checkedAt: options.now.toISOString(),
    base: latest ? head(latest) : null,
    added: newCheckpoint ? added : 0,
    records: covered,
    lastSeq,
    uncheckpointed: Math.max(0, end.maxSeq - covered),
    caughtUp,
    problemCount: findings.count,
    problems: findings.problems,
    newCheckpoint,
  }
}

/** The longest consistency proof one request computes, in records between the two checkpoints. */
export const MAX_PROOF_RECORDS = 10_000

/**
 * The RFC 9162 consistency proof between two stored checkpoints: from the older one's frontier
 * and the leaf hashes of the records between them. Checks nothing it reads: a verifier holding
 * the two signed roots sees any difference.
 */
export async function consistencyBetween(db: Database, from: number, to: number) {
  if (!(from >= 1 && to >= from))
    throw badRequest('invalid_range', 'from and to are tree sizes with 1 <= from <= to.')
  if (to - from > MAX_PROOF_RECORDS)
    throw new AppError(
      422,
      'proof_too_long',
      `A proof spans at most ${MAX_PROOF_RECORDS} records; ask for it in steps between the checkpoints in between.`,
    )
  const [older, newer] = await Promise.all([checkpointOfSize(db, from), checkpointOfSize(db, to)])
  for (const [size, c] of [
    [from, older],
    [to, newer],
  ] as const)
    if (!c) throw notFound('checkpoint_not_found', `There is no checkpoint over ${size} records.`)
  const frontier = await restoreFrontier(older!)
  if (!frontier)
    throw new AppError(
      409,
      'checkpoint_corrupt',
      `The checkpoint over ${from} records does not hold together (run the audit).`,
    )
  const leaves = await leafHashesStatement(db, { afterSeq: from, limit: to - from })
  if (leaves.length !== to - from || leaves.some((leaf, i) => leaf.seq !== from + i + 1))
    throw new AppError(
      409,
      'log_incomplete',
      `Records ${from + 1}-${to} are not all in the log (run the audit).`,
    )
  return {
    from: head(older!),
    to: head(newer!),
    proof: await consistencyProof(
      from,
      frontier.hashes(),
      leaves.map((leaf) => leaf.recordHash),
    ),
  }
}
