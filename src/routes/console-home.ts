/**
 * /admin: the dashboard of a notice version inside the reader's subtree: acknowledged,
 * outstanding and overdue in all and per unit one level down (with bars; a unit opens its own
 * level), acknowledgements per day as an SVG chart, and the notice versions. The numbers are
 * those of the status API (the same domain call).
 */
import { html } from 'hono/html'
import { currentVersion, listNotices } from '../content/catalog'
import type { UnitStatus, VersionStatus } from '../acknowledgements/status'
import { recordsPerDayAs, statusAs, zoneOffsetMinutes } from '../admin/rollout'
import { newRoutes } from '../factory'
import type { Lang } from '../i18n'
import { timeZoneOf } from '../time'
import { withLang, type Html } from '../views/layout'
import { dailyChart, dailySeries } from '../views/console/charts'
import { field, form, type FormState } from '../views/console/forms'
import { scopeLabel } from '../views/console/layout'
import { table } from '../views/console/parts'
import { consolePage, CONSOLE_PATH, refusalOnForm, type ConsoleCtx } from './console-kit'
import { chosenVersion, progressBar, versionOptions } from './console-rollout-kit'

const words = {
  zh: {
    title: '概览',
    intro: (scope: string) => `您的管辖范围：${scope}。`,
    version: '通知版本',
    unit: '单位',
    show: '查看',
    roster: '在册',
    acknowledged: '已确认',
    outstanding: '未确认',
    overdue: '逾期',
    due: (d: string | null) => (d ? `截止 ${d}` : '未设截止日期'),
    units: '各单位',
    directly: '（本级）',
    perDay: '每日确认数',
    perDayHint: (zone: string) => `按 ${zone} 日期计。`,
    links: '生成链接',
    up: '上一级',
    versions: '通知版本',
    effective: '生效日期',
    state: '状态',
    summary: '修订说明',
    current: '现行',
    future: '尚未生效',
    older: '旧版本',
    read: '阅读',
  },
  en: {
    title: 'Dashboard',
    intro: (scope: string) => `You look after ${scope}.`,
    version: 'Notice version',
    unit: 'Unit',
    show: 'Show',
    roster: 'On the roster',
    acknowledged: 'Acknowledged',
    outstanding: 'Outstanding',
    overdue: 'Overdue',
    due: (d: string | null) => (d ? `due ${d}` : 'no due date'),
    units: 'By unit',
    directly: '(itself)',
    perDay: 'Acknowledgements per day',
    perDayHint: (zone: string) => `Days in ${zone}.`,
    links: 'Links',
    up: 'Up one level',
    versions: 'Notice versions',
    effective: 'In effect from',
    state: 'State',
    summary: 'Changes',
    current: 'current',
    future: 'not yet in effect',
    older: 'earlier',
    read: 'Read',
  },
} as const

const depthOf = (unit: string | null) => (unit ? unit.split('/').length : 0)

/** The units one level below `status.unit`, and what sits in that unit itself. */
export function childRows(status: VersionStatus): (UnitStatus & { itself?: boolean })[] {
  const depth = depthOf(status.unit) + 1
  const children = status.units.filter((u) => u.depth === depth)
  const own = status.unit ? status.units.find((u) => u.unit === status.unit) : undefined
  if (!own) return children
  const below = children.reduce(
    (n, c) => ({
      roster: n.roster + c.roster,
      acknowledged: n.acknowledged + c.acknowledged,
      outstanding: n.outstanding + c.outstanding,
      overdue: n.overdue + c.overdue,
    }),
    { roster: 0, acknowledged: 0, outstanding: 0, overdue: 0 },
  )
  const itself = {
    ...own,
    roster: own.roster - below.roster,
    acknowledged: own.acknowledged - below.acknowledged,
    outstanding: own.outstanding - below.outstanding,
    overdue: own.overdue - below.overdue,
    itself: true,
  }
  return itself.roster > 0 ? [itself, ...children] : children
}

export function totalsBlock(status: VersionStatus, lang: Lang): Html {
  const w = words[lang]
  const t = status.totals
  return html`<div class="totals" id="totals">
    <div><span class="muted">${w.roster}</span><strong data-count="roster">${t.roster}</strong></div>
    <div><span class="muted">${w.acknowledged}</span><strong data-count="acknowledged">${t.acknowledged}</strong></div>
    <div><span class="muted">${w.outstanding}</span><strong data-count="outstanding">${t.outstanding}</strong></div>
    <div><span class="muted">${w.overdue}</span><strong data-count="overdue">${t.overdue}</strong><span class="muted">${w.due(t.dueDate)}</span></div>
  </div>
  <p>${progressBar(t, lang)}</p>`
}

export function unitRow(
  ctx: ConsoleCtx,
  path: string,
  versionKey: string,
  u: UnitStatus & { itself?: boolean },
  indent = false,
) {
  const lang = ctx.lang
  const w = words[lang]
  const name = u.itself
    ? html`${u.unit.split('/').at(-1)} ${w.directly}`
    : html`<a href="${withLang(`${path}?version=${encodeURIComponent(versionKey)}&unit=${encodeURIComponent(u.unit)}`, lang)}">${u.unit.split('/').at(-1)}</a>`
  return html`<tr data-unit="${u.unit}${u.itself ? '#itself' : ''}">
    <td${indent ? html` class="depth-${Math.min(u.depth, 10)}"` : ''}>${name}${indent ? html`<br><span class="muted">${u.unit}</span>` : ''}</td>
    <td class="num">${u.roster}</td><td class="num">${u.acknowledged}</td>
    <td class="num">${u.outstanding}</td><td class="num">${u.overdue}</td>
    <td>${progressBar(u, lang)}</td>
    <td><a href="${withLang(`/admin/links?version=${encodeURIComponent(versionKey)}&unit=${encodeURIComponent(u.unit)}`, lang)}">${w.links}</a></td>
  </tr>`
}

export function versionFilter(ctx: ConsoleCtx, action: string, state: FormState): Html {
  const w = words[ctx.lang]
  return form(
    {
      action,
      csrf: ctx.csrf,
      submit: w.show,
      lang: ctx.lang,
      state,
      method: 'get',
      className: 'filters',
    },
    html`${field({ name: 'version', label: w.version, type: 'select', state, options: versionOptions(ctx.now, ctx.lang) })}
      ${field({ name: 'unit', label: w.unit, hint: scopeLabel(ctx.lang, ctx.actor.unit), state })}
      <input type="hidden" name="lang" value="${ctx.lang}">`,
  )
}

/** Links up the tree from `unit` to the reader's own subtree. */
export function breadcrumbs(
  ctx: ConsoleCtx,
  path: string,
  versionKey: string,
  unit: string | null,
) {
  if (!unit || unit === ctx.actor.unit) return ''
  const parts = unit.split('/')
  const top = depthOf(ctx.actor.unit)
  const crumbs = parts.slice(top, -1).map((_, i) => parts.slice(0, top + i + 1).join('/'))
  const link = (u: string | null, label: string) =>
    html`<a href="${withLang(`${path}?version=${encodeURIComponent(versionKey)}${u ? `&unit=${encodeURIComponent(u)}` : ''}`, ctx.lang)}">${label}</a>`
  return html`<p class="muted">${link(ctx.actor.unit, scopeLabel(ctx.lang, ctx.actor.unit))}${crumbs.map(
    (u) => html` / ${link(u, u.split('/').at(-1)!)}`,
  )} / <strong>${parts.at(-1)}</strong></p>`
}

function versionsTable(lang: Lang, now: Date) {
  const w = words[lang]
  return listNotices().map((notice) => {
    const current = currentVersion(notice, now)
    const rows = [...notice.versions].reverse().map((v) => {
      const state =
        v.version === current?.version
          ? html`<span class="tag owner">${w.current}</span>`
          : current && v.version < current.version
            ? html`<span class="tag">${w.older}</span>`
            : html`<span class="tag">${w.future}</span>`
      return html`<tr>
          <td class="num">${v.version}</td>
          <td>${v.effectiveFrom}</td>
          <td>${state}</td>
          <td>${v.summary[lang]}</td>
          <td><a href="${withLang(`/notices/${notice.id}/versions/${v.version}`, lang)}">${w.read}</a></td>
        </tr>`
    })
    const title = (current ?? notice.versions.at(-1)!).languages[lang].title
    return html`<h2>${title} <code>${notice.id}</code></h2>
        ${table([w.version, w.effective, w.state, w.summary, ''], rows, lang)}`
  })
}

export const consoleHomeRoutes = newRoutes()

consoleHomeRoutes.get(
  CONSOLE_PATH,
  consolePage(async (ctx) => {
    const { lang, actor, now } = ctx
    const w = words[lang]
    const chosen = chosenVersion(ctx.query('version'), now)
    const state: FormState = {
      values: { version: chosen.key, unit: ctx.query('unit') ?? '' },
      errors: {},
    }
    const zone = timeZoneOf(ctx.c.env.ORG_TIME_ZONE)
    let progress: Html | '' = ''
    try {
      const query = { notice: chosen.notice, version: chosen.version, unit: ctx.query('unit'), now }
      const [status, perDay] = await Promise.all([
        statusAs(ctx.store, actor, query),
        recordsPerDayAs(ctx.store, actor, { ...query, zone }),
      ])
      const todayLocal = new Date(now.getTime() + zoneOffsetMinutes(zone, now) * 60_000)
        .toISOString()
        .slice(0, 10)
      progress = html`${breadcrumbs(ctx, CONSOLE_PATH, chosen.key, status.unit)}
        ${totalsBlock(status, lang)}
        <h2>${w.units}</h2>
        ${table(
          [w.unit, w.roster, w.acknowledged, w.outstanding, w.overdue, '', ''],
          childRows(status).map((u) => unitRow(ctx, CONSOLE_PATH, chosen.key, u)),
          lang,
        )}
        <h2>${w.perDay}</h2>
        <p class="muted">${w.perDayHint(zone)}</p>
        ${dailyChart(dailySeries(perDay, todayLocal), lang)}`
    } catch (error) {
      const status = refusalOnForm(error, lang, state, {
        invalid_unit: 'unit',
        outside_scope: 'unit',
      })
      return {
        title: w.title,
        nav: 'dashboard',
        status,
        body: html`<p>${w.intro(scopeLabel(lang, actor.unit))}</p>${versionFilter(ctx, CONSOLE_PATH, state)}`,
      }
    }
    return {
      title: w.title,
      nav: 'dashboard',
      body: html`<p>${w.intro(scopeLabel(lang, actor.unit))}</p>
        ${versionFilter(ctx, CONSOLE_PATH, state)}
        ${progress}
        <h2 class="muted">${w.versions}</h2>
        ${versionsTable(lang, now)}`,
    }
  }),
)
