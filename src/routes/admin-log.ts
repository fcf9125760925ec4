/**
 * The acknowledgement log, for administrators and for whoever keeps a copy of its checkpoints:
 * the full audit in bounded chunks, the incremental checkpoint, the signed checkpoints and the
 * consistency proofs between them. They cover every unit's records, so they are for admins and
 * tokens of the whole roster; signing a checkpoint is a change, and audited.
 */
import { z } from '@hono/zod-openapi'
import { AUDIT_DEFAULT_LIMIT, AUDIT_MAX_LIMIT, auditLog } from '../acknowledgements/audit'
import { consistencyBetween, MAX_PROOF_RECORDS } from '../acknowledgements/checkpoints'
import { parseGlobal, signGlobalCheckpoint } from '../acknowledgements/global'
import { ackSecrets } from '../acknowledgements/secrets'
import { head } from '../acknowledgements/notes'
import { PROBLEM_KINDS } from '../acknowledgements/verify'
import { checkpointsAbove } from '../db/checkpoints'
import { globalCheckpointsAfter } from '../db/global-checkpoints'
import { shardsOf } from '../db/shards'
import { AppError, errorResponses } from '../errors'
import { newRoutes } from '../factory'
import { audit } from '../admin/audit'
import { requireWholeLog, signCheckpointAs } from '../admin/rollout'
import { actorOf, auditByOf, parse, security } from './admin-auth'

export const adminLogRoutes = newRoutes()

const Head = z
  .object({
    treeSize: z.number().int(),
    rootHash: z.string().openapi({ description: 'RFC 9162 Merkle tree head, hex' }),
    createdAt: z.string(),
    keyId: z.string(),
    signature: z.string().openapi({ description: 'Ed25519 over the note, base64url' }),
    format: z.number().int().openapi({
      description:
        '1: the note is "redlines-checkpoint/1\\n{treeSize}\\n{rootHash}\\n{createdAt}\\n"; 2: "redlines-checkpoint/2\\n…\\n{createdAt}\\n{prevHash}\\n"',
    }),
    prevHash: z.string().nullable().openapi({
      description: "Format 2: SHA-256 (hex) of the previous checkpoint's note; null for the first",
    }),
  })
  .openapi('Checkpoint')

const ProblemSchema = z.object({
  kind: z.enum(PROBLEM_KINDS),
  seq: z.number().int().optional(),
  toSeq: z.number().int().optional(),
  receiptId: z.string().optional(),
  treeSize: z.number().int().optional(),
  globalNumber: z.number().int().optional(),
  message: z.string(),
})

const Shard = z.coerce
  .number()
  .int()
  .min(0)
  .max(999)
  .default(0)
  .openapi({ description: 'The shard whose log this is (0 is DB, n is DB_SHARD_n)' })

/** The log of the shard a request names (404 when there is none). */
function shardLog(env: Env, index: number) {
  const shards = shardsOf(env)
  const shard = shards.requested(index)
  return {
    shards,
    shard,
    global: shards.count > 1 ? { control: shards.control, shard: index } : undefined,
  }
}

const Limit = (fallback: number, max: number, what: string) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .default(fallback)
    .openapi({ description: `${what} (at most ${max})` })

// ---- the full audit -------------------------------------------------------------------------

const AuditQuery = z.object({
  shard: Shard,
  limit: Limit(AUDIT_DEFAULT_LIMIT, AUDIT_MAX_LIMIT, 'Records this request checks'),
  cursor: z
    .string()
    .max(20_000)
    .optional()
    .openapi({ description: 'The `next` of the chunk before' }),
})
const AuditSchema = z
  .object({
    ok: z.boolean().openapi({ description: 'No problem in this chunk or any before it' }),
    checkedAt: z.string(),
    startedAt: z.string(),
    complete: z.boolean(),
    next: z.string().nullable().openapi({ description: 'Pass as ?cursor= to continue' }),
    chunk: z.object({
      records: z.number().int(),
      checkpoints: z.number().int(),
      fromSeq: z.number().int().nullable(),
      toSeq: z.number().int().nullable(),
    }),
    records: z.number().int(),
    lastSeq: z.number().int(),
    checkpoints: z.object({
      stored: z.number().int(),
      matched: z.number().int(),
      latest: Head.nullable(),
    }),
    uncheckpointed: z.number().int().nullable(),
    problemCount: z.number().int(),
    problems: z.array(ProblemSchema).openapi({ description: "This chunk's problems" }),
  })
  .openapi('AuditChunk')

adminLogRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/api/admin/verify',
  summary:
    'The full audit, a chunk at a time: every record against its hash, signature, place and official, the tree against every checkpoint',
  description:
    'Each request checks at most `limit` records and answers a `next` cursor until the audit is complete; the chunks together report what one pass over the whole log would. A cursor can be retried or resumed later.',
  security,
  request: { query: AuditQuery },
  responses: {
    200: {
      description: 'One chunk (ok: false lists its problems)',
      content: { 'application/json': { schema: AuditSchema } },
    },
    ...errorResponses(400, 401, 403, 503),
  },
})
adminLogRoutes.get('/api/admin/verify', async (c) => {
  requireWholeLog(actorOf(c), 'read')
  const query = parse(AuditQuery, c.req.query())
  const secrets = await ackSecrets(c.env)
  const { shard, global } = shardLog(c.env, query.shard)
  const report = await auditLog(shard.db, secrets.receipt, secrets.linkKey, {
    now: new Date(),
    limit: query.limit,
    cursor: query.cursor,
    global,
  })
  return c.json(report, 200)
})

// ---- the incremental checkpoint -------------------------------------------------------------

const CheckpointQuery = z.object({
  shard: Shard,
  limit: Limit(AUDIT_DEFAULT_LIMIT, AUDIT_MAX_LIMIT, 'Records the new checkpoint covers at most'),
})
const CheckpointRunSchema = z
  .object({
    ok: z.boolean(),
    checkedAt: z.string(),
    base: Head.nullable().openapi({ description: 'The checkpoint this run extended' }),
    added: z.number().int(),
    records: z.number().int().openapi({ description: 'Records the newest checkpoint covers' }),
    lastSeq: z.number().int(),
    uncheckpointed: z.number().int(),
    caughtUp: z.boolean().openapi({ description: 'false: call again to cover the rest' }),
    problemCount: z.number().int(),
    problems: z.array(ProblemSchema),
    newCheckpoint: Head.nullable(),
  })
  .openapi('CheckpointRun')

adminLogRoutes.openAPIRegistry.registerPath({
  method: 'post',
  path: '/api/admin/verify',
  summary:
    'Check the records written since the newest checkpoint and sign a checkpoint over them, chained to it',
  description:
    'Reads only the new records (at most `limit`): the newest checkpoint, its signature and chain, then each record after it. Signs nothing over a record that fails, or when the newest checkpoint does not hold together.',
  security,
  request: { query: CheckpointQuery },
  responses: {
    200: {
      description: 'What was checked and signed',
      content: { 'application/json': { schema: CheckpointRunSchema } },
    },
    ...errorResponses(400, 401, 403, 503),
  },
})
adminLogRoutes.post('/api/admin/verify', async (c) => {
  const by = auditByOf(c)
  requireWholeLog(by.actor, 'write')
  const query = parse(CheckpointQuery, c.req.query())
  const secrets = await ackSecrets(c.env)
  const run = await signCheckpointAs(shardsOf(c.env), secrets.receipt, by, query.limit, query.shard)
  return c.json(run, 200)
})

// ---- checkpoints and proofs -----------------------------------------------------------------

const CheckpointsQuery = z.object({
  shard: Shard,
  after: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .openapi({ description: 'Tree size to continue after' }),
  limit: Limit(1000, 1000, 'Checkpoints in this page'),
})
adminLogRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/api/admin/checkpoints',
  summary:
    'The signed checkpoints, oldest first: keep a copy elsewhere (npm run checkpoints -- save) to pin the history',
  security,
  request: { query: CheckpointsQuery },
  responses: {
    200: {
      description: 'A page of checkpoints',
      content: {
        'application/json': {
          schema: z.object({ checkpoints: z.array(Head), next: z.number().int().nullable() }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 503),
  },
})
adminLogRoutes.get('/api/admin/checkpoints', async (c) => {
  requireWholeLog(actorOf(c), 'read')
  const query = parse(CheckpointsQuery, c.req.query())
  const page = await checkpointsAbove(shardLog(c.env, query.shard).shard.db, {
    above: query.after,
    limit: query.limit,
  })
  const last = page.at(-1)
  return c.json(
    {
      checkpoints: page.map(head),
      next: last && page.length === query.limit ? last.treeSize : null,
    },
    200,
  )
})

const ConsistencyQuery = z.object({
  shard: Shard,
  from: z.coerce
    .number()
    .int()
    .min(1)
    .openapi({ description: 'Tree size of the older checkpoint' }),
  to: z.coerce.number().int().min(1).openapi({ description: 'Tree size of the newer checkpoint' }),
})
adminLogRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/api/admin/checkpoints/consistency',
  summary:
    'RFC 9162 consistency proof between two checkpoints: the newer tree extends the older one',
  description: `Both sizes must be stored checkpoints, at most ${MAX_PROOF_RECORDS} records apart (prove longer spans in steps). Verify with RFC 9162 §2.1.4.2 against the two signed roots.`,
  security,
  request: { query: ConsistencyQuery },
  responses: {
    200: {
      description: 'The proof',
      content: {
        'application/json': {
          schema: z.object({ from: Head, to: Head, proof: z.array(z.string()) }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 404, 409, 422, 503),
  },
})
adminLogRoutes.get('/api/admin/checkpoints/consistency', async (c) => {
  requireWholeLog(actorOf(c), 'read')
  const query = parse(ConsistencyQuery, c.req.query())
  const { shard } = shardLog(c.env, query.shard)
  return c.json(await consistencyBetween(shard.db, query.from, query.to), 200)
})

// ---- global checkpoints (several shards) ----------------------------------------------------

const ShardHeadSchema = z.object({
  shard: z.number().int(),
  treeSize: z.number().int().openapi({ description: '0: the shard had no checkpoint' }),
  rootHash: z.string(),
  noteHash: z.string().openapi({ description: "SHA-256 (hex) of that checkpoint's note" }),
})
const GlobalSchema = z
  .object({
    number: z.number().int(),
    createdAt: z.string(),
    heads: z.array(ShardHeadSchema),
    keyId: z.string(),
    signature: z.string().openapi({
      description:
        'Ed25519 over "redlines-global-checkpoint/1\\n{number}\\n{createdAt}\\n{prevHash}\\n{count}\\n" and one "{shard} {treeSize} {rootHash} {noteHash}\\n" per shard',
    }),
    prevHash: z.string().nullable(),
  })
  .openapi('GlobalCheckpoint')

const GlobalQuery = z.object({
  after: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .openapi({ description: 'Global checkpoint number to continue after' }),
  limit: Limit(1000, 1000, 'Global checkpoints in this page'),
})
adminLogRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/api/admin/checkpoints/global',
  summary:
    "The global checkpoints (several shards), oldest first: each signs every shard's newest checkpoint, chained to the one before",
  security,
  request: { query: GlobalQuery },
  responses: {
    200: {
      description: 'A page of global checkpoints',
      content: {
        'application/json': {
          schema: z.object({
            globalCheckpoints: z.array(GlobalSchema),
            next: z.number().int().nullable(),
          }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 503),
  },
})
adminLogRoutes.get('/api/admin/checkpoints/global', async (c) => {
  requireWholeLog(actorOf(c), 'read')
  const query = parse(GlobalQuery, c.req.query())
  const page = (await globalCheckpointsAfter(shardsOf(c.env).control, query)).map(parseGlobal)
  const last = page.at(-1)
  return c.json(
    { globalCheckpoints: page, next: last && page.length === query.limit ? last.number : null },
    200,
  )
})

adminLogRoutes.openAPIRegistry.registerPath({
  method: 'post',
  path: '/api/admin/checkpoints/global',
  summary: "Sign a global checkpoint over every shard's newest checkpoint (several shards only)",
  description:
    'Signs nothing when no shard has a newer checkpoint than the newest global one lists. The cron does this after checkpointing the shards.',
  security,
  responses: {
    200: {
      description: 'The new global checkpoint (null when nothing moved) and the newest one',
      content: {
        'application/json': {
          schema: z.object({ created: GlobalSchema.nullable(), latest: GlobalSchema.nullable() }),
        },
      },
    },
    ...errorResponses(401, 403, 409, 503),
  },
})
adminLogRoutes.post('/api/admin/checkpoints/global', async (c) => {
  const by = auditByOf(c)
  requireWholeLog(by.actor, 'write')
  const shards = shardsOf(c.env)
  if (shards.count === 1)
    throw new AppError(
      409,
      'single_shard',
      'There is one shard: its own chained checkpoints are the whole log, and no global checkpoint is made.',
    )
  const secrets = await ackSecrets(c.env)
  const run = await signGlobalCheckpoint(shards, secrets.receipt, by.now)
  if (run.created)
    await audit(shards.control, by, 'verify.global_checkpoint', {
      target: String(run.created.number),
      counts: { shards: run.created.heads.length },
    })
  return c.json(run, 200)
})
