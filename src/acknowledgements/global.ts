/**
 * The global checkpoint: with several shards, each keeps its own log and chained checkpoints,
 * and a global checkpoint in the control database signs the list of every shard's newest
 * checkpoint at one moment, chained to the global checkpoint before it. It is what shows a shard's
 * newest checkpoint deleted, or a whole shard wiped, from the other side: the global checkpoint
 * still names what the shard had. Checking it for one shard reads the control database and that
 * shard only. With one shard there is none: the shard's own chain is the whole log, as before.
 */
import { latestCheckpoints, checkpointsOfSizes } from '../db/checkpoints'
import type { Database } from '../db/client'
import {
  globalCheckpointsAfter,
  latestGlobalCheckpoint,
  saveGlobalCheckpoint,
  type GlobalCheckpointRow,
} from '../db/global-checkpoints'
import type { ShardSet } from '../db/shards'
import { base64url, fromBase64url, hex, utf8 } from './bytes'
import { noteHash } from './notes'
import type { ReceiptKeys } from './secrets'
import type { Problem } from './verify'

/** One shard's newest checkpoint as a global checkpoint lists it (size 0: it had none). */
export interface ShardHead {
  shard: number
  treeSize: number
  rootHash: string
  /** SHA-256 (hex) of that checkpoint's note. */
  noteHash: string
}

export interface GlobalCheckpoint {
  number: number
  createdAt: string
  heads: ShardHead[]
  keyId: string
  signature: string
  prevHash: string | null
}

export const GLOBAL_FORMAT = 'redlines-global-checkpoint/1'

/** The bytes a global checkpoint signs: never parseable as a shard's note or a receipt. */
export function globalNote(g: Omit<GlobalCheckpoint, 'keyId' | 'signature'>): string {
  const lines = [
    GLOBAL_FORMAT,
    String(g.number),
    g.createdAt,
    g.prevHash ?? '',
    String(g.heads.length),
    ...g.heads.map((h) => `${h.shard} ${h.treeSize} ${h.rootHash} ${h.noteHash}`),
  ]
  return `${lines.join('\n')}\n`
}

export async function globalNoteHash(g: Omit<GlobalCheckpoint, 'keyId' | 'signature'>) {
  return hex(await crypto.subtle.digest('SHA-256', utf8(globalNote(g))))
}

export function parseGlobal(row: GlobalCheckpointRow): GlobalCheckpoint {
  let heads: ShardHead[] = []
  try {
    heads = (JSON.parse(row.heads) as [number, number, string, string][]).map(
      ([shard, treeSize, rootHash, note]) => ({ shard, treeSize, rootHash, noteHash: note }),
    )
  } catch {
    // An unreadable list signs nothing: its signature check fails.
  }
  return { ...row, heads }
}

const EMPTY = '-'

/** Every shard's newest checkpoint now: one read of each shard. */
async function shardHeads(shards: ShardSet): Promise<ShardHead[]> {
  return Promise.all(
    shards.shards.map(async (shard) => {
      const [latest] = await latestCheckpoints(shard.db, 1)
      return latest
        ? {
            shard: shard.index,
            treeSize: latest.treeSize,
            rootHash: latest.rootHash,
            noteHash: await noteHash(latest),
          }
        : { shard: shard.index, treeSize: 0, rootHash: EMPTY, noteHash: EMPTY }
    }),
  )
}

const sameHeads = (a: readonly ShardHead[], b: readonly ShardHead[]) =>
  a.length === b.length &&
  a.every((h, i) => h.shard === b[i]!.shard && h.noteHash === b[i]!.noteHash)

export interface GlobalRun {
  /** The global checkpoint signed now, or null when no shard moved since the newest one. */
  created: GlobalCheckpoint | null
  latest: GlobalCheckpoint | null
}

/** Signs the shards' heads as they are now, unless they are what the newest global one lists. */
export async function signGlobalCheckpoint(
  shards: ShardSet,
  keys: ReceiptKeys,
  now: Date,
): Promise<GlobalRun> {
  const [heads, latestRow] = await Promise.all([
    shardHeads(shards),
    latestGlobalCheckpoint(shards.control),
  ])
  const latest = latestRow ? parseGlobal(latestRow) : null
  if (latest && sameHeads(latest.heads, heads)) return { created: null, latest }
  const unsigned = {
    number: (latest?.number ?? 0) + 1,
    createdAt: now.toISOString(),
    heads,
    prevHash: latest ? await globalNoteHash(latest) : null,
  }
  const signature = base64url(
    await crypto.subtle.sign('Ed25519', keys.privateKey, utf8(globalNote(unsigned))),
  )
  const created: GlobalCheckpoint = { ...unsigned, keyId: keys.keyId, signature }
  const stored = await saveGlobalCheckpoint(shards.control, {
    number: created.number,
    createdAt: created.createdAt,
    heads: JSON.stringify(heads.map((h) => [h.shard, h.treeSize, h.rootHash, h.noteHash])),
    keyId: created.keyId,
    signature,
    prevHash: created.prevHash,
  })
  return stored ? { created, latest: created } : { created: null, latest }
}

export async function globalSignatureValid(keys: ReceiptKeys, g: GlobalCheckpoint) {
  const key = keys.verifying.get(g.keyId)
  if (!key) return false
  try {
    return await crypto.subtle.verify(
      'Ed25519',
      key.publicKey,
      fromBase64url(g.signature),
      utf8(globalNote(g)),
    )
  } catch {
    return false
  }
}

/**
 * A page of global checkpoints, checked for one shard: each one's signature and chain, and that
 * the shard still holds, as signed, the checkpoint it listed for the shard. Reads the control
 * database and that shard only. `previous`: the note hash of the global checkpoint before the
 * page (null before the first).
 */
export async function checkGlobalForShard(
  control: Database,
  shardDb: Database,
  shard: number,
  keys: ReceiptKeys,
  q: { after: number; limit: number; previous: string | null },
): Promise<{ problems: Problem[]; checked: number; last: number; previous: string | null }> {
  const page = (await globalCheckpointsAfter(control, q)).map(parseGlobal)
  const listed = page.flatMap((g) => g.heads.filter((h) => h.shard === shard && h.treeSize > 0))
  const stored = new Map(
    await Promise.all(
      (await checkpointsOfSizes(shardDb, [...new Set(listed.map((h) => h.treeSize))])).map(
        async (c) => [c.treeSize, await noteHash(c)] as const,
      ),
    ),
  )
  const problems: Problem[] = []
  let previous = q.previous
  let last = q.after
  for (const g of page) {
    if (!(await globalSignatureValid(keys, g)))
      problems.push({
        kind: 'global_invalid',
        globalNumber: g.number,
        message: `global checkpoint ${g.number} is not signed by the key it names`,
      })
    if (g.number !== last + 1 || g.prevHash !== previous)
      problems.push({
        kind: 'global_chain',
        globalNumber: g.number,
        message: `global checkpoint ${g.number} does not follow the one stored before it: a global checkpoint between them was removed or altered`,
      })
    const own = g.heads.find((h) => h.shard === shard)
    if (own && own.treeSize > 0 && stored.get(own.treeSize) !== own.noteHash)
      problems.push({
        kind: 'checkpoint_missing',
        treeSize: own.treeSize,
        globalNumber: g.number,
        message: `global checkpoint ${g.number} lists this shard's checkpoint over ${own.treeSize} records, which the shard no longer holds as signed: it was removed, altered or signed again`,
      })
    previous = await globalNoteHash(g)
    last = g.number
  }
  return { problems, checked: page.length, last, previous }
}
