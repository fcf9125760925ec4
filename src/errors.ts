import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { z } from '@hono/zod-openapi'

/** The one error shape of the whole API. */
export const ErrorSchema = z
  .object({
    error: z.object({
      status: z.number().int().openapi({ example: 404 }),
      code: z.string().openapi({ example: 'notice_not_found' }),
      message: z.string().openapi({ example: 'There is no notice "x".' }),
    }),
  })
  .openapi('Error')

export type ErrorBody = z.infer<typeof ErrorSchema>

/** An error we mean to show: its status, a stable machine code and a message for people. */
export class AppError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(status, { message })
  }

  body(): ErrorBody {
    return { error: { status: this.status, code: this.code, message: this.message } }
  }
}

export const notFound = (code: string, message: string) => new AppError(404, code, message)
export const badRequest = (code: string, message: string) => new AppError(400, code, message)

/** OpenAPI response entries for the errors a route can return, so the spec lists them. */
export function errorResponses(...statuses: ContentfulStatusCode[]) {
  const descriptions: Partial<Record<number, string>> = {
    400: 'Malformed request',
    401: 'Missing or invalid credentials',
    403: 'Not allowed',
    404: 'Not found',
    413: 'Request too large',
    422: 'Request understood but invalid',
    429: 'Too many requests',
    503: 'Temporarily unavailable',
  }
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: descriptions[status] ?? 'Error',
        content: { 'application/json': { schema: ErrorSchema } },
      },
    ]),
  )
}

/** The first line of an error's innermost cause: D1 names tables and columns there, never values. */
export function describeSafely(error: unknown): string {
  let inner = error
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause
  const text = inner instanceof Error ? `${inner.name}: ${inner.message}` : String(inner)
  return text.split('\n')[0]!.slice(0, 160)
}

/** A D1 failure nobody handled on the way up: retryable, so 503 rather than 500. */
export function storageFailure(error: unknown): AppError | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause)
    if (/\bD1_|SQLITE_/.test(e.message))
      return new AppError(
        503,
        'storage_unavailable',
        'The database did not answer. Try again in a moment.',
        { 'Retry-After': '5' },
      )
  return undefined
}
