import { OpenAPIHono } from '@hono/zod-openapi'
import { badRequest } from './errors'
import type { AppEnv } from './env'

/** Every sub-app validates with this hook, so a schema failure reads like every other API error. */
export function newRoutes() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0]
        const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
        throw badRequest('invalid_request', `${where}${issue?.message ?? 'invalid request'}`)
      }
    },
  })
}
