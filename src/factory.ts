import { OpenAPIHono } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { AppError, badRequest } from './errors'
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

/** Refuses a body over `maxSize` bytes, declared or streamed, with a 413 that states the limit. */
export function limitBody(
  maxSize: number,
  message: string,
  code = 'body_too_large',
): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError(413, code, message)
    },
  })
}
