/** Request parsing and answers shared by the /api/admin/* routes. */
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { database } from '../db/client'
import { shardsOf } from '../db/shards'
import type { AppEnv } from '../env'
import { badRequest } from '../errors'

export type Ctx = Context<AppEnv>

/** DB alone: what is not partitioned (tokens, audit log, link batches, routes). */
export const dbOf = (c: Ctx) => database(c.env.DB)
/** DB and every DB_SHARD_n: what the acknowledgement domain functions take. */
export const storeOf = (c: Ctx) => shardsOf(c.env)

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

// Query and answer pieces several admin routes share.

export const Format = z.enum(['json', 'csv']).default('json')
export const VersionPath = z.object({
  notice: z
    .string()
    .openapi({ param: { name: 'notice', in: 'path' }, example: 'wechat-red-lines' }),
  version: z.coerce
    .number()
    .int()
    .min(1)
    .openapi({ param: { name: 'version', in: 'path' }, example: 2 }),
})
export const Unit = z
  .string()
  .max(1100)
  .optional()
  .openapi({ description: 'Unit path, levels joined by "/": limits the answer to that subtree' })
export const Due = z
  .string()
  .optional()
  .openapi({ description: 'YYYY-MM-DD; overrides the due date recorded when links were created' })
export const Counts = {
  roster: z.number().int(),
  acknowledged: z.number().int(),
  outstanding: z.number().int(),
  overdue: z.number().int(),
}
export const csv = { 'text/csv': { schema: z.string() } }
