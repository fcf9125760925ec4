/**
 * What the rollout pages share: which notice version a page is about ("notice@version" in the
 * query or a form, the current version of the first notice by default), the choices to offer,
 * and the console's bars.
 */
import { html } from 'hono/html'
import { currentVersion, listNotices } from '../content/catalog'
import { AppError } from '../errors'
import type { Lang } from '../i18n'
import type { Html } from '../views/layout'

export interface VersionChoice {
  key: string
  notice: string
  version: number
  label: string
  current: boolean
}

const choice = (notice: string, version: number, current: boolean): VersionChoice => ({
  key: `${notice}@${version}`,
  notice,
  version,
  label: `${notice} v${version}`,
  current,
})

/** Every version of every notice, newest first. */
export function versionChoices(now: Date): VersionChoice[] {
  return listNotices().flatMap((notice) => {
    const current = currentVersion(notice, now)?.version
    return [...notice.versions]
      .reverse()
      .map((v) => choice(notice.id, v.version, v.version === current))
  })
}

/** The version in effect of each notice: the ones links can be made for. */
export function currentVersionsOf(now: Date): VersionChoice[] {
  return listNotices().flatMap((notice) => {
    const current = currentVersion(notice, now)
    return current ? [choice(notice.id, current.version, true)] : []
  })
}

/** "notice@version" as a page was given it, else the first notice's version in effect. */
export function chosenVersion(key: string | undefined, now: Date): VersionChoice {
  const choices = versionChoices(now)
  if (!key) {
    const first = choices.find((c) => c.current) ?? choices[0]
    if (!first) throw new AppError(404, 'not_found', 'No notice is published.')
    return first
  }
  const found = choices.find((c) => c.key === key)
  if (!found) throw new AppError(404, 'version_not_found', `There is no notice version "${key}".`)
  return found
}

export const versionOptions = (now: Date, lang: Lang) =>
  versionChoices(now).map(
    (c) =>
      [c.key, c.current ? `${c.label} (${lang === 'zh' ? '现行' : 'current'})` : c.label] as const,
  )

/** A horizontal bar of acknowledged / outstanding (overdue part shown apart), as plain SVG. */
export function progressBar(
  counts: { roster: number; acknowledged: number; overdue: number },
  lang: Lang,
): Html {
  const width = 160
  const total = Math.max(counts.roster, 1)
  const ack = Math.round((counts.acknowledged / total) * width)
  const overdue = Math.round((counts.overdue / total) * width)
  const label =
    lang === 'zh'
      ? `已确认 ${counts.acknowledged} / ${counts.roster}，逾期 ${counts.overdue}`
      : `${counts.acknowledged} of ${counts.roster} acknowledged, ${counts.overdue} overdue`
  return html`<svg class="meter" width="${width}" height="12" viewBox="0 0 ${width} 12" role="img" aria-label="${label}"><rect width="${width}" height="12" class="out"/><rect width="${ack}" height="12" class="ack"/><rect x="${width - overdue}" width="${overdue}" height="12" class="late"/></svg>`
}
