/**
 * The shards and the routing table: which shard holds the officials of a unit. Behind
 * /api/admin/*'s authentication; the routes span every unit, so reading them is for readers of
 * the whole roster and changing them for its owners, audited. A route goes only where no
 * official has to move (docs/scale.md says how a unit is moved).
 */
import { z } from '@hono/zod-openapi'
import { removeShardRoute, setShardRoute, shardsOverview } from '../acknowledgements/sharding'
import { shardsOf } from '../db/shards'
import { errorResponses } from '../errors'
import { limitBody, newRoutes, requireJson } from '../factory'
import { audit } from '../admin/audit'
import { requireOwner } from '../admin/actor'
import { requireWholeLog } from '../admin/rollout'
import { actorOf, auditByOf, parse, security } from './admin-auth'

export const adminShardRoutes = newRoutes()

const Overview = z
  .object({
    shards: z.array(z.object({ index: z.number().int(), binding: z.string() })),
    routes: z.array(z.object({ prefix: z.string(), shard: z.number().int() })),
  })
  .openapi('Shards')
const overview = { 'application/json': { schema: Overview } }

adminShardRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/api/admin/shards',
  summary: 'The shards bound to this Worker and the routes of units to them',
  description:
    'A unit lives in the shard of the longest route prefix that contains it, else in shard 0 (DB).',
  security,
  responses: {
    200: { description: 'Shards and routes', content: overview },
    ...errorResponses(401, 403, 503),
  },
})
adminShardRoutes.get('/api/admin/shards', async (c) => {
  requireWholeLog(actorOf(c), 'read')
  return c.json(await shardsOverview(shardsOf(c.env)), 200)
})

const RouteBody = z
  .object({
    prefix: z.string().min(1).max(1100).openapi({ example: '广东省' }),
    shard: z.number().int().min(0).max(999).openapi({ example: 1 }),
  })
  .openapi('ShardRoute')

adminShardRoutes.openAPIRegistry.registerPath({
  method: 'put',
  path: '/api/admin/shards/routes',
  summary: 'Route a unit (and the units below it) to a shard',
  description:
    'Refused (409 unit_on_other_shard) when officials already in one shard would belong to another: moving a unit is a migration of its own.',
  security,
  request: { body: { required: true, content: { 'application/json': { schema: RouteBody } } } },
  responses: {
    200: { description: 'Shards and routes after the change', content: overview },
    ...errorResponses(400, 401, 403, 409, 413, 415, 422, 503),
  },
})
adminShardRoutes.put(
  '/api/admin/shards/routes',
  limitBody(4096, 'A route is limited to 4 KiB.', 'too_large'),
  requireJson,
  async (c) => {
    const by = auditByOf(c)
    requireWholeLog(by.actor, 'write')
    requireOwner(by.actor, 'route units to shards')
    const body = parse(RouteBody, await c.req.json())
    const shards = shardsOf(c.env)
    const overview = await setShardRoute(shards, { ...body, now: by.now })
    await audit(shards.control, by, 'shards.route', {
      unit: body.prefix,
      target: String(body.shard),
    })
    return c.json(overview, 200)
  },
)

adminShardRoutes.openAPIRegistry.registerPath({
  method: 'delete',
  path: '/api/admin/shards/routes',
  summary: 'Remove the route of a unit prefix (its units fall back to the next shorter route)',
  security,
  request: { query: z.object({ prefix: z.string().min(1).max(1100) }) },
  responses: {
    200: { description: 'Shards and routes after the change', content: overview },
    ...errorResponses(400, 401, 403, 404, 409, 422, 503),
  },
})
adminShardRoutes.delete('/api/admin/shards/routes', async (c) => {
  const by = auditByOf(c)
  requireWholeLog(by.actor, 'write')
  requireOwner(by.actor, 'route units to shards')
  const { prefix } = parse(z.object({ prefix: z.string().min(1).max(1100) }), c.req.query())
  const shards = shardsOf(c.env)
  const overview = await removeShardRoute(shards, prefix)
  await audit(shards.control, by, 'shards.unroute', { unit: prefix })
  return c.json(overview, 200)
})
