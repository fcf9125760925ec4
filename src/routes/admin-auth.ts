/** What every admin route shares: the bearer-token check and the query/body parser. */
import { z } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import { constantTimeEqual, utf8 } from '../acknowledgements/bytes'
import { ackSecrets } from '../acknowledgements/secrets'
import type { AppEnv } from '../env'
import { AppError, badRequest } from '../errors'

/** OpenAPI: the routes need the adminToken scheme (registered by admin.ts). */
export const security = [{ adminToken: [] }]

async function sha256(text: string) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(text)))
}

export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const secrets = await ackSecrets(c.env)
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(c.req.header('Authorization') ?? '')
  // Hashing both sides first makes the comparison constant-time whatever the lengths.
  if (!match || !constantTimeEqual(await sha256(match[1]!), await sha256(secrets.adminToken)))
    throw new AppError(
      401,
      'unauthorized',
      'This needs the administrator token: send Authorization: Bearer <ADMIN_TOKEN>.',
      { 'WWW-Authenticate': 'Bearer realm="redlines-admin"' },
    )
  c.header('Cache-Control', 'no-store')
  await next()
}

export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
  throw badRequest('invalid_request', `${where}${issue?.message ?? 'invalid request'}`)
}
