/**
 * What every console page is built with: the sign-in check for /admin/*, `consolePage` (render
 * a page in the console layout, errors included), `consoleAction` (a form post: CSRF token
 * checked, body read) and `validateForm` (validate fields with zod, messages next to each field).
 * Pages stay thin: read input here, call a domain function with ctx.actor / ctx.by, render.
 */
import type { Context, Handler, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie } from 'hono/cookie'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { z } from '@hono/zod-openapi'
import type { Actor } from '../admin/actor'
import { ACCESS_HEADER } from '../admin/access-jwt'
import type { AuditBy } from '../admin/audit'
import { consoleActor } from '../admin/authenticate'
import { sessionKeyOf } from '../admin/config'
import { formToken, formTokenMatches } from '../admin/sessions'
import { database, type Database } from '../db/client'
import { shardsOf, type ShardSet } from '../db/shards'
import { langOf, type AppEnv, type ConsoleSession } from '../env'
import { AppError } from '../errors'
import { limitBody } from '../factory'
import type { Lang } from '../i18n'
import { withLang, type Html } from '../views/layout'
import { CSRF_FIELD, type FormState } from '../views/console/forms'
import { consoleLayout } from '../views/console/layout'
import { consoleError, consoleText } from '../views/console/messages'
import { CONSOLE_SCRIPT_PATH } from '../views/console/script'
import { html } from 'hono/html'

export type Ctx = Context<AppEnv>

export const SESSION_COOKIE = 'redlines_admin'
export const SIGN_IN_COOKIE = 'redlines_sign_in'
export const CONSOLE_PATH = '/admin'
export const SIGN_IN_PATH = '/admin/login'
export const FORM_MAX_BYTES = 64 * 1024

/** Pages reachable before signing in. */
const OPEN_PATHS = new Set([SIGN_IN_PATH, CONSOLE_SCRIPT_PATH])

/** Everything a console page needs, resolved once per request. */
export interface ConsoleCtx {
  c: Ctx
  actor: Actor
  lang: Lang
  /** DB: the console's own tables, link batches, audit log (and shard 0). */
  db: Database
  /** Every shard: officials, their records and counters live in the shard of their unit. */
  store: ShardSet
  now: Date
  /** Pass to every domain function that changes something: it is what the audit log records. */
  by: AuditBy
  /** The form token: give it to form() / postButton(). */
  csrf: string
  /** This page's path and query without lang, for links back to it. */
  path: string
  query: (name: string) => string | undefined
}

export interface PageResult {
  title: string
  body: Html
  actions?: Html
  nav?: string
  flash?: { text: string; error?: boolean }
  status?: ContentfulStatusCode
}

export function pathWithoutLang(c: Ctx) {
  const url = new URL(c.req.url)
  url.searchParams.delete('lang')
  return `${url.pathname}${url.search}`
}

export const secureCookie = (c: Ctx) => new URL(c.req.url).protocol === 'https:'

/** Only console paths: never an open redirect to another site. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/admin(?:[/?#]|$)/.test(next) && !next.includes('\\')
    ? next
    : CONSOLE_PATH
}

/** Console answers are for one person: never stored by a cache, never indexed. */
function privateAnswer(c: Ctx) {
  c.header('Cache-Control', 'no-store')
  c.header('X-Robots-Tag', 'noindex, nofollow')
}

/** Renders an error in the console layout (with the menu when someone is signed in). */
export function consoleErrorPage(c: Ctx, error: AppError, session?: ConsoleSession) {
  const lang = langOf(c)
  const m = consoleText(lang)
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value)
  const message = consoleError(lang, error.code, error.message)
  const signInLink =
    error.code === 'not_an_admin' || error.code === 'access_invalid'
      ? html`<p><a href="${withLang(SIGN_IN_PATH, lang)}">${m.signIn}</a></p>`
      : html`<p><a href="${withLang(CONSOLE_PATH, lang)}">${m.back}</a></p>`
  return c.html(
    consoleLayout({
      lang,
      path: pathWithoutLang(c),
      title: `${error.status} · ${m.error}`,
      body: html`<p>${message}</p>${signInLink}`,
      session: session ? { actor: session.actor, csrf: session.csrf } : undefined,
    }),
    error.status,
  )
}

/**
 * /admin/*: the sign-in (session cookie or Cloudflare Access). Signed out or expired: to the
 * sign-in page, coming back here afterwards. A refused Access token or a non-admin: an error page.
 */
export const consoleAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  privateAnswer(c)
  if (OPEN_PATHS.has(c.req.path)) return next()
  const lang = langOf(c)
  let signIn
  try {
    signIn = await consoleActor(
      database(c.env.DB),
      c.env,
      { sessionCookie: getCookie(c, SESSION_COOKIE), accessJwt: c.req.header(ACCESS_HEADER) },
      new Date(),
    )
  } catch (error) {
    if (error instanceof AppError) return consoleErrorPage(c, error)
    throw error
  }
  if (signIn.state !== 'signed_in') {
    if (signIn.state === 'expired' || getCookie(c, SESSION_COOKIE) !== undefined)
      deleteCookie(c, SESSION_COOKIE, { path: CONSOLE_PATH, secure: secureCookie(c) })
    const back = c.req.method === 'GET' ? pathWithoutLang(c) : CONSOLE_PATH
    const query = new URLSearchParams({ next: back })
    if (signIn.state === 'expired') query.set('expired', '1')
    return c.redirect(withLang(`${SIGN_IN_PATH}?${query}`, lang), 303)
  }
  const key = await sessionKeyOf(c.env)
  c.set('console', {
    actor: signIn.actor,
    via: signIn.via,
    binding: signIn.binding,
    csrf: await formToken(key, signIn.binding),
  })
  await next()
}

function contextOf(c: Ctx): ConsoleCtx {
  const session = c.get('console')
  if (!session) throw new AppError(401, 'unauthorized', 'Sign in first.')
  const now = new Date()
  return {
    c,
    actor: session.actor,
    lang: langOf(c),
    db: database(c.env.DB),
    store: shardsOf(c.env),
    now,
    by: { actor: session.actor, requestId: c.get('requestId'), now },
    csrf: session.csrf,
    path: pathWithoutLang(c),
    query: (name) => c.req.query(name),
  }
}

async function respond(ctx: ConsoleCtx, run: () => Promise<PageResult | Response>) {
  const { c } = ctx
  try {
    const result = await run()
    if (result instanceof Response) return result
    return c.html(
      consoleLayout({
        lang: ctx.lang,
        path: ctx.path,
        title: result.title,
        body: result.body,
        actions: result.actions,
        flash: result.flash,
        nav: result.nav,
        session: { actor: ctx.actor, csrf: ctx.csrf },
      }),
      result.status ?? 200,
    )
  } catch (error) {
    if (error instanceof AppError && error.status < 500)
      return consoleErrorPage(c, error, c.get('console'))
    throw error
  }
}

/** A console page (GET): `render` returns the title and body, or a Response of its own. */
export function consolePage(
  render: (ctx: ConsoleCtx) => Promise<PageResult | Response> | PageResult | Response,
): Handler<AppEnv> {
  return (c) => {
    const ctx = contextOf(c)
    return respond(ctx, async () => render(ctx))
  }
}

/**
 * A console form post. The body is limited, the form token checked (403 form_expired otherwise:
 * the global Origin check has already refused other sites), and the string fields handed over;
 * `raw` keeps files for pages that take uploads.
 */
export function consoleAction(
  handle: (
    ctx: ConsoleCtx,
    form: Record<string, string>,
    raw: Record<string, string | File | (string | File)[]>,
  ) => Promise<PageResult | Response> | PageResult | Response,
  maxBytes = FORM_MAX_BYTES,
): [MiddlewareHandler<AppEnv>, Handler<AppEnv>] {
  return [
    limitBody(
      maxBytes,
      `A console form is limited to ${Math.round(maxBytes / 1024)} KiB.`,
      'too_large',
    ),
    (c) => {
      const ctx = contextOf(c)
      return respond(ctx, async () => {
        const raw = await c.req.parseBody({ all: true }).catch(() => {
          throw new AppError(400, 'invalid_form', 'The form could not be read.')
        })
        const key = await sessionKeyOf(c.env)
        const session = c.get('console')
        if (!(await formTokenMatches(key, session.binding, raw[CSRF_FIELD])))
          throw new AppError(
            403,
            'form_expired',
            'This form has expired or was not sent from this console. Reload the page and try again.',
          )
        const form: Record<string, string> = {}
        for (const [name, value] of Object.entries(raw))
          if (typeof value === 'string') form[name] = value
        return handle(ctx, form, raw)
      })
    },
  ]
}

/**
 * Validates a form against a zod object whose messages are already in the reader's language.
 * Either the data, or the state to re-render: the values as typed and the first problem of each
 * field beside it.
 */
export function validateForm<S extends z.ZodObject>(
  schema: S,
  form: Record<string, string>,
): { ok: true; data: z.infer<S>; state: FormState } | { ok: false; state: FormState } {
  const values: Record<string, string> = {}
  for (const name of Object.keys(schema.shape)) values[name] = form[name] ?? ''
  const result = schema.safeParse(values)
  if (result.success) return { ok: true, data: result.data, state: { values, errors: {} } }
  const errors: Record<string, string> = {}
  for (const issue of result.error.issues) {
    const name = String(issue.path[0] ?? '')
    errors[name] ??= issue.message
  }
  return { ok: false, state: { values, errors } }
}

/**
 * A domain refusal shown on the form: next to the field `fields` names for its code, else above
 * the form. Errors that are no 4xx are not the reader's to fix, and go on up.
 */
export function refusalOnForm(
  error: unknown,
  lang: Lang,
  state: FormState,
  fields: Record<string, string>,
): ContentfulStatusCode {
  if (!(error instanceof AppError) || error.status >= 500) throw error
  const message = consoleError(lang, error.code, error.message)
  const field = fields[error.code]
  if (field) state.errors[field] = message
  else state.message = message
  return error.status
}

/** After a change: back to a page (303), which shows the confirmation named by `done`. */
export function redirectDone(ctx: ConsoleCtx, path: string, done: string) {
  const url = new URL(path, 'http://x')
  url.searchParams.set('done', done)
  return ctx.c.redirect(withLang(`${url.pathname}${url.search}`, ctx.lang), 303)
}

/** The confirmation for ?done=<code>, if the page knows the code. */
export function doneFlash(ctx: ConsoleCtx, texts: Record<string, string>) {
  const done = ctx.query('done')
  return done && texts[done] ? { text: texts[done] } : undefined
}
