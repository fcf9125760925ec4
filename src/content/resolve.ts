/** Lookups that turn a miss into the API's error: used by routes and domain modules alike. */
import { badRequest, notFound } from '../errors'
import { compareVersions, type VersionComparison } from './compare'
import { currentVersion, findNotice, findVersion, findVersionByDigest } from './catalog'
import type { CompiledNotice, CompiledVersion, Lang } from './types'

const VERSION_NUMBER = /^[1-9][0-9]{0,5}$/
/** A version's address by content: `sha256:` and the full digest, as receipts and checks cite it. */
const SHA256_ADDRESS = /^sha256:([0-9a-fA-F]{64})$/
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

/** A version by number (`2`) or by the SHA-256 of its canonical content (`sha256:<64 hex>`). */
export function requireVersion(notice: CompiledNotice, raw: string | number): CompiledVersion {
  if (typeof raw === 'string' && raw.startsWith('sha256:')) return requireDigest(notice, raw)
  const n = typeof raw === 'number' ? raw : parseVersionNumber(raw)
  const version = findVersion(notice, n)
  if (!version)
    throw notFound(
      'version_not_found',
      `Notice "${notice.id}" has no version ${n}; it has versions 1 to ${notice.versions.length}.`,
    )
  return version
}

function requireDigest(notice: CompiledNotice, raw: string): CompiledVersion {
  const hex = SHA256_ADDRESS.exec(raw)?.[1]
  if (!hex)
    throw badRequest(
      'invalid_sha256',
      `"${raw.slice(0, 80)}" is not a SHA-256 address: write sha256: and the 64 hexadecimal digits of the version's digest.`,
    )
  const version = findVersionByDigest(notice, hex.toLowerCase())
  if (!version)
    throw notFound(
      'version_not_found',
      `Notice "${notice.id}" has no version whose SHA-256 is ${hex.toLowerCase()}.`,
    )
  return version
}

/** `a...b` as in the URL; either order works, the diff always reads from the first to the second. */
export function requireRange(
  notice: CompiledNotice,
  range: string,
): [from: CompiledVersion, to: CompiledVersion] {
  const match = RANGE.exec(range)
  if (!match)
    throw badRequest('invalid_range', `"${range}" is not a range of versions; write it like 1...2.`)
  return [requireVersion(notice, Number(match[1])), requireVersion(notice, Number(match[2]))]
}

export function compareRange(
  notice: CompiledNotice,
  from: CompiledVersion,
  to: CompiledVersion,
  lang: Lang,
): VersionComparison {
  const [low, high] = from.version <= to.version ? [from, to] : [to, from]
  const between = notice.versions.slice(low.version, high.version)
  return compareVersions(from, to, between, lang)
}

export function requireComparison(
  notice: CompiledNotice,
  range: string,
  lang: Lang,
): VersionComparison {
  const [from, to] = requireRange(notice, range)
  return compareRange(notice, from, to, lang)
}
