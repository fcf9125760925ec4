/** Lookups that turn a miss into the API's error: used by routes and domain modules alike. */
import { badRequest, notFound } from '../errors'
import { compareVersions, type VersionComparison } from './compare'
import { currentVersion, findNotice, findVersion } from './catalog'
import type { CompiledNotice, CompiledVersion, Lang } from './types'

const VERSION_NUMBER = /^[1-9][0-9]{0,5}$/
const RANGE = /^([1-9][0-9]{0,5})\.\.\.([1-9][0-9]{0,5})$/

/** Finds a notice or throws its 404: domain functions take one, so tests can hand in their own. */
export type NoticeLookup = (id: string) => CompiledNotice

export function requireNotice(id: string): CompiledNotice {
  const notice = findNotice(id)
  if (!notice) throw notFound('notice_not_found', `There is no notice "${id}".`)
  return notice
}

export function requireCurrent(notice: CompiledNotice): CompiledVersion {
  const version = currentVersion(notice)
  if (!version)
    throw notFound('no_current_version', `Notice "${notice.id}" has no version in effect yet.`)
  return version
}

export function parseVersionNumber(raw: string): number {
  if (!VERSION_NUMBER.test(raw))
    throw badRequest('invalid_version', `"${raw}" is not a version number (1, 2, 3...).`)
  return Number(raw)
}

export function requireVersion(notice: CompiledNotice, raw: string | number): CompiledVersion {
  const n = typeof raw === 'number' ? raw : parseVersionNumber(raw)
  const version = findVersion(notice, n)
  if (!version)
    throw notFound(
      'version_not_found',
      `Notice "${notice.id}" has no version ${n}; it has versions 1 to ${notice.versions.length}.`,
    )
  return version
}

/** `a...b` as in the URL; either order works, the diff always reads from the first to the second. */
export function requireComparison(
  notice: CompiledNotice,
  range: string,
  lang: Lang,
): VersionComparison {
  const match = RANGE.exec(range)
  if (!match)
    throw badRequest('invalid_range', `"${range}" is not a range of versions; write it like 1...2.`)
  const from = requireVersion(notice, Number(match[1]))
  const to = requireVersion(notice, Number(match[2]))
  const [low, high] = from.version <= to.version ? [from, to] : [to, from]
  const between = notice.versions.slice(low.version, high.version)
  return compareVersions(from, to, between, lang)
}
