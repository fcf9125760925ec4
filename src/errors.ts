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
    415: 'Body of an unsupported Content-Type',
    422: 'Request understood but invalid',
    429: 'Too many requests',
    503: 'Temporarily unavailable',
  }
  // 429 and 503 say when to try again.
  const retryAfter = {
    'Retry-After': {
      description: 'Seconds to wait before trying again',
      schema: { type: 'integer' as const, example: 60 },
    },
  }
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: descriptions[status] ?? 'Error',
        ...(status === 429 || status === 503 ? { headers: retryAfter } : {}),
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

/** What hono's own refusals (HTTPException without a message of ours) say, by status. */
const REFUSALS: Partial<Record<number, [code: string, message: string]>> = {
  400: ['bad_request', 'The request could not be read.'],
  401: ['unauthorized', 'This needs credentials.'],
  403: ['forbidden', 'This request is not allowed.'],
  404: ['not_found', 'There is nothing at this address.'],
  405: ['method_not_allowed', 'This address does not take that method.'],
  413: ['body_too_large', 'The request body is too large.'],
  415: ['unsupported_media_type', 'This address does not take a body of that Content-Type.'],
  429: ['rate_limited', 'Too many requests; wait a minute and try again.'],
}
// Hono's messages for bodies its validators could not parse.
const PARSE_FAILURES: [RegExp, string, string][] = [
  [/^Malformed JSON/, 'invalid_json', 'The body is not valid JSON (UTF-8, RFC 8259).'],
  [/^Malformed FormData/, 'invalid_form', 'The form could not be read.'],
]

/**
 * A client error thrown by a middleware or validator that is not ours (an HTTPException, or
 * anything with a 4xx status), with a stable code and a message that is never empty.
 */
export function clientRefusal(error: Error): AppError | undefined {
  const status = 'status' in error ? error.status : undefined
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined
  for (const [pattern, code, message] of PARSE_FAILURES)
    if (status === 400 && pattern.test(error.message)) return new AppError(400, code, message)
  const [code, message] = REFUSALS[status] ?? ['bad_request', 'The request was refused.']
  return new AppError(status as ContentfulStatusCode, code, error.message || message)
}
