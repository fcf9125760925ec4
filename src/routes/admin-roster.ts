/**
 * POST /api/admin/roster: the roster as CSV or JSON, all or nothing, inside the caller's subtree
 * (a unit admin's or a scoped token's import is that subtree's import). Audited.
 */
import { z } from '@hono/zod-openapi'
import { ROSTER_MAX_BYTES, ROSTER_MAX_ROWS } from '../acknowledgements/roster'
import { importRosterAs } from '../admin/rollout'
import { AppError, errorResponses } from '../errors'
import { limitBody, newRoutes } from '../factory'
import { auditByOf, security } from './admin-auth'
import { dbOf, parse, Unit } from './admin-input'

export const adminRosterRoutes = newRoutes()

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

adminRosterRoutes.openAPIRegistry.registerPath({
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
    ...errorResponses(400, 401, 403, 413, 415, 422, 503),
  },
})
adminRosterRoutes.post(
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
    const summary = await importRosterAs(dbOf(c), auditByOf(c), {
      body: await c.req.text(),
      format,
      mode: query.mode,
      unit: query.unit,
    })
    return c.json(summary, 200)
  },
)
