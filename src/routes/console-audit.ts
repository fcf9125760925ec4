/** /admin/audit: the audit log inside the reader's subtree, filtered, paged, exported as CSV. */
import { html } from 'hono/html'
import {
  AUDIT_COLUMNS,
  auditCells,
  auditCountsOf,
  auditPage,
  auditRows,
  knownActions,
  type AuditQuery,
  type AuditRow,
} from '../admin/audit'
import { csvStream } from '../acknowledgements/export'
import { isDate } from '../acknowledgements/links'
import { newRoutes } from '../factory'
import type { Lang } from '../i18n'
import { withLang } from '../views/layout'
import { field, form, type FormState } from '../views/console/forms'
import { scopeLabel } from '../views/console/layout'
import { addConsoleErrors, consoleText } from '../views/console/messages'
import { pager, table, time } from '../views/console/parts'
import { consolePage, refusalOnForm, type ConsoleCtx } from './console-kit'

const PATH = '/admin/audit'

/** How actions read; one missing here shows as its code. New features add theirs. */
export const ACTION_LABELS: Record<string, Record<Lang, string>> = {
  'session.sign_in': { zh: '登录', en: 'signed in' },
  'session.sign_out': { zh: '退出登录', en: 'signed out' },
  'admin.add': { zh: '添加管理员', en: 'added an admin' },
  'admin.remove': { zh: '移除管理员', en: 'removed an admin' },
  'token.create': { zh: '创建 API 令牌', en: 'created an API token' },
  'token.revoke': { zh: '吊销 API 令牌', en: 'revoked an API token' },
  'roster.import': { zh: '导入名册', en: 'imported the roster' },
  'links.create': { zh: '生成确认链接', en: 'created links' },
  'links.create_one': { zh: '补发个人链接', en: 'made a personal link' },
  'official.edit': { zh: '修改人员', en: 'edited an official' },
  'official.deactivate': { zh: '停用人员', en: 'deactivated an official' },
  'official.reactivate': { zh: '恢复人员', en: 'reactivated an official' },
  'verify.checkpoint': { zh: '核验并签署检查点', en: 'verified and signed a checkpoint' },
  'channel.set': { zh: '设置提醒渠道', en: 'set a reminder channel' },
  'channel.delete': { zh: '删除提醒渠道', en: 'removed a reminder channel' },
  'unit.contact': { zh: '设置单位联系人', en: "set a unit's contact" },
  'reminder_plan.set': { zh: '修改提醒计划', en: 'changed a reminder plan' },
  'reminders.run': { zh: '立即发送提醒', en: 'ran the reminders' },
}

const words = {
  zh: {
    title: '操作日志',
    intro: (scope: string) => `管理员和 API 令牌做过的每一项修改（${scope}）。`,
    action: '操作',
    anyAction: '全部操作',
    actor: '操作人',
    actorHint: '邮箱、令牌编号或 ADMIN_TOKEN',
    unit: '单位',
    from: '起始日期',
    to: '截止日期',
    filter: '筛选',
    csv: '导出 CSV',
    at: '时间',
    target: '对象',
    counts: '数量',
    requestId: '请求编号',
  },
  en: {
    title: 'Audit log',
    intro: (scope: string) => `Every change made by an admin or an API token (${scope}).`,
    action: 'Action',
    anyAction: 'any action',
    actor: 'Who',
    actorHint: 'an email, a token id or ADMIN_TOKEN',
    unit: 'Unit',
    from: 'From',
    to: 'To',
    filter: 'Filter',
    csv: 'Export CSV',
    at: 'Time',
    target: 'What',
    counts: 'Counts',
    requestId: 'Request id',
  },
} as const

addConsoleErrors({
  invalid_date: '日期的写法应为 YYYY-MM-DD。',
  invalid_action: '没有这种操作。',
  invalid_actor: '操作人太长。',
})

const FILTERS = ['action', 'actor', 'unit', 'from', 'to'] as const

function queryOf(ctx: ConsoleCtx): AuditQuery & Record<string, string | number | undefined> {
  const q: Record<string, string | undefined> = {}
  for (const name of FILTERS) q[name] = ctx.query(name)?.trim() || undefined
  const before = Number(ctx.query('before'))
  return { ...q, before: Number.isSafeInteger(before) && before > 0 ? before : undefined }
}

export const actionLabel = (lang: Lang, action: string) => ACTION_LABELS[action]?.[lang] ?? action

function row(lang: Lang, r: AuditRow) {
  const counts = Object.entries(auditCountsOf(r))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')
  return html`<tr>
    <td>${time(r.at)}</td>
    <td>${r.actor}</td>
    <td>${actionLabel(lang, r.action)}<br><code class="muted">${r.action}</code></td>
    <td>${scopeLabel(lang, r.unit)}</td>
    <td>${r.target ? html`<code>${r.target}</code>` : ''}</td>
    <td>${counts}</td>
    <td><code>${r.requestId}</code></td>
  </tr>`
}

export const consoleAuditRoutes = newRoutes()

consoleAuditRoutes.get(
  PATH,
  consolePage(async (ctx) => {
    const w = words[ctx.lang]
    const q = queryOf(ctx)
    const state: FormState = { values: {}, errors: {} }
    for (const name of FILTERS) state.values[name] = q[name] ? String(q[name]) : ''
    const actions = await knownActions(ctx.db)
    let page: Awaited<ReturnType<typeof auditPage>> = { rows: [], next: null }
    let status: 200 | 400 | 403 = 200
    try {
      page = await auditPage(ctx.db, ctx.actor, q)
    } catch (error) {
      status = refusalOnForm(error, ctx.lang, state, {
        invalid_date: q.from && !isDate(q.from) ? 'from' : 'to',
        invalid_unit: 'unit',
        outside_scope: 'unit',
        invalid_action: 'action',
        invalid_actor: 'actor',
      }) as 400
    }
    const filterQuery = Object.fromEntries(FILTERS.map((n) => [n, state.values[n] || undefined]))
    const csvParams = new URLSearchParams(
      Object.entries(filterQuery).filter((e): e is [string, string] => e[1] !== undefined),
    )
    return {
      title: w.title,
      nav: 'audit',
      status,
      actions: html`<a class="button quiet" href="${withLang(`${PATH}.csv${csvParams.size ? `?${csvParams}` : ''}`, ctx.lang)}">${w.csv}</a>`,
      body: html`<p>${w.intro(scopeLabel(ctx.lang, ctx.actor.unit))}</p>
        ${form(
          {
            action: PATH,
            csrf: ctx.csrf,
            submit: w.filter,
            lang: ctx.lang,
            state,
            method: 'get',
            className: 'filters',
          },
          html`<input type="hidden" name="lang" value="${ctx.lang}">
            ${field({
              name: 'action',
              label: w.action,
              type: 'select',
              state,
              options: [
                ['', w.anyAction],
                ...actions.map((a) => [a, actionLabel(ctx.lang, a)] as const),
              ],
            })}
            ${field({ name: 'actor', label: w.actor, state, placeholder: w.actorHint })}
            ${field({ name: 'unit', label: w.unit, state })}
            ${field({ name: 'from', label: w.from, type: 'date', state })}
            ${field({ name: 'to', label: w.to, type: 'date', state })}`,
        )}
        ${table(
          [w.at, w.actor, w.action, w.unit, w.target, w.counts, w.requestId],
          page.rows.map((r) => row(ctx.lang, r)),
          ctx.lang,
        )}
        ${pager({
          path: PATH,
          query: { ...filterQuery, before: q.before ? String(q.before) : undefined },
          param: 'before',
          next: page.next,
          lang: ctx.lang,
        })}`,
    }
  }),
)

consoleAuditRoutes.get(
  `${PATH}.csv`,
  consolePage((ctx) => {
    const rows = auditRows(ctx.db, ctx.actor, queryOf(ctx))
    return ctx.c.body(csvStream(AUDIT_COLUMNS, rows, auditCells), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="audit-${ctx.now.toISOString().slice(0, 10)}.csv"`,
    })
  }),
)
