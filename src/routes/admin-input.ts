/** Request parsing and answers shared by the /api/admin/* routes. */
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { database } from '../db/client'
import type { AppEnv } from '../env'
import { badRequest } from '../errors'

export type Ctx = Context<AppEnv>

export const dbOf = (c: Ctx) => database(c.env.DB)

/** Validates with a zod schema; the first problem becomes the 400's message. */
export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
  throw badRequest('invalid_request', `${where}${issue?.message ?? 'invalid request'}`)
}


export function csvResponse(c: Ctx, filename: string, body: ReadableStream<Uint8Array> | string) {
  return c.body(body as string, 200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${filename}"`,
  })
}
