/**
 * POST /api/admin/roster: the roster as CSV or JSON, all or nothing, inside the caller's subtree
 * (a unit admin's or a scoped token's import is that subtree's import). Audited.
 */
import { z } from '@hono/zod-openapi'
import { ROSTER_MAX_BYTES, ROSTER_MAX_ROWS } from '../acknowledgements/roster'
import { PREVIEW_LIST_MAX } from '../acknowledgements/roster-preview'
import { importRosterAs, previewRosterAs, type RosterUpload } from '../admin/rollout'
import { AppError, errorResponses } from '../errors'
import { limitBody, newRoutes } from '../factory'
import { actorOf, auditByOf, security } from './admin-auth'
import { parse, storeOf, Unit } from './admin-input'

export const adminRosterRoutes = newRoutes()

const RosterQuery = z.object({
  mode: z.enum(['merge', 'full']).default('merge').openapi({
    description:
      'merge: add and update the officials listed. full: also deactivate every active official in scope who is not listed',
  }),
  unit: Unit,
  dryRun: z.enum(['0', '1', 'true', 'false']).optional().openapi({
    description:
      '1: write nothing, answer what an import of this body would add, change, reactivate and deactivate, and every bad line (RosterPreview)',
  }),
  plan: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'plan: the 64 hex digits a dry run answered')
    .optional()
    .openapi({
      description:
        "The dry run's `plan`: the import is refused with 409 roster_plan_changed unless it would still do exactly what that dry run showed",
    }),
})
const Listed = z.object({
  line: z.number().int().nullable(),
  externalId: z.string(),
  name: z.string(),
  unit: z.string(),
})
const RosterPreviewSchema = z
  .object({
    dryRun: z.literal(true),
    mode: z.enum(['merge', 'full']),
    unit: z.string().nullable(),
    bodySha256: z.string(),
    plan: z.string().openapi({ description: 'Pass as ?plan= to import exactly this' }),
    valid: z
      .boolean()
      .openapi({ description: 'false: some lines are bad, an import would be refused' }),
    rows: z.number().int(),
    counts: z.object({
      added: z.number().int(),
      changed: z.number().int(),
      reactivated: z.number().int(),
      unchanged: z.number().int(),
      deactivated: z.number().int(),
      problems: z.number().int(),
    }),
    added: z.array(Listed),
    changed: z.array(Listed.extend({ before: z.object({ name: z.string(), unit: z.string() }) })),
    reactivated: z.array(Listed),
    deactivated: z.array(Listed),
    problems: z.array(z.object({ line: z.number().int(), message: z.string() })),
  })
  .openapi('RosterPreview', {
    description: `Each list holds at most ${PREVIEW_LIST_MAX} officials; the counts are whole`,
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
  description:
    'With ?dryRun=1 nothing is written: the answer (RosterPreview) lists what an import would do and every bad line. Send its plan back as ?plan= to import exactly that.',
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
      description: 'What changed, or with ?dryRun=1 what would change',
      content: {
        'application/json': { schema: z.union([RosterSummarySchema, RosterPreviewSchema]) },
      },
    },
    ...errorResponses(400, 401, 403, 409, 413, 415, 422, 503),
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
    const upload: RosterUpload = {
      body: await c.req.text(),
      format,
      mode: query.mode,
      unit: query.unit,
    }
    if (query.dryRun === '1' || query.dryRun === 'true')
      return c.json(
        { dryRun: true, ...(await previewRosterAs(storeOf(c), actorOf(c), upload)) },
        200,
      )
    const summary = await importRosterAs(storeOf(c), auditByOf(c), { ...upload, plan: query.plan })
    return c.json(summary, 200)
  },
)
