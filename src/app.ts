import type { MiddlewareHandler } from 'hono'
import { etag } from 'hono/etag'
import { languageDetector } from 'hono/language'
import { requestId } from 'hono/request-id'
import { secureHeaders } from 'hono/secure-headers'
import { sha256Base64 } from './crypto'
import { AppError, clientRefusal, describeSafely, storageFailure } from './errors'
import { newRoutes, refuseCrossSiteRequests } from './factory'
import { langOf, type AppEnv } from './env'
import { errorMessage } from './i18n'
import { noticeRoutes } from './routes/notices'
import { acknowledgementRoutes } from './routes/acknowledgements'
import { checkRoutes } from './routes/check'
import { adminRoutes } from './routes/admin'
import { keyRoutes } from './routes/keys'
import { ruleRoutes } from './routes/rules'
import { errorPage } from './views/notice'
import { page } from './views/layout'
import { css } from './views/style'

const isPersonalOrAdmin = (path: string) => path.startsWith('/a/') || path.startsWith('/api/admin/')

/** Runs a middleware everywhere but the personal link pages (/a/*) and the admin API. */
function exceptPersonalAndAdmin(middleware: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  return (c, next) => (isPersonalOrAdmin(c.req.path) ? next() : middleware(c, next))
}

/** The message check changes nothing: its form refuses only what says it is cross-site. */
const CHANGES_NOTHING = new Set(['/check', '/api/check', '/api/check/batch'])

let styleHash: Promise<string> | undefined

export function createApp() {
  const app = newRoutes()

  app.use(requestId())
  app.use(async (c, next) => {
    styleHash ??= sha256Base64(css)
    const headers = secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: [`'sha256-${await styleHash}'`],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      strictTransportSecurity: 'max-age=63072000; includeSubDomains',
      // same-origin: personal link URLs never leak to other sites, yet form posts keep their Origin.
      referrerPolicy: 'same-origin',
      xFrameOptions: 'DENY',
      permissionsPolicy: { camera: [], microphone: [], geolocation: [], payment: [] },
    })
    return headers(c, next)
  })
  // First, so that every refusal after it is in the reader's language.
  app.use(
    languageDetector({
      supportedLanguages: ['zh', 'en'],
      fallbackLanguage: 'zh',
      order: ['querystring', 'header'],
      lookupQueryString: 'lang',
      caches: false,
    }),
  )
  // On by default, for any route added later. Skipped for /a/* (acknowledgement forms check
  // Origin themselves plus a per-link form token, because some in-app browsers such as WeChat's
  // post without an Origin header), for /api/admin/* (bearer token: a browser never attaches it
  // to a cross-site request) and for the message check, which changes no state (its form still
  // refuses what says it is cross-site, see refuseForeignForms).
  const crossSite = refuseCrossSiteRequests()
  app.use((c, next) =>
    isPersonalOrAdmin(c.req.path) || CHANGES_NOTHING.has(c.req.path) ? next() : crossSite(c, next),
  )
  app.use(async (c, next) => {
    await next()
    if (c.req.query('lang') === undefined) c.res.headers.append('Vary', 'Accept-Language')
  })
  // ETags are for the public, cacheable pages; personal and admin responses are no-store, and
  // hashing would buffer admin's streamed CSV exports whole.
  app.use(exceptPersonalAndAdmin(etag()))

  app.route('/', noticeRoutes)
  app.route('/', ruleRoutes)
  app.route('/', checkRoutes)
  app.route('/', acknowledgementRoutes)
  app.route('/', adminRoutes)
  app.route('/', keyRoutes)

  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'redlines',
      version: '1.0.0',
      description:
        'Versioned notices and their rules, acknowledgements and the message check. Every error has the shape {error:{status,code,message}}.',
    },
  })

  app.notFound(() => {
    throw new AppError(404, 'not_found', 'There is nothing at this address.')
  })

  app.onError((error, c) => {
    const known =
      error instanceof AppError ? error : (storageFailure(error) ?? clientRefusal(error))
    // Only the innermost cause's first line: a query error's own message would carry its values.
    if (!(error instanceof AppError) && (!known || known.status >= 500))
      console.error(JSON.stringify({ requestId: c.get('requestId'), error: describeSafely(error) }))
    const shown = known ?? new AppError(500, 'internal_error', 'Something went wrong on our side.')
    for (const [name, value] of Object.entries(shown.headers)) c.header(name, value)
    c.header('Cache-Control', 'no-store')
    if (c.req.path.startsWith('/api/')) return c.json(shown.body(), shown.status)
    const lang = langOf(c)
    const message = errorMessage(lang, shown.code, shown.message)
    return c.html(
      page({
        lang,
        title: `${shown.status}`,
        description: message,
        path: c.req.path,
        body: errorPage(shown.status, message, lang),
      }),
      shown.status,
    )
  })

  return app
}
