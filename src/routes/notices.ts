import { createRoute } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { newRoutes } from '../factory'
import { fixedHtml, fixedJson, IMMUTABLE, originOf, SHORT } from '../cache'
import {
  currentVersion,
  dayOf,
  listNotices,
  versionStatus,
  type VersionStatus,
} from '../content/catalog'
import { presentVersion, presentVersionSummary } from '../content/present'
import {
  compareRange,
  requireCurrent,
  requireRange,
  requireNotice,
  requireVersion,
} from '../content/resolve'
import type { CompiledNotice, CompiledVersion } from '../content/types'
import { langOf, type AppEnv } from '../env'
import { errorResponses } from '../errors'
import { t } from '../i18n'
import {
  ComparisonSchema,
  HistorySchema,
  LangQuery,
  NoticeListSchema,
  NoticeParam,
  okJson,
  RangeParams,
  VersionParams,
  VersionSchema,
} from '../schemas'
import { page, type PageOptions } from '../views/layout'
import { comparePage, historyPage, noticeList, versionPage, versionPath } from '../views/notice'

type Ctx = Context<AppEnv>

/** A version's JSON never mentions today's date: once in effect, it never changes. */
const jsonPolicy = (version: CompiledVersion) =>
  version.effectiveFrom <= dayOf(new Date()) ? IMMUTABLE : SHORT

/**
 * A replaced version's page says so, naming its successor: a fact that cannot change again. The
 * page of the version in effect, or of one to come, will one day say something else.
 */
const pagePolicy = (status: VersionStatus) => (status.kind === 'superseded' ? IMMUTABLE : SHORT)

/** The part of an ETag that says where a version stands (and, when current, what comes next). */
function statusKey(status: VersionStatus): string {
  if (status.kind === 'superseded') return `s${status.by.version}`
  if (status.kind === 'upcoming') return `u${status.current?.version ?? 0}`
  return `c${status.upcoming.map((v) => v.version).join('.')}`
}

/** Which version is current in every notice: what the date-dependent lists depend on. */
const catalogueKey = () =>
  listNotices()
    .map((n) => currentVersion(n)?.version ?? 0)
    .join('.')

const short = (sha256: string) => sha256.slice(0, 16)

function htmlPage(c: Ctx, options: Omit<PageOptions, 'lang' | 'origin' | 'path'>) {
  return page({ lang: langOf(c), origin: originOf(c.req.url), path: c.req.path, ...options })
}

export const noticeRoutes = newRoutes()

noticeRoutes.get('/', (c) => {
  const lang = langOf(c)
  return fixedHtml(c, {
    key: `home-${lang}-${catalogueKey()}`,
    policy: SHORT,
    render: () => {
      const notices = listNotices().map((notice) => ({ notice, current: currentVersion(notice) }))
      const first = notices[0]?.current?.languages[lang]
      return htmlPage(c, {
        title: t(lang).siteName,
        description: first ? first.title : t(lang).notices,
        body: noticeList(notices, lang),
      })
    },
  })
})
noticeRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api/notices',
    summary: 'Every notice with its current version',
    request: { query: LangQuery },
    responses: okJson(NoticeListSchema, 'The notices'),
  }),
  async (c) => {
    const lang = langOf(c)
    return fixedJson(c, {
      key: `notices-json-${lang}-${catalogueKey()}`,
      policy: SHORT,
      render: () => ({
        notices: listNotices().map((notice) => {
          const current = currentVersion(notice)
          return {
            id: notice.id,
            title: (current ?? notice.versions.at(-1))?.languages[lang].title ?? notice.id,
            current: current ? presentVersionSummary(notice, current, lang) : null,
            versions: notice.versions.length,
          }
        }),
      }),
    })
  },
)

/** A version's page, at /notices/{id} (the current one) or at its own addresses. */
function versionResponse(
  c: Ctx,
  notice: CompiledNotice,
  version: CompiledVersion,
  address: 'current' | 'number' | 'sha256',
) {
  const lang = langOf(c)
  const status = versionStatus(notice, version)
  const language = version.languages[lang]
  return fixedHtml(c, {
    key: `${address}-${short(version.sha256)}-${lang}-${statusKey(status)}`,
    policy: address === 'current' ? SHORT : pagePolicy(status),
    render: () =>
      htmlPage(c, {
        title:
          address === 'current'
            ? language.title
            : `${language.title} · ${t(lang).version(version.version)}`,
        description:
          address === 'current'
            ? language.rules.map((r) => r.title).join(lang === 'zh' ? '；' : '; ')
            : version.summary[lang],
        canonicalPath: address === 'sha256' ? versionPath(notice.id, version.version) : undefined,
        body: versionPage(version, lang, { status, onCurrentPage: address === 'current' }),
      }),
  })
}

function versionJson(c: Ctx, version: CompiledVersion) {
  const lang = langOf(c)
  return fixedJson(c, {
    key: `version-json-${short(version.sha256)}-${lang}`,
    policy: jsonPolicy(version),
    render: () => presentVersion(version, lang),
  })
}

noticeRoutes.get('/notices/:id', (c) => {
  const notice = requireNotice(c.req.param('id'))
  return versionResponse(c, notice, requireCurrent(notice), 'current')
})
noticeRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api/notices/{id}',
    summary: 'The current version of a notice',
    request: { params: NoticeParam, query: LangQuery },
    responses: { ...okJson(VersionSchema, 'The current version'), ...errorResponses(404) },
  }),
  async (c) => {
    const notice = requireNotice(c.req.valid('param').id)
    const version = requireCurrent(notice)
    const lang = langOf(c)
    // The same bytes as the version's own address, but "current" moves: cached briefly.
    return fixedJson(c, {
      key: `current-json-${short(version.sha256)}-${lang}`,
      policy: SHORT,
      render: () => presentVersion(version, lang),
    })
  },
)
noticeRoutes.get('/notices/:id/versions', (c) => {
  const lang = langOf(c)
  const notice = requireNotice(c.req.param('id'))
  return fixedHtml(c, {
    key: `history-${notice.id}-${lang}-${catalogueKey()}`,
    policy: SHORT,
    render: () => {
      const current = currentVersion(notice)
      const statuses = new Map(notice.versions.map((v) => [v, versionStatus(notice, v)]))
      return htmlPage(c, {
        title: `${t(lang).history} · ${(current ?? notice.versions.at(-1))?.languages[lang].title}`,
        description: notice.versions
          .map((v) => `${t(lang).version(v.version)}: ${v.summary[lang]}`)
          .join(' '),
        body: historyPage(notice, statuses, current, lang),
      })
    },
  })
})
noticeRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api/notices/{id}/versions',
    summary: 'Every published version of a notice: number, dates, where it stands, summary, sha256',
    request: { params: NoticeParam, query: LangQuery },
    responses: { ...okJson(HistorySchema, 'The history'), ...errorResponses(404) },
  }),
  async (c) => {
    const lang = langOf(c)
    const notice = requireNotice(c.req.valid('param').id)
    return fixedJson(c, {
      key: `history-json-${notice.id}-${lang}-${catalogueKey()}`,
      policy: SHORT,
      render: () => ({
        notice: notice.id,
        versions: notice.versions.map((v) => presentVersionSummary(notice, v, lang)),
      }),
    })
  },
)
noticeRoutes.get('/notices/:id/versions/:n', (c) => {
  const notice = requireNotice(c.req.param('id'))
  const n = c.req.param('n')
  const version = requireVersion(notice, n)
  return versionResponse(c, notice, version, n.startsWith('sha256:') ? 'sha256' : 'number')
})
noticeRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api/notices/{id}/versions/{n}',
    summary: 'One version, whole (immutable), by number or by sha256:<digest>',
    request: { params: VersionParams, query: LangQuery },
    responses: { ...okJson(VersionSchema, 'The version'), ...errorResponses(400, 404) },
  }),
  async (c) => {
    const { id, n } = c.req.valid('param')
    return versionJson(c, requireVersion(requireNotice(id), n))
  },
)
noticeRoutes.get('/notices/:id/compare/:range', (c) => {
  const lang = langOf(c)
  const notice = requireNotice(c.req.param('id'))
  const [from, to] = requireRange(notice, c.req.param('range'))
  return fixedHtml(c, {
    key: `compare-${short(from.sha256)}-${short(to.sha256)}-${lang}`,
    policy: IMMUTABLE,
    render: () => {
      const comparison = compareRange(notice, from, to, lang)
      const title = to.languages[lang].title
      return htmlPage(c, {
        title: `${t(lang).compareWith(from.version, to.version)} · ${title}`,
        description: title,
        body: comparePage(comparison, title, lang),
      })
    },
  })
})
noticeRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api/notices/{id}/compare/{range}',
    summary: 'Which rules were added, removed or changed between two versions, with a text diff',
    request: { params: RangeParams, query: LangQuery },
    responses: { ...okJson(ComparisonSchema, 'The comparison'), ...errorResponses(400, 404) },
  }),
  async (c) => {
    const { id, range } = c.req.valid('param')
    const lang = langOf(c)
    const notice = requireNotice(id)
    const [from, to] = requireRange(notice, range)
    return fixedJson(c, {
      key: `compare-json-${short(from.sha256)}-${short(to.sha256)}-${lang}`,
      policy: IMMUTABLE,
      render: () => compareRange(notice, from, to, lang),
    })
  },
)
