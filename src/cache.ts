import type { Context, TypedResponse } from 'hono'
import type { JSONParsed } from 'hono/utils/types'
import { securityHeadersMade } from './edge'
import type { AppEnv } from './env'

/** Published versions never change, so caches may keep them forever. */
export const IMMUTABLE = 'public, max-age=31536000, immutable'
/** "Current" can move to a newer version on its effective date. */
export const SHORT = 'public, max-age=300'

export function cacheFor(c: Context, policy: string): void {
  c.header('Cache-Control', policy)
}

/** The scheme and host of a request URL, without parsing it. */
export function originOf(url: string): string {
  const end = url.indexOf('/', url.indexOf('//') + 2)
  return end === -1 ? url : url.slice(0, end)
}

export interface Fixed<T> {
  /**
   * Everything the bytes depend on within one deployment, besides the origin: the page kind,
   * the version's SHA-256, the language, where the version stands. It becomes the ETag.
   */
  key: string
  policy: string
  /** Called once per isolate and origin. */
  render: () => T
}

// Bodies rendered once per isolate. The keys come from content that exists (versions, languages,
// page kinds) and the origin from the Host header, so the map stays small; it is emptied should
// it ever pass MAX_RENDERED.
const rendered = new Map<string, string>()
const MAX_RENDERED = 512

/** A strong ETag for bytes fixed by `key` within this deployment (its version id is part of it). */
export function fixedEtag(env: Env, key: string): string {
  return `"${env.CF_VERSION_METADATA?.id?.slice(0, 8) || 'local'}-${key}"`
}

export function ifNoneMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((t) => t.trim() === etag)
}

/**
 * A public response whose bytes are fixed by `key` within a deployment: its strong ETag is that
 * key (no body is hashed), a matching If-None-Match gets a 304 before anything is rendered, and
 * the body is rendered once per isolate and origin.
 */
async function respondFixed(
  c: Context<AppEnv>,
  fixed: Fixed<unknown>,
  contentType: string,
  serialise: (made: unknown) => string,
): Promise<Response> {
  const etag = fixedEtag(c.env, fixed.key)
  // Built whole, security headers included, rather than header by header on the way out.
  const headers = { ...securityHeadersMade(), ETag: etag, 'Cache-Control': fixed.policy }
  if (ifNoneMatches(c.req.header('If-None-Match'), etag))
    return new Response(null, { status: 304, headers })
  const memo = `${originOf(c.req.url)} ${etag}`
  let body = rendered.get(memo)
  if (body === undefined) {
    body = serialise(await fixed.render())
    if (rendered.size >= MAX_RENDERED) rendered.clear()
    rendered.set(memo, body)
  }
  return new Response(body, { headers: { ...headers, 'Content-Type': contentType } })
}

/** A fixed HTML page (see respondFixed). */
export function fixedHtml(c: Context<AppEnv>, fixed: Fixed<unknown>): Promise<Response> {
  return respondFixed(c, fixed, 'text/html; charset=UTF-8', String)
}

/**
 * Fixed JSON (see respondFixed), typed like c.json so a route's OpenAPI schema checks what
 * `render` makes. (A 304 carries no body; the type speaks of the 200.)
 */
export async function fixedJson<T>(
  c: Context<AppEnv>,
  fixed: Fixed<T>,
): Promise<TypedResponse<JSONParsed<T>, 200, 'json'>> {
  const response = await respondFixed(c, fixed, 'application/json', (made) => JSON.stringify(made))
  return response as unknown as TypedResponse<JSONParsed<T>, 200, 'json'>
}

/**
 * JSON built whole, security headers included (like fixed responses), for a hot route whose
 * answer is made per request: no Headers object filled header by header on the way out.
 */
export function wholeJson<T>(
  data: T,
  headers: Record<string, string> = {},
): TypedResponse<JSONParsed<T>, 200, 'json'> {
  const response = new Response(JSON.stringify(data), {
    headers: { ...securityHeadersMade(), 'Content-Type': 'application/json', ...headers },
  })
  return response as unknown as TypedResponse<JSONParsed<T>, 200, 'json'>
}
