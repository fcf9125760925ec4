/** /admin: the console's start page. For now the notice versions a rollout can be about. */
import { html } from 'hono/html'
import { currentVersion, listNotices } from '../content/catalog'
import { newRoutes } from '../factory'
import { withLang } from '../views/layout'
import { table } from '../views/console/parts'
import { scopeLabel } from '../views/console/layout'
import { consolePage, CONSOLE_PATH } from './console-kit'

const words = {
  zh: {
    title: '概览',
    intro: (scope: string) => `您的管辖范围：${scope}。`,
    versions: '通知版本',
    version: '版本',
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
    versions: 'Notice versions',
    version: 'Version',
    effective: 'In effect from',
    state: 'State',
    summary: 'Changes',
    current: 'current',
    future: 'not yet in effect',
    older: 'earlier',
    read: 'Read',
  },
} as const

export const consoleHomeRoutes = newRoutes()

consoleHomeRoutes.get(
  CONSOLE_PATH,
  consolePage(({ lang, actor, now }) => {
    const w = words[lang]
    const notices = listNotices().map((notice) => {
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
    return {
      title: w.title,
      nav: 'dashboard',
      body: html`<p>${w.intro(scopeLabel(lang, actor.unit))}</p>
        <h2 class="muted">${w.versions}</h2>
        ${notices}`,
    }
  }),
)
