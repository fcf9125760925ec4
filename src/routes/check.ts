/**
 * The message check: POST /api/check, POST /api/check/batch and the no-JavaScript page /check.
 * Message text only passes through: it is never stored, logged or put in a URL.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { fixedHtml, originOf, SHORT, wholeJson } from '../cache'
import { checkMessage, MAX_HITS, MODEL_QUOTE_FLOOR } from '../check/engine'
import {
  ArchiveUnavailableError,
  assetsArchive,
  checkedNotices,
  checkVersionsFor,
  rulePackFor,
  type ArchiveReader,
} from '../check/packs'
import { citeHits, ruleCitations } from '../content/cite'
import { requireCurrent, requireNotice, requireVersion } from '../content/resolve'
import { langOf, type AppEnv } from '../env'
import { AppError, badRequest, errorResponses, notFound } from '../errors'
import { limitBody, newRoutes, readForm, refuseForeignForms, requireJson } from '../factory'
import { LangQuery } from '../schemas'
import { checkPage, checkResultPage, checkTitle } from '../views/check'
import { page } from '../views/layout'
import {
  anonymousCaller,
  charge,
  checkCors,
  CHECKS_PER_MINUTE,
  CORS_RESPONSE_HEADERS,
  identifyCaller,
  KEY_GUESSES_PER_MINUTE,
  rateLimited,
  registerCheckAccess,
} from './check-access'

export const MAX_CHARS = 10_000
export const MAX_BATCH = 100
const MAX_NOTICE_ID = 100
// The rate limits count texts: a single check costs one, a batch one per text (check-access.ts).
export { CHECKS_PER_MINUTE }
// A body this big cannot hold a text within the limit, even with every character escaped
// (\uXXXX in JSON, %XX%XX%XX in a form).
const MAX_BODY = 128 * 1024
const MAX_BATCH_BODY = MAX_BATCH * MAX_BODY

const HitSchema = z
  .object({
    rule: z.string().openapi({ description: "The rule's id", example: 'red-envelopes' }),
    ruleNumber: z
      .number()
      .int()
      .openapi({ description: "The rule's number in the version checked against", example: 4 }),
    ruleTitle: z.string().openapi({
      description:
        "The rule's title in that version, in the answer's language (?lang=, zh by default)",
      example: '不得收受电子红包',
    }),
    ruleUrl: z.string().openapi({
      description:
        "Absolute address of the rule on that version's page (immutable once the version is replaced)",
      example:
        'https://redlines.example.org/notices/wechat-red-lines/versions/2?lang=zh#red-envelopes',
    }),
    start: z
      .number()
      .int()
      .openapi({ description: 'UTF-16 offset of the match in text', example: 0 }),
    end: z.number().int().openapi({ description: 'text.slice(start, end) === match', example: 3 }),
    match: z.string().openapi({ example: '紅 包' }),
    term: z.string().openapi({
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
  notice: z
    .string()
    .max(MAX_NOTICE_ID)
    .optional()
    .openapi({
      description: `Notice id (at most ${MAX_NOTICE_ID} characters); default: the shipped notice`,
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
// The length limits are documented, not validated here: requireText answers them with codes of
// their own (empty_text 400, text_too_long 413).
const Text = z.string().openapi({
  minLength: 1,
  maxLength: MAX_CHARS,
  description: `The message as it would be sent: 1 to ${MAX_CHARS} characters (UTF-16 code units)`,
  example: '紅 包收到了，謝謝王總',
})

/**
 * Per hit, everything but its match (its rule cited by number, title and address included);
 * test/check-route.test.ts holds the shipped packs to it.
 */
export const MAX_HIT_BYTES = 768
const Listing = {
  truncated: z
    .literal(true)
    .optional()
    .openapi({
      description: `Present when hits lists fewer than were found: at most ${MAX_HITS} are listed, and the rules' hits together quote at most the text's length and the model's as much again (or ${MODEL_QUOTE_FLOOR} characters, for a shorter text)`,
    }),
  totalHits: z
    .number()
    .int()
    .optional()
    .openapi({ description: 'With truncated: how many hits there are in all' }),
  scores: z.record(z.string(), z.number()).optional().openapi({
    description:
      "Always present in these answers: every rule's score, 0-1, rules and model combined: 1 for a block hit, 0.6 + 0.4 × the model's score for a review hit from the rules, else the model's score",
  }),
}
const BOUND =
  `Each result lists at most ${MAX_HITS} hits, in text order (then truncated: true and totalHits), ` +
  `each under ${MAX_HIT_BYTES} bytes of JSON besides its match; the rules' matches together quote at most the text's length, and the model's (one per rule at most) as much again, or up to ${MODEL_QUOTE_FLOOR} characters for a shorter text: ` +
  `one text's result is at most about ${Math.ceil((MAX_HITS * MAX_HIT_BYTES + 12 * MAX_CHARS) / 1000)} kB`

const RATE =
  `Rate limit: without a key, ${CHECKS_PER_MINUTE} texts a minute per client (an IPv4 address, or an IPv6 /64); ` +
  "with a check key (Authorization: Bearer rlk_… or X-Api-Key), the key's own limit, whatever the address. " +
  'A batch costs one per text, and is refused whole (429, with Retry-After) when fewer are left; one of more texts than the whole limit is 413 batch_too_large, counted as one. ' +
  'An unknown, revoked or expired key, or an admin token, is 401; ' +
  `after ${KEY_GUESSES_PER_MINUTE} failed key lookups in a minute, an address's key lookups (its valid keys' too) are refused 429 until the minute is over, with Retry-After. ` +
  'A field the request does not define is refused (400 invalid_request, naming it), so a misspelt pin is never silently ignored. ' +
  'CORS: browsers on the origins the operator lists in CHECK_CORS_ORIGINS may call this (the preflight, OPTIONS, is answered 204); other origins get no CORS headers'

const json = <T>(schema: T, description: string) => ({
  200: {
    description,
    headers: CORS_RESPONSE_HEADERS,
    content: { 'application/json': { schema } },
  },
})

export const checkRoutes = newRoutes()
const CHECK_SECURITY = registerCheckAccess(checkRoutes.openAPIRegistry)

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

async function resolvePack(
  read: ArchiveReader,
  target: { notice?: string; version?: number; check?: number } = {},
) {
  const notice = requireNotice(target.notice ?? (checkedNotices()[0] as string))
  const version =
    target.version === undefined ? requireCurrent(notice) : requireVersion(notice, target.version)
  const covering = checkVersionsFor(notice.id, version.version)
  if (target.check !== undefined && !notice.checks.some((c) => c.check === target.check))
    throw notFound(
      'check_not_found',
      `Notice "${notice.id}" has no check version c${target.check}; it has ${notice.checks.map((c) => `c${c.check}`).join(', ') || 'none'}.`,
    )
  const pack = await rulePackFor(read, notice.id, version.version, target.check).catch((error) => {
    if (!(error instanceof ArchiveUnavailableError)) throw error
    // The deployment's own files: nothing the caller did, and nothing they can fix but wait.
    console.error(error.message)
    throw new AppError(
      503,
      'check_unavailable',
      `Check version c${target.check} of notice "${notice.id}" cannot be loaded just now; try again shortly, or leave out "check" to use the current one.`,
      { 'Retry-After': '5' },
    )
  })
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
    version,
    notice: { id: notice.id, version: version.version, sha256: version.sha256 },
    check: { version: check.check, sha256: check.sha256 },
  }
}

// Answers are made with it (errors get it from the error handler), never stored by anyone.
const NO_STORE = { 'Cache-Control': 'no-store' }
/** Answers score every rule (rules and model combined). */
const SCORED = { scores: true }

checkRoutes.use(
  '/api/check',
  checkCors,
  identifyCaller,
  rateLimited,
  limitBody(MAX_BODY, `The request is too large: one text of up to ${MAX_CHARS} characters.`),
)
checkRoutes.use(
  '/api/check/batch',
  checkCors,
  identifyCaller,
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
    security: CHECK_SECURITY,
    middleware: [requireJson] as const,
    request: {
      query: LangQuery,
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z
              .object({ text: Text, ...Target })
              .strict()
              .openapi('CheckRequest'),
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
      ...errorResponses(400, 401, 404, 413, 415, 429, 503),
    },
  }),
  async (c) => {
    const body = c.req.valid('json')
    const text = requireText(body.text)
    const { pack, version, notice, check } = await resolvePack(assetsArchive(c.env.ASSETS), body)
    const lang = langOf(c)
    const citations = ruleCitations(version, lang, originOf(c.req.url))
    return wholeJson(
      { ...citeHits(checkMessage(pack, text, lang, SCORED), citations), notice, check },
      NO_STORE,
    )
  },
)

checkRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/api/check/batch',
    summary: `Check up to ${MAX_BATCH} messages against one notice version`,
    description: `${RATE}.`,
    security: CHECK_SECURITY,
    middleware: [requireJson] as const,
    request: {
      query: LangQuery,
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z
              .object({
                texts: z.array(Text).openapi({ minItems: 1, maxItems: MAX_BATCH }),
                ...Target,
              })
              .strict()
              .openapi('CheckBatchRequest'),
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
      ...errorResponses(400, 401, 404, 413, 415, 429, 503),
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
    // A batch over the caller's whole limit could never pass: say so before counting any of it.
    const { limit, kind } = c.get('checkCaller')
    if (body.texts.length > limit)
      throw new AppError(
        413,
        'batch_too_large',
        `texts has ${body.texts.length} messages; ${kind === 'key' ? 'this key' : 'an address'} may check ${limit} a minute: send at most ${limit} per request.`,
      )
    body.texts.forEach((text, i) => requireText(text, `texts.${i}`))
    const { pack, version, notice, check } = await resolvePack(assetsArchive(c.env.ASSETS), body)
    // The request itself paid for one text on the way in.
    if (body.texts.length > 1)
      await charge(
        c,
        body.texts.length - 1,
        `This batch of ${body.texts.length} texts needs ${body.texts.length} checks, more than ${c.get('checkCaller').kind === 'key' ? 'this key' : 'this address'} has left this minute.`,
      )
    const lang = langOf(c)
    const citations = ruleCitations(version, lang, originOf(c.req.url))
    return wholeJson(
      {
        results: body.texts.map((t) => citeHits(checkMessage(pack, t, lang, SCORED), citations)),
        notice,
        check,
      },
      NO_STORE,
    )
  },
)

// The API's two addresses take POST (and the preflight): any other method is told so, not 404.
for (const path of ['/api/check', '/api/check/batch'])
  checkRoutes.on(['GET', 'PUT', 'PATCH', 'DELETE'], path, () => {
    throw new AppError(405, 'method_not_allowed', `${path} takes POST, with a JSON body.`, {
      Allow: 'POST, OPTIONS',
    })
  })

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
  anonymousCaller,
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
    const { pack, notice, check } = await resolvePack(assetsArchive(c.env.ASSETS))
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
