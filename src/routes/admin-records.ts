/** GET /api/admin/acknowledgements: the records in log order, inside the caller's subtree. */
import { z } from '@hono/zod-openapi'
import { csvStream, RECORD_COLUMNS, recordCells } from '../acknowledgements/export'
import { receiptOf } from '../acknowledgements/receipt'
import { take } from '../acknowledgements/status'
import { recordsAs } from '../admin/rollout'
import { badRequest, errorResponses } from '../errors'
import { newRoutes } from '../factory'
import { actorOf, security } from './admin-auth'
import { csv, csvResponse, Format, parse, storeOf, Unit } from './admin-input'

export const adminRecordRoutes = newRoutes()

const RecordsQuery = z.object({
  notice: z.string().optional(),
  version: z.coerce.number().int().min(1).optional(),
  unit: Unit,
  after: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .openapi({ description: 'seq to continue after' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  format: Format,
  shard: z.coerce
    .number()
    .int()
    .min(0)
    .max(999)
    .default(0)
    .openapi({ description: 'The shard (0 is DB, n is DB_SHARD_n): each numbers its own log' }),
})
adminRecordRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/api/admin/acknowledgements',
  summary: 'The acknowledgement records in log order, with their hashes and signatures',
  description:
    'JSON pages (after=seq); ?format=csv streams every record that matches. Each shard numbers its own log: ?shard= picks one (default 0, DB).',
  security,
  request: { query: RecordsQuery },
  responses: {
    200: {
      description: 'Records',
      content: {
        'application/json': {
          schema: z.object({
            records: z.array(
              z.object({
                seq: z.number().int(),
                receipt: z.record(z.string(), z.unknown()),
                recordHash: z.string(),
                signature: z.string(),
              }),
            ),
            next: z.number().int().nullable(),
          }),
        },
        ...csv,
      },
    },
    ...errorResponses(400, 401, 403, 404, 503),
  },
})
adminRecordRoutes.get('/api/admin/acknowledgements', async (c) => {
  const query = parse(RecordsQuery, c.req.query())
  if (query.version !== undefined && query.notice === undefined)
    throw badRequest('invalid_request', 'version: give notice too.')
  const db = storeOf(c)
  const actor = actorOf(c)
  const filter = {
    notice: query.notice,
    version: query.version,
    unit: query.unit,
    shard: query.shard,
  }
  if (query.format === 'csv')
    return csvResponse(
      c,
      `acknowledgements${query.shard ? `-shard${query.shard}` : ''}${query.notice ? `-${query.notice}` : ''}${query.version ? `-v${query.version}` : ''}.csv`,
      csvStream(RECORD_COLUMNS, recordsAs(db, actor, filter), recordCells),
    )
  const page = await take(
    recordsAs(db, actor, { ...filter, afterSeq: query.after, pageSize: query.limit }),
    query.limit,
  )
  const last = page.at(-1)
  return c.json(
    {
      records: page.map((row) => ({
        seq: row.seq,
        receipt: receiptOf(row),
        recordHash: row.recordHash,
        signature: row.signature,
      })),
      next: last && page.length === query.limit ? last.seq : null,
    },
    200,
  )
})
