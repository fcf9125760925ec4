/**
 * A copy of the log's checkpoints kept outside the database, and the check that the server's log
 * is still a consistent extension of it (RFC 9162 §2.1.4): every saved checkpoint still there as
 * signed, the chain unbroken, and a consistency proof from the newest saved checkpoint to the
 * server's newest. This is what catches what the database alone cannot show: the newest
 * checkpoint deleted, or everything wiped, or history re-signed by someone holding the key.
 * Used by `npm run checkpoints` (Node) and by the tests (workerd): WebCrypto only, and the
 * server reached through the `api` function given.
 */
import { utf8 } from './bytes'
import { verifyConsistency } from './merkle'
import { jwkThumbprint, type PublicJwk } from './secrets'
import { checkpointNote, noteHash, type CheckpointHead } from './notes'
import { verifiesWithJwk } from './offline'

export const COPY_FORMAT = 'redlines-checkpoints/1'
/** The span one consistency proof may cover (the server's MAX_PROOF_RECORDS). */
export const PROOF_SPAN = 10_000

export interface CheckpointCopy {
  format: typeof COPY_FORMAT
  /** The Worker the copy is of. */
  origin: string
  savedAt: string
  /** Every key the Worker published, so heads verify after a key rotation too. */
  keys: PublicJwk[]
  /** Oldest first. */
  checkpoints: CheckpointHead[]
}

/** GET a path of the Worker with the admin token, parsed JSON; throws with the error's message. */
export type Api = (path: string) => Promise<unknown>

async function serverHeads(api: Api): Promise<CheckpointHead[]> {
  const heads: CheckpointHead[] = []
  let after = 0
  for (;;) {
    const page = (await api(`/api/admin/checkpoints?after=${after}&limit=1000`)) as {
      checkpoints: CheckpointHead[]
      next: number | null
    }
    heads.push(...page.checkpoints)
    if (page.next === null) return heads
    after = page.next
  }
}

async function serverKeys(api: Api): Promise<PublicJwk[]> {
  return ((await api('/.well-known/redlines-receipt-keys.json')) as { keys: PublicJwk[] }).keys
}

function union(a: readonly PublicJwk[], b: readonly PublicJwk[]): PublicJwk[] {
  const out = [...a]
  for (const key of b) if (!out.some((k) => k.kid === key.kid)) out.push(key)
  return out
}

async function signedBy(keys: readonly PublicJwk[], c: CheckpointHead): Promise<boolean> {
  const jwk = keys.find((k) => k.kid === c.keyId)
  if (!jwk || (await jwkThumbprint(jwk)) !== c.keyId) return false
  return verifiesWithJwk(jwk.x, c.signature, utf8(checkpointNote(c)))
}

/** Signatures and chain of a list of heads, oldest first. */
async function headProblems(keys: readonly PublicJwk[], heads: readonly CheckpointHead[]) {
  const problems: string[] = []
  let previous: string | null = null
  for (const c of heads) {
    if (!(await signedBy(keys, c)))
      problems.push(`the checkpoint over ${c.treeSize} records is not signed by a published key`)
    if (c.format !== 1 && c.prevHash !== previous)
      problems.push(
        `the checkpoint over ${c.treeSize} records does not follow the one before it: a checkpoint between them was removed or altered`,
      )
    previous = await noteHash(c)
  }
  return problems
}

/** Fetches every checkpoint and key; refuses (problems) to save a copy that does not verify. */
export async function saveCheckpoints(
  api: Api,
  origin: string,
  now: Date,
): Promise<{ copy: CheckpointCopy; problems: string[] }> {
  const [keys, checkpoints] = await Promise.all([serverKeys(api), serverHeads(api)])
  const copy: CheckpointCopy = {
    format: COPY_FORMAT,
    origin,
    savedAt: now.toISOString(),
    keys,
    checkpoints,
  }
  return { copy, problems: await headProblems(keys, checkpoints) }
}

export interface CopyCheck {
  /** The server's log is a consistent extension of the copy. */
  consistent: boolean
  problems: string[]
  /** Tree size of the newest checkpoint in the copy, and on the server. */
  saved: number
  server: number
  /** Consistency proofs checked on the way from one to the other. */
  proofs: number
  /** The copy with the server's newer checkpoints added (only when consistent). */
  updated: CheckpointCopy
}

const same = (a: CheckpointHead, b: CheckpointHead) =>
  a.treeSize === b.treeSize &&
  a.rootHash === b.rootHash &&
  a.createdAt === b.createdAt &&
  a.keyId === b.keyId &&
  a.signature === b.signature &&
  a.format === b.format &&
  a.prevHash === b.prevHash

/** Whether the server's log still extends the copy, and the copy brought up to date. */
export async function checkCheckpoints(
  api: Api,
  copy: CheckpointCopy,
  now: Date,
): Promise<CopyCheck> {
  if (copy?.format !== COPY_FORMAT || !Array.isArray(copy.checkpoints))
    throw new Error(`not a copy of checkpoints (format ${COPY_FORMAT})`)
  const [published, heads] = await Promise.all([serverKeys(api), serverHeads(api)])
  const keys = union(copy.keys, published)
  const problems: string[] = []
  const bySize = new Map(heads.map((c) => [c.treeSize, c]))
  for (const saved of copy.checkpoints) {
    const there = bySize.get(saved.treeSize)
    if (!there)
      problems.push(
        `the checkpoint over ${saved.treeSize} records signed at ${saved.createdAt} is gone from the server`,
      )
    else if (!same(saved, there))
      problems.push(
        `the checkpoint over ${saved.treeSize} records is not the one signed at ${saved.createdAt}: the server's differs`,
      )
  }
  problems.push(...(await headProblems(keys, heads)))

  const newest = copy.checkpoints.at(-1)
  const saved = newest?.treeSize ?? 0
  const server = heads.at(-1)?.treeSize ?? 0
  let proofs = 0
  if (server < saved)
    problems.push(
      `the server's newest checkpoint covers ${server} records, fewer than the ${saved} of the saved copy: records or checkpoints were removed`,
    )
  else if (newest && problems.length === 0) {
    // From the newest saved head to the server's newest, through the heads in between, each
    // step at most PROOF_SPAN records long.
    let from = newest
    const later = heads.filter((c) => c.treeSize > saved)
    for (let i = 0; i < later.length;) {
      let j = i
      while (j + 1 < later.length && later[j + 1]!.treeSize - from.treeSize <= PROOF_SPAN) j++
      const to = later[j]!
      let valid = false
      try {
        const answer = (await api(
          `/api/admin/checkpoints/consistency?from=${from.treeSize}&to=${to.treeSize}`,
        )) as { proof: string[] }
        valid = await verifyConsistency(
          from.treeSize,
          to.treeSize,
          from.rootHash,
          to.rootHash,
          answer.proof,
        )
      } catch (error) {
        problems.push(
          `no consistency proof from ${from.treeSize} to ${to.treeSize} records: ${(error as Error).message}`,
        )
        break
      }
      proofs++
      if (!valid) {
        problems.push(
          `the log of ${to.treeSize} records does not extend the one of ${from.treeSize}: the proof fails`,
        )
        break
      }
      from = to
      i = j + 1
    }
  }
  const consistent = problems.length === 0
  return {
    consistent,
    problems,
    saved,
    server,
    proofs,
    updated: consistent
      ? {
          ...copy,
          savedAt: now.toISOString(),
          keys,
          checkpoints: [...copy.checkpoints, ...heads.filter((c) => c.treeSize > saved)],
        }
      : copy,
  }
}
