/**
 * What every request and response passes through, in one middleware: the request id, the
 * reader's language, and the security headers. Everything that does not depend on the request
 * (the header values, the CSP with the stylesheet's hash) is made once per isolate.
 */
import type { MiddlewareHandler } from 'hono'
import { detectFromHeader, detectFromQuery } from 'hono/language'
import { sha256Base64 } from './crypto'
import type { AppEnv } from './env'
import { consoleCss } from './views/console/style'
import { CONSOLE_SCRIPT_PATH } from './views/console/script'
import { css } from './views/style'

/** ?lang=zh|en, else Accept-Language, else Chinese: hono's own detectors, without a middleware each. */
const LANGUAGES: Parameters<typeof detectFromQuery>[1] = {
  order: ['querystring', 'header'],
  lookupQueryString: 'lang',
  lookupCookie: 'language',
  lookupFromPathIndex: 0,
  lookupFromHeaderKey: 'accept-language',
  caches: false,
  ignoreCase: true,
  fallbackLanguage: 'zh',
  supportedLanguages: ['zh', 'en'],
}

/** The security headers of every response, in the order browsers' tools list them. */
async function makeSecurityHeaders(): Promise<Record<string, string>> {
  const styles = await Promise.all([sha256Base64(css), sha256Base64(consoleCss)])
  const csp = [
    "default-src 'none'",
    `style-src ${styles.map((hash) => `'sha256-${hash}'`).join(' ')}`,
    "img-src 'self' data:",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ')
  return {
    'Content-Security-Policy': csp,
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Origin-Agent-Cluster': '?1',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    // same-origin: personal link URLs never leak to other sites, yet form posts keep their Origin.
    'Referrer-Policy': 'same-origin',
    'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
    'X-Content-Type-Options': 'nosniff',
    'X-DNS-Prefetch-Control': 'off',
    'X-Download-Options': 'noopen',
    'X-Frame-Options': 'DENY',
    'X-Permitted-Cross-Domain-Policies': 'none',
    'X-XSS-Protection': '0',
  }
}

let securityHeaders: Record<string, string> | undefined
let securityEntries: [string, string][] = []
/** The console's CSP per origin: the base policy plus its one script file, by full address. */
const consoleCsp = new Map<string, string>()

const isConsole = (path: string) => path === '/admin' || path.startsWith('/admin/')

function consolePolicy(url: string): string {
  const { origin } = new URL(url)
  let policy = consoleCsp.get(origin)
  if (policy === undefined) {
    policy = `${securityHeaders!['Content-Security-Policy']}; script-src ${origin}${CONSOLE_SCRIPT_PATH}`
    if (consoleCsp.size < 16) consoleCsp.set(origin, policy)
  }
  return policy
}

/**
 * The security headers, once the edge middleware has made them: routes that build a Response
 * whole (fixed pages) put them in at construction rather than header by header afterwards.
 */
export function securityHeadersMade(): Record<string, string> {
  if (!securityHeaders) throw new Error('the edge middleware has not run')
  return securityHeaders
}

// A client's X-Request-Id is adopted when it looks like an id (as hono's requestId middleware does).
const REQUEST_ID = /^[\w\-=]{1,255}$/

export const edge: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!securityHeaders) {
    securityHeaders = await makeSecurityHeaders()
    securityEntries = Object.entries(securityHeaders)
  }
  const offered = c.req.header('X-Request-Id')
  c.set('requestId', offered && REQUEST_ID.test(offered) ? offered : crypto.randomUUID())
  const asked = c.req.query('lang')
  c.set(
    'language',
    (asked !== undefined && detectFromQuery(c, LANGUAGES)) ||
      detectFromHeader(c, LANGUAGES) ||
      LANGUAGES.fallbackLanguage,
  )

  await next()

  const headers = c.res.headers
  // A response built with the security headers already has them all; the rest get them here.
  if (!headers.has('Content-Security-Policy'))
    for (const [name, value] of securityEntries) headers.set(name, value)
  // The console's pages may run its one script file; no other page runs any script.
  if (isConsole(c.req.path)) headers.set('Content-Security-Policy', consolePolicy(c.req.url))
  headers.delete('X-Powered-By')
  // Routes may replace the id (the acknowledgement form makes its own): the final one is sent.
  headers.set('X-Request-Id', c.get('requestId'))
  if (asked === undefined) headers.append('Vary', 'Accept-Language')
}
