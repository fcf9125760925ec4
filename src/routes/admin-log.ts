/**
 * The acknowledgement log, for administrators and for whoever keeps a copy of its checkpoints:
 * the full audit in bounded chunks, the incremental checkpoint, the signed checkpoints and the
 * consistency proofs between them. They cover every unit's records, so they are for admins and
 * tokens of the whole roster; signing a checkpoint is a change, and audited.
 */
import { z } from '@hono/zod-openapi'
import { AUDIT_DEFAULT_LIMIT, AUDIT_MAX_LIMIT, auditLog } from '../acknowledgements/audit'
import { consistencyBetween, MAX_PROOF_RECORDS } from '../acknowledgements/checkpoints'
import { ackSecrets } from '../acknowledgements/secrets'
import { head } from '../acknowledgements/notes'
import { PROBLEM_KINDS } from '../acknowledgements/verify'
import { checkpointsAbove } from '../db/checkpoints'
import { database } from '../db/client'
import { errorResponses } from '../errors'
import { newRoutes } from '../factory'
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
  message: z.string(),
})

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
  const report = await auditLog(database(c.env.DB), secrets.receipt, secrets.linkKey, {
    now: new Date(),
    limit: query.limit,
    cursor: query.cursor,
  })
  return c.json(report, 200)
})

// ---- the incremental checkpoint -------------------------------------------------------------

const CheckpointQuery = z.object({
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
  const run = await signCheckpointAs(database(c.env.DB), secrets.receipt, by, query.limit)
  return c.json(run, 200)
})

// ---- checkpoints and proofs -----------------------------------------------------------------

const CheckpointsQuery = z.object({
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
  const page = await checkpointsAbove(database(c.env.DB), {
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
  return c.json(await consistencyBetween(database(c.env.DB), query.from, query.to), 200)
})
