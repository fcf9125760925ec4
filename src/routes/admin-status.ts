/**
 * Progress of a notice version inside the caller's subtree: per-unit status with nested totals,
 * and who is outstanding (JSON pages or CSV).
 */
import { z } from '@hono/zod-openapi'
import { base64url, fromBase64url, utf8 } from '../acknowledgements/bytes'
import { csvLine } from '../acknowledgements/csv'
import {
  csvStream,
  OUTSTANDING_COLUMNS,
  outstandingCells,
  STATUS_COLUMNS,
  statusRows,
} from '../acknowledgements/export'
import { take } from '../acknowledgements/status'
import { outstandingAs, statusAs } from '../admin/rollout'
import { badRequest, errorResponses } from '../errors'
import { newRoutes } from '../factory'
import { actorOf, security } from './admin-auth'
import {
  Counts,
  csv,
  csvResponse,
  storeOf,
  Due,
  Format,
  parse,
  Unit,
  VersionPath,
} from './admin-input'

export const adminStatusRoutes = newRoutes()

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

adminStatusRoutes.openAPIRegistry.registerPath({
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
    ...errorResponses(400, 401, 403, 404, 503),
  },
})
adminStatusRoutes.get('/api/admin/status/:notice/:version', async (c) => {
  const path = parse(VersionPath, c.req.param())
  const query = parse(StatusQuery, c.req.query())
  const status = await statusAs(storeOf(c), actorOf(c), {
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

adminStatusRoutes.openAPIRegistry.registerPath({
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
    ...errorResponses(400, 401, 403, 404, 503),
  },
})
adminStatusRoutes.get('/api/admin/outstanding/:notice/:version', async (c) => {
  const path = parse(VersionPath, c.req.param())
  const query = parse(OutstandingQuery, c.req.query())
  const db = storeOf(c)
  const actor = actorOf(c)
  const common = { ...path, unit: query.unit, due: query.due, now: new Date() }
  if (query.format === 'csv')
    return csvResponse(
      c,
      `outstanding-${path.notice}-v${path.version}.csv`,
      csvStream(OUTSTANDING_COLUMNS, outstandingAs(db, actor, common), outstandingCells),
    )
  const page = await take(
    outstandingAs(db, actor, {
      ...common,
      after: decodeCursor(query.after),
      pageSize: query.limit,
    }),
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
