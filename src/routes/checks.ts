/**
 * The message check's own versions, which every check answer cites (check.version and
 * check.sha256): GET /api/notices/{id}/checks lists a notice's, GET /api/notices/{id}/checks/{c}
 * gives one, by number or by its sha256, so an integrator can resolve the digest it was answered
 * with and pin a version (the check field of /api/check).
 */
import { createRoute, z } from '@hono/zod-openapi'
import { fixedJson, SHORT } from '../cache'
import { checkVersionsFor } from '../check/packs'
import { requireNotice } from '../content/resolve'
import type { CompiledCheck, CompiledNotice, Lang } from '../content/types'
import { langOf } from '../env'
import { errorResponses, notFound } from '../errors'
import { newRoutes } from '../factory'
import { LangQuery, NoticeParam, okJson } from '../schemas'

const CheckVersionSchema = z
  .object({
    check: z.number().int().openapi({ description: 'Its number: c1, c2…', example: 13 }),
    date: z.string().openapi({ example: '2026-12-04' }),
    summary: z.string().openapi({ description: 'What changed, in the answer’s language' }),
    extends: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'The check version it builds on, or null' }),
    covers: z.array(z.number().int()).openapi({
      description: 'The notice versions it has a check for',
      example: [1, 2],
    }),
    answersByDefault: z.array(z.number().int()).openapi({
      description:
        'The notice versions it answers for when a request names no check version (it is their newest)',
      example: [1, 2],
    }),
    sha256: z.string().openapi({
      description: 'Its lock: the check.sha256 of every answer it gave',
    }),
  })
  .openapi('CheckVersionInfo')

const ChecksParams = NoticeParam.extend({
  c: z.string().openapi({
    param: { name: 'c', in: 'path' },
    example: '13',
    description: 'Check version number (13), or sha256: and its full 64-hex SHA-256',
  }),
})

function present(notice: CompiledNotice, check: CompiledCheck, lang: Lang) {
  return {
    check: check.check,
    date: check.date,
    summary: check.summary[lang],
    extends: check.extends,
    covers: check.covers,
    answersByDefault: check.covers.filter(
      (v) => checkVersionsFor(notice.id, v).at(-1) === check.check,
    ),
    sha256: check.sha256,
  }
}

function requireCheck(notice: CompiledNotice, c: string): CompiledCheck {
  const digest = /^sha256:([0-9a-f]{64})$/.exec(c)?.[1]
  const number = /^[1-9][0-9]{0,5}$/.test(c) ? Number(c) : undefined
  const found =
    digest !== undefined
      ? notice.checks.find((check) => check.sha256 === digest)
      : notice.checks.find((check) => check.check === number)
  if (found) return found
  const has = notice.checks.map((check) => `c${check.check}`).join(', ') || 'none'
  throw notFound(
    'check_not_found',
    digest === undefined && number === undefined
      ? `A check version is a number (13) or sha256: and 64 hex digits; notice "${notice.id}" has ${has}.`
      : `Notice "${notice.id}" has no such check version; it has ${has}.`,
  )
}

export const checkVersionRoutes = newRoutes()

checkVersionRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api/notices/{id}/checks',
    summary:
      "The message check's versions for a notice: number, date, summary, what they cover, sha256",
    request: { params: NoticeParam, query: LangQuery },
    responses: {
      ...okJson(
        z.object({ notice: z.string(), checks: z.array(CheckVersionSchema) }),
        'Oldest first',
      ),
      ...errorResponses(404),
    },
  }),
  async (c) => {
    const lang = langOf(c)
    const notice = requireNotice(c.req.valid('param').id)
    return fixedJson(c, {
      key: `checks-json-${notice.id}-${lang}-${notice.checks.length}`,
      policy: SHORT,
      render: () => ({
        notice: notice.id,
        checks: notice.checks.map((check) => present(notice, check, lang)),
      }),
    })
  },
)

checkVersionRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api/notices/{id}/checks/{c}',
    summary: 'One check version, by number or by sha256:<digest> (the check.sha256 of an answer)',
    request: { params: ChecksParams, query: LangQuery },
    responses: { ...okJson(CheckVersionSchema, 'The check version'), ...errorResponses(404) },
  }),
  async (c) => {
    const lang = langOf(c)
    const { id, c: wanted } = c.req.valid('param')
    const notice = requireNotice(id)
    const check = requireCheck(notice, wanted)
    // Short-lived though the record is locked: answersByDefault changes when a newer one lands.
    return fixedJson(c, {
      key: `check-json-${notice.id}-c${check.check}-${lang}-${notice.checks.length}`,
      policy: SHORT,
      render: () => present(notice, check, lang),
    })
  },
)
