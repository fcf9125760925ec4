/** /api/admin/tokens: create (the token is in this answer only), list, revoke; both kinds. */
import { z } from '@hono/zod-openapi'
import {
  CHECK_KEY_TIERS,
  createToken,
  DEFAULT_CHECK_KEY_LIMIT,
  listTokens,
  MAX_TOKEN_LIFETIME_DAYS,
  revokeToken,
  TOKEN_KINDS,
} from '../admin/api-tokens'
import { errorResponses } from '../errors'
import { limitBody, newRoutes, requireJson } from '../factory'
import { actorOf, auditByOf, security } from './admin-auth'
import { dbOf, parse, type Ctx } from './admin-input'

export const adminTokenRoutes = newRoutes()

adminTokenRoutes.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
  type: 'http',
  scheme: 'bearer',
  description:
    'ADMIN_TOKEN, or an API token (rlt_...) scoped to a unit subtree with read or write access. Behind Cloudflare Access the Cf-Access-Jwt-Assertion of an admin works too.',
})

const TokenSchema = z
  .object({
    id: z.string().openapi({ example: 'tok_3f9a0c1b2d4e5f60' }),
    kind: z.enum(TOKEN_KINDS).openapi({
      description: "admin: for /api/admin/*; check: an integrator's key for /api/check*",
      example: 'admin',
    }),
    label: z.string(),
    unit: z.string().nullable().openapi({
      description: 'null: the whole roster. For a check key, only which admins see and revoke it',
    }),
    access: z.enum(['read', 'write']).openapi({ description: 'Check keys: always read' }),
    rateLimit: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Check keys: texts per minute; admin tokens: null' }),
    createdAt: z.string(),
    createdBy: z.string(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    revokedBy: z.string().nullable(),
  })
  .openapi('ApiToken')

const NewTokenSchema = z
  .object({
    unit: z.string().max(1100).nullable().openapi({
      example: '广东省/广州市',
      description: 'The subtree it reaches; null: the whole roster',
    }),
    kind: z.enum(TOKEN_KINDS).optional().openapi({
      description:
        'admin (the default): automation of /api/admin/*; check: a key for /api/check and /api/check/batch with its own rate limit',
    }),
    access: z
      .enum(['read', 'write'])
      .optional()
      .openapi({ description: 'Admin tokens: required. Check keys: leave it out' }),
    label: z.string().min(1).max(100).openapi({ example: 'nightly roster sync' }),
    rateLimit: z
      .number()
      .int()
      .optional()
      .openapi({
        description: `Check keys only: texts per minute, one of ${CHECK_KEY_TIERS.join(', ')} (default ${DEFAULT_CHECK_KEY_LIMIT}), counted for this key alone`,
        example: 6000,
      }),
    expiresAt: z
      .string()
      .nullable()
      .optional()
      .openapi({
        description: `When the token stops working: an ISO 8601 date and time with its zone, in the future and at most ${MAX_TOKEN_LIFETIME_DAYS} days ahead; absent or null, it works until revoked`,
        example: '2027-06-30T00:00:00Z',
      }),
  })
  .strict()
  .openapi('NewApiToken')

adminTokenRoutes.openAPIRegistry.registerPath({
  method: 'post',
  path: '/api/admin/tokens',
  summary: 'Create an API token; the token is in this answer and never again',
  description:
    'Only people (ADMIN_TOKEN, an owner or a unit admin) create tokens, and only inside their own subtree. An admin token (kind admin, rlt_…) opens /api/admin/*; a check key (kind check, rlk_…) opens nothing there, and is for /api/check*, counted against its own rateLimit.',
  security,
  request: {
    body: { required: true, content: { 'application/json': { schema: NewTokenSchema } } },
  },
  responses: {
    201: {
      description: 'The token and its record',
      content: {
        'application/json': {
          schema: TokenSchema.extend({ token: z.string().openapi({ example: 'rlt_…' }) }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 413, 415, 422, 503),
  },
})
adminTokenRoutes.post(
  '/api/admin/tokens',
  limitBody(4096, 'A token request is limited to 4 KiB.', 'too_large'),
  requireJson,
  async (c) => {
    const body = parse(NewTokenSchema, await c.req.json())
    const { token, record } = await createToken(dbOf(c), auditByOf(c), body)
    return c.json({ token, ...record }, 201)
  },
)

adminTokenRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/api/admin/tokens',
  summary: 'The API tokens inside your subtree, newest first (revoked ones marked)',
  security,
  responses: {
    200: {
      description: 'Tokens',
      content: { 'application/json': { schema: z.object({ tokens: z.array(TokenSchema) }) } },
    },
    ...errorResponses(401, 403, 503),
  },
})
adminTokenRoutes.get('/api/admin/tokens', async (c) => {
  return c.json({ tokens: await listTokens(dbOf(c), actorOf(c)) }, 200)
})

const IdPath = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'tok_3f9a0c1b2d4e5f60' }),
})
for (const [method, path] of [
  ['delete', '/api/admin/tokens/{id}'],
  ['post', '/api/admin/tokens/{id}/revoke'],
] as const)
  adminTokenRoutes.openAPIRegistry.registerPath({
    method,
    path,
    summary: 'Revoke a token: it stops working at once (revoking twice is harmless)',
    security,
    request: { params: IdPath },
    responses: {
      200: {
        description: 'The revoked token',
        content: { 'application/json': { schema: z.object({ token: TokenSchema }) } },
      },
      ...errorResponses(401, 403, 404, 503),
    },
  })
const revoke = async (c: Ctx) =>
  c.json({ token: await revokeToken(dbOf(c), auditByOf(c), c.req.param('id') ?? '') }, 200)
adminTokenRoutes.delete('/api/admin/tokens/:id', revoke)
adminTokenRoutes.post('/api/admin/tokens/:id/revoke', revoke)
