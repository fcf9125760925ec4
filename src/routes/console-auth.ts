/**
 * Signing in to the console without Cloudflare Access: /admin/login takes ADMIN_TOKEN on a form
 * and opens an 8-hour session (HttpOnly, SameSite=Strict, Secure on https, signed). Sign-out ends
 * it in D1. Also serves the console's one static script.
 */
import { html } from 'hono/html'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { ownerToken } from '../admin/actor'
import { ACCESS_HEADER } from '../admin/access-jwt'
import { audit } from '../admin/audit'
import { consoleActor, isAdminToken } from '../admin/authenticate'
import { accessConfig, sessionKeyOf } from '../admin/config'
import {
  endSession,
  newSignInNonce,
  openSession,
  SESSION_HOURS,
  signInFormMatches,
  signInFormToken,
} from '../admin/sessions'
import { database } from '../db/client'
import { langOf } from '../env'
import { AppError } from '../errors'
import { limitBody, newRoutes } from '../factory'
import type { Lang } from '../i18n'
import { withLang } from '../views/layout'
import { emptyForm, field, form, type FormState } from '../views/console/forms'
import { consoleLayout } from '../views/console/layout'
import { addConsoleErrors, consoleError } from '../views/console/messages'
import { CONSOLE_SCRIPT_PATH, consoleScript } from '../views/console/script'
import {
  consoleAction,
  CONSOLE_PATH,
  pathWithoutLang,
  safeNext,
  secureCookie,
  SESSION_COOKIE,
  SIGN_IN_COOKIE,
  SIGN_IN_PATH,
  type Ctx,
} from './console-kit'

const words = {
  zh: {
    title: '登录管理后台',
    intro: '请输入管理员令牌（ADMIN_TOKEN）。本地开发时它在 .dev.vars 文件里。',
    accessIntro:
      '本系统使用 Cloudflare Access 登录：通过 Access 打开 /admin 即可。也可以用管理员令牌登录。',
    token: '管理员令牌',
    submit: '登录',
    expired: '登录已过期，请重新登录。',
    signedOut: '您已退出登录。',
    wrongToken: '令牌不对。',
  },
  en: {
    title: 'Sign in to the console',
    intro: 'Enter the administrator token (ADMIN_TOKEN). In local development it is in .dev.vars.',
    accessIntro:
      'This site signs people in with Cloudflare Access: open /admin through Access. The administrator token works too.',
    token: 'Administrator token',
    submit: 'Sign in',
    expired: 'Your session has expired. Please sign in again.',
    signedOut: 'You have signed out.',
    wrongToken: 'That is not the token.',
  },
} as const

addConsoleErrors({ too_large: '表单内容太大。', invalid_form: '无法读取表单。' })

export const consoleAuthRoutes = newRoutes()

consoleAuthRoutes.get(CONSOLE_SCRIPT_PATH, (c) =>
  c.body(consoleScript, 200, {
    'Content-Type': 'text/javascript; charset=utf-8',
    'Cache-Control': 'public, max-age=3600',
  }),
)

const NONCE_MAX_AGE = 3600

/** The sign-in form; its token pairs with a nonce cookie (no session exists yet to bind it to). */
async function signInPage(
  c: Ctx,
  lang: Lang,
  state: FormState,
  status: 200 | 401 | 403 | 422 = 200,
  flash?: string,
) {
  const w = words[lang]
  const key = await sessionKeyOf(c.env)
  let nonce = getCookie(c, SIGN_IN_COOKIE)
  if (!nonce || !/^[A-Za-z0-9_-]{22}$/.test(nonce)) {
    nonce = newSignInNonce()
    setCookie(c, SIGN_IN_COOKIE, nonce, {
      path: CONSOLE_PATH,
      httpOnly: true,
      sameSite: 'Strict',
      secure: secureCookie(c),
      maxAge: NONCE_MAX_AGE,
    })
  }
  const next = safeNext(state.values.next ?? c.req.query('next'))
  const body = html`<p>${accessConfig(c.env) ? w.accessIntro : w.intro}</p>
    ${form(
      {
        action: withLang(SIGN_IN_PATH, lang),
        csrf: await signInFormToken(key, nonce),
        submit: w.submit,
        lang,
        state,
      },
      html`<input type="hidden" name="next" value="${next}">
        ${field({
          name: 'token',
          label: w.token,
          type: 'password',
          state,
          required: true,
          autocomplete: 'current-password',
        })}`,
    )}`
  return c.html(
    consoleLayout({
      lang,
      path: pathWithoutLang(c),
      title: w.title,
      body,
      flash: flash ? { text: flash } : undefined,
    }),
    status,
  )
}

consoleAuthRoutes.get(SIGN_IN_PATH, async (c) => {
  const lang = langOf(c)
  // Already signed in (a session, or Access as an admin): straight on.
  const signIn = await consoleActor(
    database(c.env.DB),
    c.env,
    { sessionCookie: getCookie(c, SESSION_COOKIE), accessJwt: c.req.header(ACCESS_HEADER) },
    new Date(),
  ).catch(() => undefined)
  if (signIn?.state === 'signed_in')
    return c.redirect(withLang(safeNext(c.req.query('next')), lang), 303)
  const w = words[lang]
  const flash =
    c.req.query('expired') === '1' || signIn?.state === 'expired'
      ? w.expired
      : c.req.query('signed_out') === '1'
        ? w.signedOut
        : undefined
  return signInPage(c, lang, emptyForm(), 200, flash)
})

consoleAuthRoutes.post(
  SIGN_IN_PATH,
  limitBody(4096, 'The sign-in form is limited to 4 KiB.', 'too_large'),
  async (c) => {
    const lang = langOf(c)
    const w = words[lang]
    const body = await c.req.parseBody().catch(() => {
      throw new AppError(400, 'invalid_form', 'The form could not be read.')
    })
    const state = emptyForm({ next: typeof body.next === 'string' ? body.next : '' })
    const key = await sessionKeyOf(c.env)
    if (!(await signInFormMatches(key, getCookie(c, SIGN_IN_COOKIE), body._csrf))) {
      state.message = consoleError(lang, 'form_expired', '')
      return signInPage(c, lang, state, 403)
    }
    const token = typeof body.token === 'string' ? body.token.trim() : ''
    if (!token) {
      state.errors.token = lang === 'zh' ? '请输入令牌。' : 'Enter the token.'
      return signInPage(c, lang, state, 422)
    }
    if (!(await isAdminToken(c.env, token))) {
      state.errors.token = w.wrongToken
      return signInPage(c, lang, state, 401)
    }
    const db = database(c.env.DB)
    const now = new Date()
    const session = await openSession(db, key, c.env.ADMIN_TOKEN!, now)
    setCookie(c, SESSION_COOKIE, session.cookie, {
      path: CONSOLE_PATH,
      httpOnly: true,
      sameSite: 'Strict',
      secure: secureCookie(c),
      maxAge: SESSION_HOURS * 3600,
    })
    deleteCookie(c, SIGN_IN_COOKIE, { path: CONSOLE_PATH, secure: secureCookie(c) })
    await audit(db, { actor: ownerToken, requestId: c.get('requestId'), now }, 'session.sign_in')
    return c.redirect(withLang(safeNext(state.values.next), lang), 303)
  },
)

consoleAuthRoutes.post(
  '/admin/logout',
  ...consoleAction(async (ctx) => {
    const { c } = ctx
    const session = c.get('console')
    if (session.via === 'session') {
      await endSession(ctx.db, await sessionKeyOf(c.env), getCookie(c, SESSION_COOKIE))
      await audit(ctx.db, ctx.by, 'session.sign_out')
    }
    deleteCookie(c, SESSION_COOKIE, { path: CONSOLE_PATH, secure: secureCookie(c) })
    const access = accessConfig(c.env)
    // An Access sign-in ends at Access; the console holds nothing of it.
    if (session.via === 'access' && access)
      return c.redirect(`https://${access.teamDomain}/cdn-cgi/access/logout`, 303)
    return c.redirect(withLang(`${SIGN_IN_PATH}?signed_out=1`, ctx.lang), 303)
  }),
)
