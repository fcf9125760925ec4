import { createRoute } from '@hono/zod-openapi'
import { newRoutes } from '../factory'
import { cacheFor, IMMUTABLE, SHORT } from '../cache'
import { currentVersion, listNotices } from '../content/catalog'
import { presentVersion, presentVersionSummary } from '../content/present'
import {
  requireComparison,
  requireCurrent,
  requireNotice,
  requireVersion,
} from '../content/resolve'
import type { CompiledVersion } from '../content/types'
import { langOf } from '../env'
import { errorResponses } from '../errors'
import { t } from '../i18n'
import {
  ComparisonSchema,
  HistorySchema,
  LangQuery,
  NoticeListSchema,
  NoticeParam,
  RangeParams,
  VersionParams,
  VersionSchema,
} from '../schemas'
import { page } from '../views/layout'
import { comparePage, historyPage, noticeList, versionPage } from '../views/notice'

/** A version not yet in effect says so on its page, which changes on its effective date. */
const cachePolicy = (version: CompiledVersion) =>
  version.effectiveFrom <= new Date().toISOString().slice(0, 10) ? IMMUTABLE : SHORT

const json = <T>(schema: T, description: string) => ({
  200: { description, content: { 'application/json': { schema } } },
})

export const noticeRoutes = newRoutes()

noticeRoutes.get('/', (c) => {
  const lang = langOf(c)
  const notices = listNotices().map((notice) => ({ notice, current: currentVersion(notice) }))
  cacheFor(c, SHORT)
  const first = notices[0]?.current?.languages[lang]
  return c.html(
    page({
      lang,
      title: t(lang).siteName,
      description: first ? first.title : t(lang).notices,
      path: '/',
      body: noticeList(notices, lang),
    }),
  )
})
noticeRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api/notices',
    summary: 'Every notice with its current version',
    request: { query: LangQuery },
    responses: json(NoticeListSchema, 'The notices'),
  }),
  (c) => {
    const lang = langOf(c)
    cacheFor(c, SHORT)
    return c.json({
      notices: listNotices().map((notice) => {
        const current = currentVersion(notice)
        return {
          id: notice.id,
          title: (current ?? notice.versions.at(-1))?.languages[lang].title ?? notice.id,
          current: current ? presentVersionSummary(notice, current, lang) : null,
          versions: notice.versions.length,
        }
      }),
    })
  },
)
noticeRoutes.get('/notices/:id', (c) => {
  const lang = langOf(c)
  const notice = requireNotice(c.req.param('id'))
  const version = requireCurrent(notice)
  cacheFor(c, SHORT)
  return c.html(
    page({
      lang,
      title: version.languages[lang].title,
      description: version.languages[lang].rules
        .map((r) => r.title)
        .join(lang === 'zh' ? '；' : '; '),
      path: c.req.path,
      body: versionPage(version, lang, { current: true }),
    }),
  )
})
noticeRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api/notices/{id}',
    summary: 'The current version of a notice',
    request: { params: NoticeParam, query: LangQuery },
    responses: { ...json(VersionSchema, 'The current version'), ...errorResponses(404) },
  }),
  (c) => {
    const notice = requireNotice(c.req.valid('param').id)
    cacheFor(c, SHORT)
    return c.json(presentVersion(requireCurrent(notice), langOf(c)), 200)
  },
)
noticeRoutes.get('/notices/:id/versions', (c) => {
  const lang = langOf(c)
  const notice = requireNotice(c.req.param('id'))
  const current = currentVersion(notice)
  cacheFor(c, SHORT)
  return c.html(
    page({
      lang,
      title: `${t(lang).history} · ${(current ?? notice.versions.at(-1))?.languages[lang].title}`,
      description: notice.versions
        .map((v) => `${t(lang).version(v.version)}: ${v.summary[lang]}`)
        .join(' '),
      path: c.req.path,
      body: historyPage(notice, current, lang),
    }),
  )
})
noticeRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api/notices/{id}/versions',
    summary: 'Every published version of a notice: number, dates, summary, sha256',
    request: { params: NoticeParam, query: LangQuery },
    responses: { ...json(HistorySchema, 'The history'), ...errorResponses(404) },
  }),
  (c) => {
    const lang = langOf(c)
    const notice = requireNotice(c.req.valid('param').id)
    cacheFor(c, SHORT)
    return c.json(
      {
        notice: notice.id,
        versions: notice.versions.map((v) => presentVersionSummary(notice, v, lang)),
      },
      200,
    )
  },
)
noticeRoutes.get('/notices/:id/versions/:n', (c) => {
  const lang = langOf(c)
  const notice = requireNotice(c.req.param('id'))
  const version = requireVersion(notice, c.req.param('n'))
  cacheFor(c, cachePolicy(version))
  return c.html(
    page({
      lang,
      title: `${version.languages[lang].title} · ${t(lang).version(version.version)}`,
      description: version.summary[lang],
      path: c.req.path,
      body: versionPage(version, lang, { current: currentVersion(notice) === version }),
    }),
  )
})
noticeRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api/notices/{id}/versions/{n}',
    summary: 'One version, whole (immutable)',
    request: { params: VersionParams, query: LangQuery },
    responses: { ...json(VersionSchema, 'The version'), ...errorResponses(400, 404) },
  }),
  (c) => {
    const { id, n } = c.req.valid('param')
    const notice = requireNotice(id)
    const version = requireVersion(notice, n)
    cacheFor(c, cachePolicy(version))
    return c.json(presentVersion(version, langOf(c)), 200)
  },
)
noticeRoutes.get('/notices/:id/compare/:range', (c) => {
  const lang = langOf(c)
  const notice = requireNotice(c.req.param('id'))
  const comparison = requireComparison(notice, c.req.param('range'), lang)
  cacheFor(c, IMMUTABLE)
  const title = requireVersion(notice, comparison.to).languages[lang].title
  return c.html(
    page({
      lang,
      title: `${t(lang).compareWith(comparison.from, comparison.to)} · ${title}`,
      description: title,
      path: c.req.path,
      body: comparePage(comparison, title, lang),
    }),
  )
})
noticeRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api/notices/{id}/compare/{range}',
    summary: 'Which rules were added, removed or changed between two versions, with a text diff',
    request: { params: RangeParams, query: LangQuery },
    responses: { ...json(ComparisonSchema, 'The comparison'), ...errorResponses(400, 404) },
  }),
  (c) => {
    const { id, range } = c.req.valid('param')
    cacheFor(c, IMMUTABLE)
    return c.json(requireComparison(requireNotice(id), range, langOf(c)), 200)
  },
)
