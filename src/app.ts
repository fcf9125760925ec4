import { etag } from 'hono/etag'
import { edge } from './edge'
import { AppError, clientRefusal, describeSafely, storageFailure } from './errors'
import { newRoutes, refuseCrossSiteRequests } from './factory'
import { langOf, type AppEnv } from './env'
import { errorMessage } from './i18n'
import { noticeRoutes } from './routes/notices'
import { acknowledgementRoutes } from './routes/acknowledgements'
import { checkRoutes } from './routes/check'
import { checkVersionRoutes } from './routes/checks'
import { adminLinkRoutes } from './routes/admin-links'
import { adminLogRoutes } from './routes/admin-log'
import { adminShardRoutes } from './routes/admin-shards'
import { adminRecordRoutes } from './routes/admin-records'
import { adminRosterRoutes } from './routes/admin-roster'
import { adminStatusRoutes } from './routes/admin-status'
import { keyRoutes } from './routes/keys'
import { assetRoutes } from './routes/assets'
import { ruleRoutes } from './routes/rules'
import { errorPage, errorTitle } from './views/error'
import { page } from './views/layout'
import { adminApiAuth, serverRequestId } from './routes/admin-auth'
import { adminAuditRoutes } from './routes/admin-audit'
import { adminTokenRoutes } from './routes/admin-tokens'
import { adminReminderRoutes } from './routes/admin-reminders'
import { consoleAuth } from './routes/console-kit'
import { consoleAdminRoutes } from './routes/console-admins'
import { consoleAuditRoutes } from './routes/console-audit'
import { consoleAuthRoutes } from './routes/console-auth'
import { consoleHomeRoutes } from './routes/console-home'
import { consoleTokenRoutes } from './routes/console-tokens'
import { consoleRosterRoutes } from './routes/console-roster'
import { consoleOfficialRoutes } from './routes/console-officials'
import { consoleLinkRoutes } from './routes/console-links'
import { consoleUnitRoutes } from './routes/console-units'
import { consoleRecordRoutes } from './routes/console-records'
import { consoleVerificationRoutes } from './routes/console-verification'
import { consoleChannelRoutes } from './routes/console-channels'
import { consoleReminderRoutes } from './routes/console-reminders'

const personalOrAdmin = (path: string) => path.startsWith('/a/') || path.startsWith('/api/admin/')
const safe = (method: string) => method === 'GET' || method === 'HEAD'

/** The message check changes nothing: its form refuses only what says it is cross-site. */
const CHANGES_NOTHING = new Set(['/check', '/api/check', '/api/check/batch'])

const crossSite = refuseCrossSiteRequests()
const hashBody = etag()
const isConsole = (path: string) => path === '/admin' || path.startsWith('/admin/')

export function createApp() {
  const app = newRoutes()

  // First: the request id, the reader's language (so that every refusal after it is in that
  // language) and the security headers of every response.
  app.use(edge)
  // On by default, for any route added later. Skipped for reads, for /a/* (acknowledgement forms
  // check Origin themselves plus a per-link form token, because some in-app browsers such as
  // WeChat's post without an Origin header), for /api/admin/* (bearer token: a browser never
  // attaches it to a cross-site request) and for the message check, which changes no state (its
  // form still refuses what says it is cross-site, see refuseForeignForms).
  app.use((c, next) =>
    safe(c.req.method) || personalOrAdmin(c.req.path) || CHANGES_NOTHING.has(c.req.path)
      ? next()
      : crossSite(c, next),
  )
  // ETags are for the public, cacheable pages; personal and admin responses are no-store, and
  // hashing would buffer admin's streamed CSV exports whole. Pages whose bytes are fixed by their
  // content bring their own ETag (see cache.ts), so their bodies are never hashed.
  app.use((c, next) =>
    safe(c.req.method) && !personalOrAdmin(c.req.path) && !isConsole(c.req.path)
      ? hashBody(c, next)
      : next(),
  )
  app.use('/api/admin/*', serverRequestId, adminApiAuth)
  app.use('/admin', serverRequestId, consoleAuth)
  app.use('/admin/*', serverRequestId, consoleAuth)

  app.route('/', noticeRoutes)
  app.route('/', ruleRoutes)
  app.route('/', checkRoutes)
  app.route('/', checkVersionRoutes)
  app.route('/', acknowledgementRoutes)
  app.route('/', adminRosterRoutes)
  app.route('/', adminLinkRoutes)
  app.route('/', adminStatusRoutes)
  app.route('/', adminRecordRoutes)
  app.route('/', adminLogRoutes)
  app.route('/', adminShardRoutes)
  app.route('/', adminTokenRoutes)
  app.route('/', adminAuditRoutes)
  app.route('/', adminReminderRoutes)
  app.route('/', consoleAuthRoutes)
  app.route('/', consoleHomeRoutes)
  app.route('/', consoleAdminRoutes)
  app.route('/', consoleTokenRoutes)
  app.route('/', consoleRosterRoutes)
  app.route('/', consoleOfficialRoutes)
  app.route('/', consoleLinkRoutes)
  app.route('/', consoleUnitRoutes)
  app.route('/', consoleRecordRoutes)
  app.route('/', consoleVerificationRoutes)
  app.route('/', consoleAuditRoutes)
  app.route('/', consoleReminderRoutes)
  app.route('/', consoleChannelRoutes)
  app.route('/', keyRoutes)
  app.route('/', assetRoutes)

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
        title: errorTitle(lang, shown.status, shown.code),
        description: message,
        path: c.req.path,
        body: errorPage({
          status: shown.status,
          code: shown.code,
          message,
          lang,
          path: c.req.path,
          contact: c.env.ORG_CONTACT,
          requestId: c.get('requestId'),
        }),
      }),
      shown.status,
    )
  })

  return app
}
