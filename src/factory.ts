import { OpenAPIHono } from '@hono/zod-openapi'
import type { Context, MiddlewareHandler } from 'hono'
import { csrf } from 'hono/csrf'
import { HTTPException } from 'hono/http-exception'
import type { BodyData } from 'hono/utils/body'
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

/** How much more of a streamed body over its limit is read (and dropped) before the 413. */
const DRAIN_BYTES = 1024 * 1024

/**
 * Refuses a body over `maxSize` bytes, declared or streamed, with a 413 that states the limit.
 * (Hono's bodyLimit, but a streamed body over the limit is read on a little and then cancelled:
 * hono's answers with the stream locked and half read, and under `wrangler dev` the next request
 * then failed with a 503, every time.)
 */
export function limitBody(
  maxSize: number,
  message: string,
  code = 'body_too_large',
): MiddlewareHandler<AppEnv> {
  const tooLarge = () => new AppError(413, code, message)
  return async (c, next) => {
    const body = c.req.raw.body
    if (!body) return next()
    const declared = c.req.header('Content-Length')
    if (declared !== undefined && !c.req.raw.headers.has('Transfer-Encoding')) {
      if (Number.parseInt(declared, 10) > maxSize) throw tooLarge()
      return next()
    }
    const reader = body.getReader()
    const chunks: Uint8Array[] = []
    let size = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxSize) {
        // Read on, discarding, up to DRAIN_BYTES more: a body left half read, cancelled or not,
        // made `wrangler dev` fail the next request with a 503. Past that, the rest is cancelled.
        for (let drained = 0; drained < DRAIN_BYTES;) {
          const more = await reader.read()
          if (more.done) break
          drained += more.value.byteLength
        }
        await reader.cancel().catch(() => undefined)
        throw tooLarge()
      }
      chunks.push(value)
    }
    const whole = new Uint8Array(size)
    let at = 0
    for (const chunk of chunks) {
      whole.set(chunk, at)
      at += chunk.byteLength
    }
    c.req.raw = new Request(c.req.raw, { body: whole })
    return next()
  }
}

/** The media type of a Content-Type header, lower case, without parameters ('' when absent). */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase()
}

// The same test as @hono/zod-openapi's gate, so no body passes here and is refused there.
const JSON_CONTENT_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i

/**
 * For JSON APIs, before validation: another content type (or a charset other than UTF-8) is a 415
 * that says what to send, and a body that is not UTF-8 or does not parse is a 400 invalid_json.
 */
export const requireJson: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!JSON_CONTENT_TYPE.test(c.req.header('Content-Type') ?? ''))
    throw new AppError(
      415,
      'unsupported_media_type',
      'Send the body as JSON, with the header Content-Type: application/json.',
    )
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(c.req.header('Content-Type') ?? '')?.[1]
  if (charset !== undefined && !/^utf-?8$/i.test(charset))
    throw new AppError(
      415,
      'unsupported_media_type',
      `JSON is sent in UTF-8 (RFC 8259), not ${charset}: send Content-Type: application/json.`,
    )
  let text: string
  try {
    text = STRICT_UTF8.decode(await c.req.arrayBuffer())
  } catch {
    throw badRequest('invalid_json', 'The body is not UTF-8: JSON is sent in UTF-8 (RFC 8259).')
  }
  try {
    // (The validator's c.req.json() reads the cached bytes again.)
    JSON.parse(text)
  } catch {
    throw badRequest('invalid_json', 'The body is not valid JSON (UTF-8, RFC 8259).')
  }
  await next()
}

/** Throws on bytes that are not UTF-8 (the default decoder puts U+FFFD there silently). */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data']

/**
 * A form post's fields. Another content type is a 415; a body that cannot be read as one (a
 * multipart body without its boundary, a charset other than UTF-8, a truncated part) is a 400.
 */
export async function readForm(c: Context<AppEnv>): Promise<BodyData> {
  if (!FORM_TYPES.includes(mediaTypeOf(c.req.header('Content-Type'))))
    throw new AppError(
      415,
      'unsupported_media_type',
      'Send the form as a browser does: application/x-www-form-urlencoded (or multipart/form-data).',
    )
  try {
    return await c.req.parseBody()
  } catch (error) {
    if (error instanceof HTTPException) throw error // a body limit, say
    throw badRequest(
      'invalid_form',
      'The form could not be read: send it in UTF-8, as application/x-www-form-urlencoded or as multipart/form-data with its boundary.',
    )
  }
}

const CROSS_SITE_MESSAGE =
  'This was posted from another site (its Origin or Sec-Fetch-Site header says so). Post from the pages of this site.'

/**
 * Hono's CSRF check (a form-like post must come with this site's Origin or same-origin fetch
 * metadata), refusing with a code and a message of its own.
 */
export function refuseCrossSiteRequests(): MiddlewareHandler<AppEnv> {
  const check = csrf()
  return async (c, next) => {
    try {
      await check(c, async () => {})
    } catch (error) {
      if (error instanceof HTTPException && error.status === 403)
        throw new AppError(403, 'cross_site_request', CROSS_SITE_MESSAGE)
      throw error
    }
    await next()
  }
}

/**
 * For forms that change nothing (/check): refuses what another site made a browser post (an
 * Origin naming another site, or cross-site fetch metadata) but not a post that says nothing of
 * where it came from, as WeChat's in-app browser and curl send, nor Origin: null (Chromium under
 * a no-referrer policy).
 */
export const refuseForeignForms: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origin = c.req.header('Origin')
  const site = c.req.header('Sec-Fetch-Site')
  if (
    (origin && origin !== 'null' && origin !== new URL(c.req.url).origin) ||
    (site && site !== 'same-origin' && site !== 'none')
  )
    throw new AppError(403, 'cross_site_request', CROSS_SITE_MESSAGE)
  await next()
}
