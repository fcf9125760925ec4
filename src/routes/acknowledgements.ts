/** The pages an official reaches from a personal link: the text and form, then the receipt. */
import type { Context } from 'hono'
import { contactOf, ownRecord, pastOf } from '../acknowledgements/history'
import { linkPath, LinkRefused, openLink, type OpenedLink } from '../acknowledgements/links'
import { statementFor, supersededBy } from '../acknowledgements/policy'
import { signedReceiptOf } from '../acknowledgements/receipt'
import { ackQueue } from '../acknowledgements/queue'
import { ackSecrets, type AckSecrets } from '../acknowledgements/secrets'
import { dueDateForOfficial } from '../acknowledgements/status'
import { submitAcknowledgement, SubmissionRejected } from '../acknowledgements/submission'
import { formToken, pendingToken, readPendingToken } from '../acknowledgements/tokens'
import { shardsOf } from '../db/shards'
import { langOf, type AppEnv } from '../env'
import { AppError } from '../errors'
import { limitBody, newRoutes, readForm } from '../factory'
import type { Lang } from '../i18n'
import { timeZoneOf } from '../time'
import {
  acknowledgementForm,
  formTitle,
  linkProblemPage,
  pastAcknowledgements,
  pendingTitle,
  pendingView,
  problemTitle,
  receiptTitle,
  receiptView,
} from '../views/acknowledgement'
import { html } from 'hono/html'
import { page, withLang } from '../views/layout'
import { KEYS_PATH } from './keys'

export const FORM_MAX_BYTES = 16 * 1024

export const acknowledgementRoutes = newRoutes()

type Ctx = Context<AppEnv>

/** Personal pages: never cached by anyone, never indexed. */
function personal(c: Ctx) {
  c.header('Cache-Control', 'no-store')
  c.header('X-Robots-Tag', 'noindex, nofollow')
}

function render(
  c: Ctx,
  lang: Lang,
  title: string,
  body: ReturnType<typeof page>,
  status = 200,
  refresh?: { seconds: number; url: string },
) {
  personal(c)
  return c.html(
    page({ lang, title, description: title, path: c.req.path, private: true, refresh, body }),
    status as 200,
  )
}

/**
 * Received, being recorded: the submission is on the Queue. The page reloads itself (no
 * JavaScript) with a token only this Worker can make, and shows the receipt once it is written.
 */
async function pendingPage(
  c: Ctx,
  lang: Lang,
  secrets: AckSecrets,
  token: string,
  receiptId: string,
  status: 200 | 202,
) {
  const checkPath = `${withLang(linkPath(token), lang)}&pending=${await pendingToken(secrets.linkKey, token, receiptId)}`
  return render(c, lang, pendingTitle(lang), pendingView({ receiptId, lang, checkPath }), status, {
    seconds: 5,
    url: checkPath,
  })
}

/**
 * 401 and 403 get a page that explains, in the reader's language, what to do next, and whom to
 * ask: the unit's own contact (set in the console) when the link names an official, else the
 * organisation's.
 */
async function problem(c: Ctx, lang: Lang, error: unknown) {
  if (error instanceof AppError && (error.status === 401 || error.status === 403)) {
    const contact =
      error instanceof LinkRefused
        ? await contactOf(shardsOf(c.env).control, error.unit, c.env.ORG_CONTACT)
        : c.env.ORG_CONTACT
    return render(
      c,
      lang,
      problemTitle(lang),
      linkProblemPage({
        status: error.status,
        code: error.code,
        message: error.message,
        lang,
        contact,
        requestId: c.get('requestId'),
      }),
      error.status,
    )
  }
  throw error
}

async function receiptPage(c: Ctx, lang: Lang, secrets: AckSecrets, opened: OpenedLink) {
  const signed = signedReceiptOf(
    opened.record!,
    secrets.receipt.published,
    new URL(KEYS_PATH, c.req.url).toString(),
  )
  const timeZone = timeZoneOf(c.env.ORG_TIME_ZONE)
  // The official's records are in their shard, the one their link names.
  const past = await pastOf(
    opened.shard.db,
    opened.official.id,
    opened.token,
    lang,
    opened.record!.receiptId,
  )
  return render(
    c,
    lang,
    receiptTitle(lang),
    html`${receiptView({
      signed,
      version: opened.version,
      lang,
      downloadPath: `${linkPath(opened.token)}/receipt.json`,
      timeZone,
    })}${pastAcknowledgements(past, lang, timeZone)}`,
  )
}

async function formPage(
  c: Ctx,
  lang: Lang,
  secrets: AckSecrets,
  opened: OpenedLink,
  rejected?: SubmissionRejected,
) {
  // Due dates and the unit's contact are in DB; the official's own records in their shard.
  const control = shardsOf(c.env).control
  const [dueDate, past, contact] = await Promise.all([
    dueDateForOfficial(control, opened.notice.id, opened.version.version, opened.official.unit),
    pastOf(opened.shard.db, opened.official.id, opened.token, lang),
    // The unit's own contact, set in the console: whom to ask when the roster name is wrong.
    contactOf(control, opened.official.unit, c.env.ORG_CONTACT),
  ])
  const timeZone = timeZoneOf(c.env.ORG_TIME_ZONE)
  return render(
    c,
    lang,
    formTitle(opened.version, lang),
    html`${acknowledgementForm({
      version: opened.version,
      lang,
      unit: opened.official.unit,
      action: withLang(linkPath(opened.token), lang),
      csrf: await formToken(secrets.linkKey, opened.token),
      statement: statementFor(opened.version, lang),
      current: !supersededBy(opened.notice, opened.version, new Date()),
      dueDate,
      contact,
      error: rejected?.message,
      typedName: rejected?.typedName,
      statementTicked: rejected !== undefined && rejected.code !== 'statement_missing',
    })}${pastAcknowledgements(past, lang, timeZone)}`,
    rejected ? 422 : 200,
  )
}

acknowledgementRoutes.get('/a/:token', async (c) => {
  const lang = langOf(c)
  const secrets = await ackSecrets(c.env)
  const token = c.req.param('token')
  let opened: OpenedLink
  try {
    opened = await openLink(shardsOf(c.env), secrets.linkKey, token, new Date())
  } catch (error) {
    return problem(c, lang, error)
  }
  if (opened.record) return receiptPage(c, lang, secrets, opened)
  const pending = await readPendingToken(secrets.linkKey, token, c.req.query('pending'))
  if (pending) return pendingPage(c, lang, secrets, token, pending, 200)
  return formPage(c, lang, secrets, opened)
})

/**
 * Cross-site posts are refused here rather than by the global Origin check, which would also
 * refuse in-app browsers that send no Origin, and browsers that send `Origin: null` (as Chromium
 * does under a no-referrer policy, which a page or privacy setting may impose). An Origin naming
 * another site, or a Sec-Fetch-Site other than same-origin, is refused; the form token
 * (checked in submitAcknowledgement) is always required.
 */
function refuseCrossSite(c: Ctx) {
  const origin = c.req.header('Origin')
  const site = c.req.header('Sec-Fetch-Site')
  const foreignOrigin = origin && origin !== 'null' && origin !== new URL(c.req.url).origin
  if (foreignOrigin || (site && site !== 'same-origin'))
    throw new AppError(403, 'form_invalid', 'This form was posted from another site.')
}

/**
 * The request id a record keeps. Hono's requestId middleware adopts a client's X-Request-Id, but
 * the one signed into a receipt must be made by the server: a fresh one then replaces it, for
 * this request's logs and response header too.
 */
function serverRequestId(c: Ctx): string {
  if (c.req.header('X-Request-Id') === undefined) return c.get('requestId')
  const id = crypto.randomUUID()
  c.set('requestId', id)
  c.header('X-Request-Id', id)
  return id
}

acknowledgementRoutes.post(
  '/a/:token',
  limitBody(FORM_MAX_BYTES, `A form post is limited to ${FORM_MAX_BYTES / 1024} KiB.`, 'too_large'),
  async (c) => {
    const secrets = await ackSecrets(c.env)
    const token = c.req.param('token')
    let lang = langOf(c)
    try {
      refuseCrossSite(c)
      const form = await readForm(c)
      if (form.lang === 'zh' || form.lang === 'en') lang = form.lang
      const result = await submitAcknowledgement(shardsOf(c.env), secrets, {
        token,
        form,
        requestId: serverRequestId(c),
        userAgent: c.req.header('User-Agent') ?? '',
        ip: c.req.header('CF-Connecting-IP'),
        now: new Date(),
        queue: ackQueue(c.env),
      })
      if ('pending' in result)
        return pendingPage(c, lang, secrets, token, result.pending.receiptId, 202)
      personal(c)
      c.header('X-Receipt-Id', result.record.receiptId)
      // To the receipt's top: without a fragment of its own, the redirect would keep the form's.
      return c.redirect(`${withLang(linkPath(token), lang)}#receipt-top`, 303)
    } catch (error) {
      if (error instanceof SubmissionRejected)
        return formPage(c, error.lang, secrets, error.opened, error)
      return problem(c, lang, error)
    }
  },
)

acknowledgementRoutes.get('/a/:token/receipt.json', async (c) => {
  const secrets = await ackSecrets(c.env)
  const opened = await openLink(
    shardsOf(c.env),
    secrets.linkKey,
    c.req.param('token'),
    new Date(),
  ).catch((error: unknown) => {
    // An expired link with a receipt still opens; without one there is no receipt to download.
    if (error instanceof AppError && error.status === 403)
      throw new AppError(
        404,
        'receipt_not_found',
        'No acknowledgement has been made with this link.',
      )
    throw error
  })
  if (!opened.record)
    throw new AppError(404, 'receipt_not_found', 'No acknowledgement has been made with this link.')
  const signed = signedReceiptOf(
    opened.record,
    secrets.receipt.published,
    new URL(KEYS_PATH, c.req.url).toString(),
  )
  personal(c)
  c.header('Content-Disposition', `attachment; filename="receipt-${opened.record.receiptId}.json"`)
  return c.body(`${JSON.stringify(signed, null, 2)}\n`, 200, {
    'Content-Type': 'application/json; charset=utf-8',
  })
})

/** An earlier receipt of the same official, through their own link only (never another's). */
acknowledgementRoutes.get('/a/:token/receipts/:file', async (c) => {
  const secrets = await ackSecrets(c.env)
  const file = c.req.param('file')
  const receiptId = file.endsWith('.json') ? file.slice(0, -5) : ''
  const opened = await openLink(
    shardsOf(c.env),
    secrets.linkKey,
    c.req.param('token'),
    new Date(),
  ).catch((error: unknown) => {
    if (error instanceof AppError && error.status === 403)
      throw new AppError(404, 'receipt_not_found', 'No such receipt for this link.')
    throw error
  })
  const record = receiptId
    ? await ownRecord(opened.shard.db, opened.official.id, receiptId)
    : undefined
  if (!record) throw new AppError(404, 'receipt_not_found', 'No such receipt for this link.')
  const signed = signedReceiptOf(
    record,
    secrets.receipt.published,
    new URL(KEYS_PATH, c.req.url).toString(),
  )
  personal(c)
  c.header('Content-Disposition', `attachment; filename="receipt-${record.receiptId}.json"`)
  return c.body(`${JSON.stringify(signed, null, 2)}\n`, 200, {
    'Content-Type': 'application/json; charset=utf-8',
  })
})
