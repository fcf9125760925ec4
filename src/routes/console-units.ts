/**
 * /admin/units: the unit tree inside the reader's subtree for a chosen notice version, every unit
 * with its counts and a bar, indented by depth, 100 units a page; a unit opens its subtree (and
 * the dashboard for it). The counts are the status API's.
 */
import { html } from 'hono/html'
import { statusAs } from '../admin/rollout'
import { newRoutes } from '../factory'
import { withLang } from '../views/layout'
import type { FormState } from '../views/console/forms'
import { scopeLabel } from '../views/console/layout'
import { consoleText } from '../views/console/messages'
import { table } from '../views/console/parts'
import { consolePage, refusalOnForm } from './console-kit'
import { breadcrumbs, totalsBlock, unitRow, versionFilter } from './console-home'
import { chosenVersion } from './console-rollout-kit'

const PATH = '/admin/units'
const UNITS_PAGE = 100

const words = {
  zh: {
    title: '单位',
    intro: '各单位及其下级单位的确认情况。点击单位名称查看其下级。',
    unit: '单位',
    roster: '在册',
    acknowledged: '已确认',
    outstanding: '未确认',
    overdue: '逾期',
    dashboard: '在概览中查看',
  },
  en: {
    title: 'Units',
    intro: 'Every unit and the units below it. Open a unit to see its subtree.',
    unit: 'Unit',
    roster: 'On the roster',
    acknowledged: 'Acknowledged',
    outstanding: 'Outstanding',
    overdue: 'Overdue',
    dashboard: 'Open in the dashboard',
  },
} as const

export const consoleUnitRoutes = newRoutes()

consoleUnitRoutes.get(
  PATH,
  consolePage(async (ctx) => {
    const { lang } = ctx
    const w = words[lang]
    const chosen = chosenVersion(ctx.query('version'), ctx.now)
    const state: FormState = {
      values: { version: chosen.key, unit: ctx.query('unit') ?? '' },
      errors: {},
    }
    let status
    try {
      status = await statusAs(ctx.store, ctx.actor, {
        notice: chosen.notice,
        version: chosen.version,
        unit: ctx.query('unit'),
        now: ctx.now,
      })
    } catch (error) {
      const code = refusalOnForm(error, lang, state, {
        invalid_unit: 'unit',
        outside_scope: 'unit',
      })
      return { title: w.title, nav: 'units', status: code, body: versionFilter(ctx, PATH, state) }
    }
    const start = Math.max(0, Math.floor(Number(ctx.query('from')) || 0))
    const shown = status.units.slice(start, start + UNITS_PAGE)
    const m = consoleText(lang)
    const pageLink = (from: number) =>
      withLang(
        `${PATH}?version=${encodeURIComponent(chosen.key)}${status.unit ? `&unit=${encodeURIComponent(status.unit)}` : ''}${from ? `&from=${from}` : ''}`,
        lang,
      )
    const dashboard = withLang(
      `/admin?version=${encodeURIComponent(chosen.key)}${status.unit ? `&unit=${encodeURIComponent(status.unit)}` : ''}`,
      lang,
    )
    return {
      title: w.title,
      nav: 'units',
      body: html`<p>${w.intro} ${scopeLabel(lang, ctx.actor.unit)}</p>
        ${versionFilter(ctx, PATH, state)}
        ${breadcrumbs(ctx, PATH, chosen.key, status.unit)}
        ${totalsBlock(status, lang)}
        <p><a href="${dashboard}">${w.dashboard}</a></p>
        ${table(
          [w.unit, w.roster, w.acknowledged, w.outstanding, w.overdue, '', ''],
          shown.map((u) => unitRow(ctx, PATH, chosen.key, u, true)),
          lang,
        )}
        ${
          status.units.length > UNITS_PAGE
            ? html`<p class="pager">${start > 0 ? html`<a href="${pageLink(0)}">${m.first}</a>` : ''}${
                start + UNITS_PAGE < status.units.length
                  ? html`<a href="${pageLink(start + UNITS_PAGE)}" rel="next">${m.next}</a>`
                  : ''
              }</p>`
            : ''
        }`,
    }
  }),
)
