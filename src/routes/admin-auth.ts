/**
 * Authentication of /api/admin/*: a bearer token (ADMIN_TOKEN or an API token) or a Cloudflare
 * Access JWT becomes the request's Actor. Handlers read it with actorOf(c) / auditByOf(c) and
 * hand it to domain functions, which decide what it may do.
 */
import type { Context, MiddlewareHandler } from 'hono'
import type { Actor } from '../admin/actor'
import { ackSecrets } from '../acknowledgements/secrets'
import { ACCESS_HEADER } from '../admin/access-jwt'
import type { AuditBy } from '../admin/audit'
import { apiActor } from '../admin/authenticate'
import { database } from '../db/client'
import type { AppEnv } from '../env'
import { AppError } from '../errors'

/**
 * hono's requestId adopts a client's X-Request-Id; the one the audit log keeps must be the
 * server's own, so a client cannot make its change look like another request.
 */
export const serverRequestId: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.header('X-Request-Id') !== undefined) {
    const id = crypto.randomUUID()
    c.set('requestId', id)
    c.header('X-Request-Id', id)
  }
  await next()
}

export const adminApiAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.header('Cache-Control', 'no-store')
  const actor = await apiActor(
    database(c.env.DB),
    c.env,
    { authorization: c.req.header('Authorization'), accessJwt: c.req.header(ACCESS_HEADER) },
    new Date(),
  )
  c.set('actor', actor)
  // A secret that is missing or unusable is named to admins at once, whichever route they call.
  await ackSecrets(c.env)
  await next()
}

export function actorOf(c: Context<AppEnv>): Actor {
  const actor = c.get('actor')
  if (!actor) throw new AppError(401, 'unauthorized', 'No credentials were checked.')
  return actor
}

export function auditByOf(c: Context<AppEnv>): AuditBy {
  return { actor: actorOf(c), requestId: c.get('requestId'), now: new Date() }
}

/** The OpenAPI security of every admin route. */
export const security = [{ adminToken: [] }]

export { parse } from './admin-input'
