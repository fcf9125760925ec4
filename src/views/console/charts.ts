/**
 * Charts drawn on the server as SVG (no chart script): acknowledgements per day as columns.
 * Colours come from the console's stylesheet classes, so dark mode and print follow it.
 */
import { html, raw } from 'hono/html'
import type { Lang } from '../../i18n'
import type { Html } from '../layout'

const DAY_MS = 86_400_000
export const CHART_DAYS = 60

/** Every day from the first with a record (at most CHART_DAYS back) to today, zeros included. */
export function dailySeries(rows: readonly { day: string; records: number }[], today: string) {
  const end = Date.parse(`${today}T00:00:00Z`)
  const firstDay = rows[0]?.day
  const start = Math.max(
    firstDay ? Date.parse(`${firstDay}T00:00:00Z`) : end - 13 * DAY_MS,
    end - (CHART_DAYS - 1) * DAY_MS,
  )
  const byDay = new Map(rows.map((r) => [r.day, Number(r.records)]))
  const series: { day: string; records: number }[] = []
  for (let t = Math.min(start, end); t <= end; t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10)
    series.push({ day, records: byDay.get(day) ?? 0 })
  }
  return series
}

export function dailyChart(series: readonly { day: string; records: number }[], lang: Lang): Html {
  const width = 640
  const height = 180
  const left = 36
  const bottom = 22
  const top = 10
  const plotW = width - left - 8
  const plotH = height - top - bottom
  const max = Math.max(1, ...series.map((s) => s.records))
  const step = plotW / Math.max(series.length, 1)
  const barW = Math.max(1, step * 0.7)
  const total = series.reduce((n, s) => n + s.records, 0)
  const label =
    lang === 'zh'
      ? `每日确认数，${series[0]?.day ?? ''} 至 ${series.at(-1)?.day ?? ''}，共 ${total}`
      : `Acknowledgements per day, ${series[0]?.day ?? ''} to ${series.at(-1)?.day ?? ''}, ${total} in all`
  const bars = series
    .map((s, i) => {
      const h = (s.records / max) * plotH
      const x = left + i * step + (step - barW) / 2
      return `<rect class="col" x="${x.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"><title>${s.day}: ${s.records}</title></rect>`
    })
    .join('')
  const every = Math.max(1, Math.ceil(series.length / 8))
  const ticks = series
    .map((s, i) =>
      i % every === 0 || i === series.length - 1
        ? `<text x="${(left + i * step + step / 2).toFixed(1)}" y="${height - 6}" text-anchor="middle">${s.day.slice(5)}</text>`
        : '',
    )
    .join('')
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${label}">${raw(
    `<line class="axis" x1="${left}" y1="${top + plotH}" x2="${width - 8}" y2="${top + plotH}"/><line class="axis" x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}"/><text x="${left - 4}" y="${top + 8}" text-anchor="end">${max}</text><text x="${left - 4}" y="${top + plotH}" text-anchor="end">0</text>${bars}${ticks}`,
  )}</svg>`
}
