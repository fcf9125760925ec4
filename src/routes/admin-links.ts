/** POST /api/admin/links: personal links for a notice version, inside the caller's subtree. Audited. */
import { z } from '@hono/zod-openapi'
import { csvStream, LINK_COLUMNS, linkCells } from '../acknowledgements/export'
import { MAX_EXPIRY_DAYS } from '../acknowledgements/links'
import { ackSecrets } from '../acknowledgements/secrets'
import { take } from '../acknowledgements/status'
import { createLinksAs } from '../admin/rollout'
import { errorResponses } from '../errors'
import { limitBody, newRoutes, requireJson } from '../factory'
import { auditByOf, security } from './admin-auth'
import { csv, csvResponse, parse, storeOf } from './admin-input'

export const adminLinkRoutes = newRoutes()

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

adminLinkRoutes.openAPIRegistry.registerPath({
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
    ...errorResponses(400, 401, 403, 404, 409, 413, 422, 503),
  },
})
const LINK_BODY_MAX = 16 * 1024
adminLinkRoutes.post(
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
    const { batch, links } = await createLinksAs(storeOf(c), secrets.linkKey, auditByOf(c), {
      ...body,
      baseUrl: new URL(c.req.url).origin,
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
