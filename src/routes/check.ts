/**
 * The message check: POST /api/check, POST /api/check/batch and the no-JavaScript page /check.
 * Message text only passes through: it is never stored, logged or put in a URL.
 */
import { createRoute, z } from '@hono/zod-openapi'
import type { Context, MiddlewareHandler } from 'hono'
import { fixedHtml, originOf, SHORT, wholeJson } from '../cache'
import { checkMessage, MAX_HITS } from '../check/engine'
import { checkedNotices, checkVersionsFor, rulePackFor } from '../check/packs'
import { rateLimitKey } from '../client-address'
import { requireCurrent, requireNotice, requireVersion } from '../content/resolve'
import { langOf, type AppEnv } from '../env'
import { AppError, badRequest, errorResponses, notFound } from '../errors'
import { limitBody, newRoutes, readForm, refuseForeignForms, requireJson } from '../factory'
import { LangQuery } from '../schemas'
import { checkPage, checkResultPage, checkTitle } from '../views/check'
import { page } from '../views/layout'

export const MAX_CHARS = 10_000
export const MAX_BATCH = 100
/**
 * The rate limit counts texts: a single check costs one, a batch one per text. It must match the
 * CHECK_RATE_LIMITER entry in wrangler.toml, which counts one per limit() call per key and period.
 */
export const CHECKS_PER_MINUTE = 600
// A body this big cannot hold a text within the limit, even with every character escaped
// (\uXXXX in JSON, %XX%XX%XX in a form).
const MAX_BODY = 128 * 1024
const MAX_BATCH_BODY = MAX_BATCH * MAX_BODY

const HitSchema = z
  .object({
    rule: z.string().openapi({ example: 'red-envelopes' }),
    start: z
      .number()
      .int()
      .openapi({ description: 'UTF-16 offset of the match in text', example: 0 }),
    end: z.number().int().openapi({ description: 'text.slice(start, end) === match', example: 3 }),
    match: z.string().openapi({ example: '紅 包' }),
    term: z
      .string()
      .openapi({
        description: 'The term as the rule lists it (empty for channel model)',
        example: '红包',
      }),
    channel: z.enum(['exact', 'folded', 'pinyin', 'homophone', 'emoji', 'model']).openapi({
      description:
        'How the term was found; model: the learned channel read the sentence (match) as crossing the rule (always review)',
    }),
    verdict: z.enum(['review', 'block']),
    reason: z.string().openapi({ description: 'Cites the rule, in the request language' }),
    score: z
      .number()
      .optional()
      .openapi({ description: "Channel model only: the model's score for the rule, 0-1" }),
  })
  .openapi('CheckHit')
const VerdictSchema = z.enum(['pass', 'review', 'block']).openapi({
  description: 'block: clear evidence; review: a person should judge; pass: nothing found',
})
const NoticeRefSchema = z
  .object({
    id: z.string().openapi({ example: 'wechat-red-lines' }),
    version: z.number().int().openapi({ example: 2 }),
    sha256: z.string().openapi({ description: 'SHA-256 of the published notice version' }),
  })
  .openapi('CheckedAgainst')
const CheckRefSchema = z
  .object({
    version: z.number().int().openapi({ description: 'The check version (c1, c2...)', example: 1 }),
    sha256: z.string().openapi({ description: 'SHA-256 of the check version (its lock)' }),
  })
  .openapi('CheckVersion')
const Target = {
  notice: z.string().optional().openapi({
    description: 'Notice id; default: the shipped notice',
    example: 'wechat-red-lines',
  }),
  version: z
    .number()
    .int()
    .positive()
    .optional()
    .openapi({ description: "Version number; default: the notice's current version" }),
  check: z.number().int().positive().optional().openapi({
    description:
      'Check version to use (the check has versions of its own); default: the newest check version that covers the notice version',
  }),
}
const Text = z.string().openapi({
  description: `The message as it would be sent: 1 to ${MAX_CHARS} characters (UTF-16 code units)`,
  example: '紅 包收到了，謝謝王總',
})

/** Per hit, everything but its match; test/check-route.test.ts holds the shipped packs to it. */
export const MAX_HIT_BYTES = 512
const Listing = {
  truncated: z
    .literal(true)
    .optional()
    .openapi({
      description: `Present when hits lists fewer than were found: at most ${MAX_HITS} are listed, and together they quote at most the text's length`,
    }),
  totalHits: z
    .number()
    .int()
    .optional()
    .openapi({ description: 'With truncated: how many hits there are in all' }),
  scores: z.record(z.string(), z.number()).optional().openapi({
    description:
      "Every rule's score, 0-1, rules and model combined: 1 for a block hit, 0.6 + 0.4 × the model's score for a review hit from the rules, else the model's score",
  }),
}
const BOUND =
  `Each result lists at most ${MAX_HITS} hits, in text order (then truncated: true and totalHits), ` +
  `each under ${MAX_HIT_BYTES} bytes of JSON besides its match; the rules' matches together quote at most the text's length, and the model's (one per rule at most) as much again: ` +
  `one text's result is at most about ${Math.ceil((MAX_HITS * MAX_HIT_BYTES + 12 * MAX_CHARS) / 1000)} kB`

const RATE =
  `Rate limit: ${CHECKS_PER_MINUTE} texts a minute per client (an IPv4 address, or an IPv6 /64); ` +
  'a batch costs one per text, and is refused whole (429) when fewer are left'

const json = <T>(schema: T, description: string) => ({
  200: { description, content: { 'application/json': { schema } } },
})

export const checkRoutes = newRoutes()

function requireText(text: string, where = 'text'): string {
  if (text.length === 0)
    throw badRequest('empty_text', `${where} is empty: give the message to check.`)
  if (text.length > MAX_CHARS)
    throw new AppError(
      413,
      'text_too_long',
      `${where} is ${text.length.toLocaleString('en')} characters long; the limit is ${MAX_CHARS.toLocaleString('en')}.`,
    )
  return text
}

function resolvePack(target: { notice?: string; version?: number; check?: number } = {}) {
  const notice = requireNotice(target.notice ?? (checkedNotices()[0] as string))
  const version =
    target.version === undefined ? requireCurrent(notice) : requireVersion(notice, target.version)
  const covering = checkVersionsFor(notice.id, version.version)
  if (target.check !== undefined && !notice.checks.some((c) => c.check === target.check))
    throw notFound(
      'check_not_found',
      `Notice "${notice.id}" has no check version c${target.check}; it has ${notice.checks.map((c) => `c${c.check}`).join(', ') || 'none'}.`,
    )
  const pack = rulePackFor(notice.id, version.version, target.check)
  const check = notice.checks.find((c) => c.check === pack?.checkVersion)
  if (!pack || !check)
    throw notFound(
      'no_check',
      target.check === undefined || covering.length === 0
        ? `Version ${version.version} of notice "${notice.id}" has no message check.`
        : `Check version c${target.check} does not cover version ${version.version} of notice "${notice.id}"; ${covering.map((c) => `c${c}`).join(', ')} ${covering.length === 1 ? 'does' : 'do'}.`,
    )
  return {
    pack,
    notice: { id: notice.id, version: version.version, sha256: version.sha256 },
    check: { version: check.check, sha256: check.sha256 },
  }
}

/**
 * Charges the client n checks: n calls to the limiter, at once. Refused when fewer than n are
 * left this minute (the binding cannot look without counting, so what was left is then spent).
 */
async function charge(c: Context<AppEnv>, n: number, what: string): Promise<void> {
  const key = rateLimitKey(c.req.header('cf-connecting-ip'))
  const limiter = c.env.CHECK_RATE_LIMITER
  // One call, the common case, without an array and Promise.all around it.
  const outcomes =
    n === 1
      ? [await limiter.limit({ key })]
      : await Promise.all(Array.from({ length: n }, () => limiter.limit({ key })))
  if (outcomes.every((o) => o.success)) return
  throw new AppError(
    429,
    'rate_limited',
    `${what} Each address may check ${CHECKS_PER_MINUTE} texts a minute (a batch counts each of its texts); wait a minute and try again.`,
    { 'Retry-After': '60' },
  )
}

/** Every request costs one check before its body is read, so floods of junk are refused cheaply. */
const rateLimited: MiddlewareHandler<AppEnv> = async (c, next) => {
  await charge(c, 1, 'Too many checks from this address.')
  await next()
}

// Answers are made with it (errors get it from the error handler), never stored by anyone.
const NO_STORE = { 'Cache-Control': 'no-store' }
/** Answers score every rule (rules and model combined). */
const SCORED = { scores: true }

checkRoutes.use(
  '/api/check',
  rateLimited,
  limitBody(MAX_BODY, `The request is too large: one text of up to ${MAX_CHARS} characters.`),
)
checkRoutes.use(
  '/api/check/batch',
  rateLimited,
  limitBody(
    MAX_BATCH_BODY,
    `The request is too large: up to ${MAX_BATCH} texts of up to ${MAX_CHARS} characters each.`,
  ),
)

checkRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/api/check',
    summary:
      'Check one message against a notice version: which red line it may cross, where, and why',
    description: `${RATE}.`,
    middleware: [requireJson] as const,
    request: {
      query: LangQuery,
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z.object({ text: Text, ...Target }).openapi('CheckRequest'),
          },
        },
      },
    },
    responses: {
      ...json(
        z
          .object({
            verdict: VerdictSchema,
            hits: z.array(HitSchema),
            ...Listing,
            notice: NoticeRefSchema,
            check: CheckRefSchema,
          })
          .openapi('CheckResult'),
        `The verdict (decided on every hit) and the hits. ${BOUND}.`,
      ),
      ...errorResponses(400, 404, 413, 415, 429),
    },
  }),
  (c) => {
    const body = c.req.valid('json')
    const text = requireText(body.text)
    const { pack, notice, check } = resolvePack(body)
    return wholeJson({ ...checkMessage(pack, text, langOf(c), SCORED), notice, check }, NO_STORE)
  },
)

checkRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/api/check/batch',
    summary: `Check up to ${MAX_BATCH} messages against one notice version`,
    description: `${RATE}.`,
    middleware: [requireJson] as const,
    request: {
      query: LangQuery,
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z.object({ texts: z.array(Text), ...Target }).openapi('CheckBatchRequest'),
          },
        },
      },
    },
    responses: {
      ...json(
        z
          .object({
            results: z.array(
              z.object({ verdict: VerdictSchema, hits: z.array(HitSchema), ...Listing }),
            ),
            notice: NoticeRefSchema,
            check: CheckRefSchema,
          })
          .openapi('CheckBatchResult'),
        `One result per text, in order. ${BOUND}, so a full batch's answer at most about ${Math.ceil((MAX_BATCH * (MAX_HITS * MAX_HIT_BYTES + 6 * MAX_CHARS)) / 1e6)} MB.`,
      ),
      ...errorResponses(400, 404, 413, 415, 429),
    },
  }),
  async (c) => {
    const body = c.req.valid('json')
    if (body.texts.length === 0)
      throw badRequest('empty_batch', 'texts is empty: give 1 to 100 messages.')
    if (body.texts.length > MAX_BATCH)
      throw new AppError(
        413,
        'batch_too_large',
        `texts has ${body.texts.length} messages; the limit is ${MAX_BATCH} per request.`,
      )
    body.texts.forEach((text, i) => requireText(text, `texts.${i}`))
    const { pack, notice, check } = resolvePack(body)
    // The request itself paid for one text on the way in.
    if (body.texts.length > 1)
      await charge(
        c,
        body.texts.length - 1,
        `This batch of ${body.texts.length} texts needs ${body.texts.length} checks, more than this address has left this minute.`,
      )
    const lang = langOf(c)
    return wholeJson(
      { results: body.texts.map((t) => checkMessage(pack, t, lang, SCORED)), notice, check },
      NO_STORE,
    )
  },
)

checkRoutes.get('/check', (c) => {
  const lang = langOf(c)
  return fixedHtml(c, {
    key: `check-${lang}`,
    policy: SHORT,
    render: () =>
      page({
        lang,
        title: checkTitle(lang),
        description: checkTitle(lang),
        path: '/check',
        origin: originOf(c.req.url),
        body: checkPage(lang, MAX_CHARS),
      }),
  })
})

checkRoutes.post(
  '/check',
  refuseForeignForms,
  rateLimited,
  limitBody(MAX_BODY, `The request is too large: up to ${MAX_CHARS} characters.`),
  async (c) => {
    const lang = langOf(c)
    const form = await readForm(c)
    const raw = form.text
    if (typeof raw !== 'string')
      throw badRequest('missing_text', 'The form has no message to check.')
    // Browsers send textarea line breaks as CRLF; count and show them as the person typed them.
    const text = requireText(raw.replace(/\r\n/g, '\n'))
    const { pack, notice, check } = resolvePack()
    const result = checkMessage(pack, text, lang)
    c.header('Cache-Control', 'no-store')
    return c.html(
      page({
        lang,
        title: checkTitle(lang),
        description: checkTitle(lang),
        path: '/check',
        private: true,
        body: checkResultPage(
          lang,
          MAX_CHARS,
          text,
          result,
          requireVersion(requireNotice(notice.id), notice.version),
          check,
        ),
      }),
    )
  },
)
