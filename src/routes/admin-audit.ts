/** /api/admin/audit: the audit log inside the caller's subtree, as JSON pages or CSV. */
import { z } from '@hono/zod-openapi'
import { AUDIT_COLUMNS, auditCells, auditCountsOf, auditPage, auditRows } from '../admin/audit'
import { csvStream } from '../acknowledgements/export'
import { errorResponses } from '../errors'
import { newRoutes } from '../factory'
import { actorOf, security } from './admin-auth'
import { csvResponse, dbOf, parse } from './admin-input'

export const adminAuditRoutes = newRoutes()

const AuditQuery = z.object({
  action: z.string().max(64).optional().openapi({ example: 'roster.import' }),
  actor: z
    .string()
    .max(320)
    .optional()
    .openapi({ description: 'An email, a token id or ADMIN_TOKEN' }),
  unit: z
    .string()
    .max(1100)
    .optional()
    .openapi({ description: 'Only changes inside this subtree' }),
  from: z.string().optional().openapi({ description: 'YYYY-MM-DD, inclusive' }),
  to: z.string().optional().openapi({ description: 'YYYY-MM-DD, inclusive' }),
  before: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .openapi({ description: 'The `next` of the previous page' }),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  format: z.enum(['json', 'csv']).default('json'),
})

const EntrySchema = z
  .object({
    id: z.number().int(),
    at: z.string(),
    requestId: z.string(),
    actorKind: z.enum(['owner_token', 'admin', 'api_token', 'system']),
    actor: z.string(),
    action: z.string(),
    unit: z.string().nullable(),
    target: z.string().nullable(),
    counts: z.record(z.string(), z.number()),
  })
  .openapi('AuditEntry')

adminAuditRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/api/admin/audit',
  summary: 'Every change made by an admin or a token, newest first, inside your subtree',
  description: 'JSON pages (before=next); ?format=csv streams every entry that matches.',
  security,
  request: { query: AuditQuery },
  responses: {
    200: {
      description: 'Entries',
      content: {
        'application/json': {
          schema: z.object({ entries: z.array(EntrySchema), next: z.number().int().nullable() }),
        },
        'text/csv': { schema: z.string() },
      },
    },
    ...errorResponses(400, 401, 403, 503),
  },
})
adminAuditRoutes.get('/api/admin/audit', async (c) => {
  const query = parse(AuditQuery, c.req.query())
  const actor = actorOf(c)
  if (query.format === 'csv')
    return csvResponse(
      c,
      `audit-${new Date().toISOString().slice(0, 10)}.csv`,
      csvStream(AUDIT_COLUMNS, auditRows(dbOf(c), actor, query), auditCells),
    )
  const page = await auditPage(dbOf(c), actor, query)
  return c.json(
    { entries: page.rows.map((r) => ({ ...r, counts: auditCountsOf(r) })), next: page.next },
    200,
  )
})
