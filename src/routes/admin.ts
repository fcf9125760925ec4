/**
 * The administrator's API, all behind `Authorization: Bearer <ADMIN_TOKEN>`: roster upload,
 * links, status, outstanding list, records; the log's verification is in admin-log.ts. Lists come as JSON pages or as a CSV
 * stream (?format=csv). Documented in /api/openapi.json; handlers parse their own input so a CSV
 * body and a CSV answer can share one route.
 */
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { base64url, fromBase64url, utf8 } from '../acknowledgements/bytes'
import {
  csvStream,
  LINK_COLUMNS,
  linkCells,
  OUTSTANDING_COLUMNS,
  outstandingCells,
  RECORD_COLUMNS,
  recordCells,
  STATUS_COLUMNS,
  statusRows,
} from '../acknowledgements/export'
import { csvLine } from '../acknowledgements/csv'
import { createLinks, MAX_EXPIRY_DAYS } from '../acknowledgements/links'
import { receiptOf } from '../acknowledgements/receipt'
import { importRoster, ROSTER_MAX_BYTES, ROSTER_MAX_ROWS } from '../acknowledgements/roster'
import { ackSecrets } from '../acknowledgements/secrets'
import { outstanding, records, take, versionStatus } from '../acknowledgements/status'
import { database } from '../db/client'
import type { AppEnv } from '../env'
import { AppError, badRequest, errorResponses } from '../errors'
import { limitBody, newRoutes, requireJson } from '../factory'
import { adminLogRoutes } from './admin-log'
import { parse, requireAdmin, security } from './admin-auth'

type Ctx = Context<AppEnv>

export const adminRoutes = newRoutes()

adminRoutes.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
  type: 'http',
  scheme: 'bearer',
  description: 'The ADMIN_TOKEN secret',
})
adminRoutes.use('/api/admin/*', requireAdmin)

function csvResponse(c: Ctx, filename: string, body: ReadableStream<Uint8Array> | string) {
  return c.body(body as string, 200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${filename}"`,
  })
}

const Format = z.enum(['json', 'csv']).default('json')
const VersionPath = z.object({
  notice: z
    .string()
    .openapi({ param: { name: 'notice', in: 'path' }, example: 'wechat-red-lines' }),
  version: z.coerce
    .number()
    .int()
    .min(1)
    .openapi({ param: { name: 'version', in: 'path' }, example: 2 }),
})
const Unit = z
  .string()
  .max(1100)
  .optional()
  .openapi({ description: 'Unit path, levels joined by "/": limits the answer to that subtree' })
const Due = z
  .string()
  .optional()
  .openapi({ description: 'YYYY-MM-DD; overrides the due date recorded when links were created' })
const Counts = {
  roster: z.number().int(),
  acknowledged: z.number().int(),
  outstanding: z.number().int(),
  overdue: z.number().int(),
}
const csv = { 'text/csv': { schema: z.string() } }

// ---- roster -------------------------------------------------------------------------------

const RosterQuery = z.object({
  mode: z.enum(['merge', 'full']).default('merge').openapi({
    description:
      'merge: add and update the officials listed. full: also deactivate every active official in scope who is not listed',
  }),
  unit: Unit,
})
const RosterSummarySchema = z
  .object({
    importId: z.string(),
    mode: z.enum(['merge', 'full']),
    unit: z.string().nullable(),
    rows: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    reactivated: z.number().int(),
    unchanged: z.number().int(),
    deactivated: z.number().int(),
    bodySha256: z.string(),
  })
  .openapi('RosterImport')

adminRoutes.openAPIRegistry.registerPath({
  method: 'post',
  path: '/api/admin/roster',
  summary: 'Import the roster (CSV with header external_id,name,unit, or JSON); all or nothing',
  security,
  request: {
    query: RosterQuery,
    body: {
      required: true,
      content: {
        'text/csv': {
          schema: z
            .string()
            .openapi({ example: 'external_id,name,unit\nE001,张三,广东省/广州市/公安局\n' }),
        },
        'application/json': {
          schema: z.object({
            officials: z.array(
              z.object({ externalId: z.string(), name: z.string(), unit: z.string() }),
            ),
          }),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'What changed',
      content: { 'application/json': { schema: RosterSummarySchema } },
    },
    ...errorResponses(400, 401, 413, 415, 422, 503),
  },
})
adminRoutes.post(
  '/api/admin/roster',
  limitBody(
    ROSTER_MAX_BYTES,
    `A roster upload is limited to ${ROSTER_MAX_BYTES / 1024 / 1024} MiB and ${ROSTER_MAX_ROWS} rows; import large rosters unit by unit (?unit=...).`,
    'too_large',
  ),
  async (c) => {
    const query = parse(RosterQuery, c.req.query())
    const type = (c.req.header('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase()
    const format = type === 'text/csv' ? 'csv' : type === 'application/json' ? 'json' : undefined
    if (!format)
      throw new AppError(
        415,
        'unsupported_media_type',
        'Send the roster as text/csv or application/json.',
      )
    const summary = await importRoster(database(c.env.DB), {
      body: await c.req.text(),
      format,
      mode: query.mode,
      unit: query.unit ?? null,
      now: new Date(),
    })
    return c.json(summary, 200)
  },
)

// ---- links --------------------------------------------------------------------------------

const LinkBody = z
  .object({
    notice: z.string().min(1).openapi({ example: 'wechat-red-lines' }),
    version: z.number().int().min(1).openapi({ example: 2 }),
    unit: z.string().max(1100).nullish(),
    dueDate: z.string().nullish().openapi({ example: '2026-06-30' }),
    expiresInDays: z
      .number()
      .int()
      .default(30)
      .openapi({ description: `1 to ${MAX_EXPIRY_DAYS}` }),
    officials: z.enum(['outstanding', 'all']).default('outstanding').openapi({
      description:
        'outstanding: only officials who do not yet count as having acknowledged this version (an acknowledgement of a version no material change separates from it counts); all: every active official in scope',
    }),
  })
  .openapi('LinkRequest')

adminRoutes.openAPIRegistry.registerPath({
  method: 'post',
  path: '/api/admin/links',
  summary:
    'Personal links for a notice version, for the officials (of one unit) who have not acknowledged it',
  description:
    'CSV (external_id,name,unit,url) by default; ?format=json for JSON. Each link is signed, bound to one official and this version, and expires.',
  security,
  request: {
    query: z.object({ format: z.enum(['csv', 'json']).default('csv') }),
    body: { required: true, content: { 'application/json': { schema: LinkBody } } },
  },
  responses: {
    200: {
      description: 'The links',
      content: {
        ...csv,
        'application/json': {
          schema: z.object({
            batch: z.object({
              id: z.string(),
              officials: z.number().int(),
              expiresAt: z.string(),
              dueDate: z.string().nullable(),
            }),
            links: z.array(
              z.object({
                externalId: z.string(),
                name: z.string(),
                unit: z.string(),
                url: z.string(),
              }),
            ),
          }),
        },
      },
    },
    ...errorResponses(400, 401, 404, 409, 413, 422, 503),
  },
})
const LINK_BODY_MAX = 16 * 1024
adminRoutes.post(
  '/api/admin/links',
  limitBody(
    LINK_BODY_MAX,
    `A link request is limited to ${LINK_BODY_MAX / 1024} KiB.`,
    'too_large',
  ),
  requireJson,
  async (c) => {
    const format = parse(z.enum(['csv', 'json']).default('csv'), c.req.query('format'))
    const body = parse(LinkBody, await c.req.json())
    const secrets = await ackSecrets(c.env)
    const { batch, links } = await createLinks(database(c.env.DB), secrets.linkKey, {
      ...body,
      baseUrl: new URL(c.req.url).origin,
      now: new Date(),
    })
    c.header('X-Link-Batch', batch.id)
    c.header('X-Link-Count', String(batch.officials))
    if (format === 'json') {
      const all = await take(links, batch.officials + 1)
      return c.json({ batch, links: all }, 200)
    }
    return csvResponse(
      c,
      `links-${batch.noticeId}-v${batch.version}.csv`,
      csvStream(LINK_COLUMNS, links, linkCells),
    )
  },
)

// ---- status -------------------------------------------------------------------------------

const StatusQuery = z.object({ unit: Unit, due: Due, format: Format })
const UnitStatusSchema = z.object({
  unit: z.string(),
  depth: z.number().int(),
  dueDate: z.string().nullable(),
  ...Counts,
})
const StatusSchema = z
  .object({
    notice: z.string(),
    version: z.number().int(),
    counts: z.object({ from: z.number().int(), to: z.number().int() }).openapi({
      description:
        'Acknowledgements of these versions count: a version that changes no rule materially does not reset anyone, and counts for the version before it',
    }),
    unit: z.string().nullable(),
    asOf: z.string(),
    totals: z.object({ ...Counts, dueDate: z.string().nullable() }),
    units: z
      .array(UnitStatusSchema)
      .openapi({ description: 'Every unit with nested totals, in path order' }),
  })
  .openapi('VersionStatus')

adminRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/api/admin/status/{notice}/{version}',
  summary: 'Roster, acknowledged, outstanding and overdue for a notice version, by unit',
  security,
  request: { params: VersionPath, query: StatusQuery },
  responses: {
    200: {
      description: 'Status',
      content: { 'application/json': { schema: StatusSchema }, ...csv },
    },
    ...errorResponses(400, 401, 404, 503),
  },
})
adminRoutes.get('/api/admin/status/:notice/:version', async (c) => {
  const path = parse(VersionPath, c.req.param())
  const query = parse(StatusQuery, c.req.query())
  const status = await versionStatus(database(c.env.DB), {
    notice: path.notice,
    version: path.version,
    unit: query.unit,
    due: query.due,
    now: new Date(),
  })
  if (query.format === 'json') return c.json(status, 200)
  return csvResponse(
    c,
    `status-${status.notice}-v${status.version}.csv`,
    `\uFEFF${csvLine(STATUS_COLUMNS)}${statusRows(status).map(csvLine).join('')}`,
  )
})

// ---- outstanding --------------------------------------------------------------------------

const Cursor = z.string().optional().openapi({ description: 'The `next` of the previous page' })
const OutstandingQuery = StatusQuery.extend({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: Cursor,
})
const encodeCursor = (o: { unit: string; id: number }) =>
  base64url(utf8(JSON.stringify([o.unit, o.id])))
function decodeCursor(text: string | undefined) {
  if (!text) return undefined
  try {
    const [unit, id] = JSON.parse(new TextDecoder().decode(fromBase64url(text))) as unknown[]
    if (typeof unit === 'string' && Number.isSafeInteger(id)) return { unit, id: id as number }
  } catch {
    // fall through
  }
  throw badRequest('invalid_cursor', 'after: not a cursor this API returned.')
}

adminRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/api/admin/outstanding/{notice}/{version}',
  summary: 'Active officials who have not acknowledged this version (or one it counts for)',
  description: 'JSON pages in unit order; ?format=csv streams the whole list.',
  security,
  request: { params: VersionPath, query: OutstandingQuery },
  responses: {
    200: {
      description: 'Outstanding officials',
      content: {
        'application/json': {
          schema: z.object({
            officials: z.array(
              z.object({
                externalId: z.string(),
                name: z.string(),
                unit: z.string(),
                dueDate: z.string().nullable(),
                overdue: z.boolean(),
              }),
            ),
            next: z.string().nullable(),
          }),
        },
        ...csv,
      },
    },
    ...errorResponses(400, 401, 404, 503),
  },
})
adminRoutes.get('/api/admin/outstanding/:notice/:version', async (c) => {
  const path = parse(VersionPath, c.req.param())
  const query = parse(OutstandingQuery, c.req.query())
  const db = database(c.env.DB)
  const common = { ...path, unit: query.unit, due: query.due, now: new Date() }
  if (query.format === 'csv')
    return csvResponse(
      c,
      `outstanding-${path.notice}-v${path.version}.csv`,
      csvStream(OUTSTANDING_COLUMNS, outstanding(db, common), outstandingCells),
    )
  const page = await take(
    outstanding(db, { ...common, after: decodeCursor(query.after), pageSize: query.limit }),
    query.limit,
  )
  const last = page.at(-1)
  return c.json(
    {
      officials: page.map(({ id: _id, ...o }) => o),
      next: last && page.length === query.limit ? encodeCursor(last) : null,
    },
    200,
  )
})

// ---- records ------------------------------------------------------------------------------

const RecordsQuery = z.object({
  notice: z.string().optional(),
  version: z.coerce.number().int().min(1).optional(),
  after: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .openapi({ description: 'seq to continue after' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  format: Format,
})
adminRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/api/admin/acknowledgements',
  summary: 'The acknowledgement records in log order, with their hashes and signatures',
  description: 'JSON pages (after=seq); ?format=csv streams every record that matches.',
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
    ...errorResponses(400, 401, 404, 503),
  },
})
adminRoutes.get('/api/admin/acknowledgements', async (c) => {
  const query = parse(RecordsQuery, c.req.query())
  if (query.version !== undefined && query.notice === undefined)
    throw badRequest('invalid_request', 'version: give notice too.')
  const db = database(c.env.DB)
  const filter = { notice: query.notice, version: query.version }
  if (query.format === 'csv')
    return csvResponse(
      c,
      `acknowledgements${query.notice ? `-${query.notice}` : ''}${query.version ? `-v${query.version}` : ''}.csv`,
      csvStream(RECORD_COLUMNS, records(db, filter), recordCells),
    )
  const page = await take(
    records(db, { ...filter, afterSeq: query.after, pageSize: query.limit }),
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

// The log: verification, checkpoints and their proofs, behind the same token.
adminRoutes.route('/', adminLogRoutes)
