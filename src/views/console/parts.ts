/** Pieces most console pages use: a table that scrolls sideways on a phone, a pager, a time. */
import { html } from 'hono/html'
import type { Lang } from '../../i18n'
import { withLang, type Html } from '../layout'
import { consoleText } from './messages'

export function table(
  head: readonly Html[] | readonly string[],
  rows: readonly Html[],
  lang: Lang,
) {
  if (rows.length === 0) return html`<p class="muted">${consoleText(lang).none}</p>`
  return html`<div class="table"><table>
    <thead><tr>${head.map((h) => html`<th>${h}</th>`)}</tr></thead>
    <tbody>${rows}</tbody>
  </table></div>`
}

/**
 * Keyset paging: a link to the next page (the query with `param` set to the cursor) and, past the
 * first page, back to the first.
 */
export function pager(o: {
  path: string
  query: Record<string, string | undefined>
  param: string
  next: string | number | null
  lang: Lang
}): Html | '' {
  const m = consoleText(o.lang)
  const link = (cursor: string | number | null) => {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(o.query)) if (v && k !== o.param) params.set(k, v)
    if (cursor !== null) params.set(o.param, String(cursor))
    const search = params.toString()
    return withLang(`${o.path}${search ? `?${search}` : ''}`, o.lang)
  }
  const onFirst = !o.query[o.param]
  if (o.next === null && onFirst) return ''
  return html`<p class="pager">${onFirst ? '' : html`<a href="${link(null)}">${m.first}</a>`}${
    o.next !== null ? html`<a href="${link(o.next)}" rel="next">${m.next}</a>` : ''
  }</p>`
}

/** An ISO time as "2026-05-01 14:03 UTC": the console shows server time, as receipts do. */
export function time(iso: string | null | undefined): string {
  if (!iso) return '—'
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`
}
