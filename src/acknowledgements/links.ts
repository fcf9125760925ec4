/**
 * Handing out personal links for a notice version, and deciding what a link shows when opened:
 * the receipt if the official already acknowledged, the form if they still may, or why not.
 */
import type { CompiledNotice, CompiledVersion } from '../content/types'
import { requireNotice, requireVersion } from '../content/resolve'
import type { Database } from '../db/client'
import { officialAndRecord, type AcknowledgementRow } from '../db/acknowledgements'
import { insertLinkBatchStatement, type LinkBatch } from '../db/links'
import { activeOfficialsPage, countActiveOfficials, type Official } from '../db/officials'
import { registerVersionStatement, registeredVersion } from '../db/versions'
import { AppError } from '../errors'
import { storageUnavailable } from './failures'
import { supersededBy } from './policy'
import { normaliseUnit } from './roster'
import { readLink, signLink, type LinkClaims } from './tokens'

export const MAX_EXPIRY_DAYS = 366
const PAGE = 1000

export interface LinkRequest {
  notice: string
  version: number
  unit?: string | null
  /** YYYY-MM-DD: after this day, outstanding officials count as overdue. */
  dueDate?: string | null
  expiresInDays: number
  /** Origin the links point at, e.g. https://redlines.example.org */
  baseUrl: string
  now: Date
}

export interface IssuedLink {
  externalId: string
  name: string
  unit: string
  url: string
}

export const linkPath = (token: string) => `/a/${token}`

/**
 * Registers the version in notice_versions (records reference it), or refuses when the database
 * knows this version under another hash: then the content served is not what was published.
 */
export async function ensureVersionRegistered(db: Database, version: CompiledVersion, now: Date) {
  try {
    await registerVersionStatement(db, version, now).run()
  } catch (error) {
    throw storageUnavailable(error)
  }
  const stored = await registeredVersion(db, version.notice, version.version)
  if (stored && stored.sha256 !== version.sha256)
    throw new AppError(
      409,
      'version_hash_conflict',
      `The database holds notice "${version.notice}" version ${version.version} under another hash; the content being served is not what was published.`,
    )
}

/** Validates the request, records the batch, and returns the links to stream. */
export async function createLinks(
  db: Database,
  linkKey: CryptoKey,
  request: LinkRequest,
): Promise<{ batch: LinkBatch; links: AsyncGenerator<IssuedLink> }> {
  const notice = requireNotice(request.notice)
  const version = requireVersion(notice, request.version)
  const newer = supersededBy(notice, version, request.now)
  if (newer)
    throw new AppError(
      422,
      'version_superseded',
      `Version ${version.version} has been replaced by version ${newer.version}; create links for version ${newer.version}.`,
    )
  let unit: string | null = null
  if (request.unit) {
    const normal = normaliseUnit(request.unit)
    if ('problem' in normal) throw new AppError(422, 'invalid_unit', normal.problem)
    unit = normal.unit
  }
  if (request.dueDate && !isDate(request.dueDate))
    throw new AppError(422, 'invalid_due_date', `"${request.dueDate}" is not a date (YYYY-MM-DD).`)
  if (
    !Number.isInteger(request.expiresInDays) ||
    request.expiresInDays < 1 ||
    request.expiresInDays > MAX_EXPIRY_DAYS
  )
    throw new AppError(
      422,
      'invalid_expiry',
      `expiresInDays must be a whole number from 1 to ${MAX_EXPIRY_DAYS}.`,
    )
  const count = await countActiveOfficials(db, unit)
  if (count === 0)
    throw new AppError(
      422,
      'no_officials',
      unit ? `No active official is in unit "${unit}".` : 'The roster has no active official.',
    )
  await ensureVersionRegistered(db, version, request.now)

  const expiresAt = Math.floor(request.now.getTime() / 1000) + request.expiresInDays * 86_400
  const batch: LinkBatch = {
    id: crypto.randomUUID(),
    noticeId: notice.id,
    version: version.version,
    unit,
    dueDate: request.dueDate ?? null,
    expiresAt: new Date(expiresAt * 1000).toISOString(),
    officials: count,
    createdAt: request.now.toISOString(),
  }
  try {
    await insertLinkBatchStatement(db, batch).run()
  } catch (error) {
    throw storageUnavailable(error)
  }

  async function* links(): AsyncGenerator<IssuedLink> {
    let after: { unit: string; id: number } | undefined
    for (;;) {
      const page = await activeOfficialsPage(db, { unit, after, limit: PAGE })
      for (const official of page) {
        const token = await signLink(linkKey, {
          officialId: official.id,
          notice: notice.id,
          version: version.version,
          expiresAt,
        })
        yield {
          externalId: official.externalId,
          name: official.name,
          unit: official.unit,
          url: `${request.baseUrl}${linkPath(token)}`,
        }
      }
      const last = page.at(-1)
      if (!last || page.length < PAGE) return
      after = { unit: last.unit, id: last.id }
    }
  }
  return { batch, links: links() }
}

export function isDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false
  // Date.parse is NaN for a month 13 or a day 32 (toISOString would throw); a 31 April rolls over.
  const time = Date.parse(`${text}T00:00:00Z`)
  return !Number.isNaN(time) && new Date(time).toISOString().startsWith(text)
}

export interface OpenedLink {
  token: string
  claims: LinkClaims
  notice: CompiledNotice
  version: CompiledVersion
  official: Official
  /** Set when this official already acknowledged this version: the link shows the receipt. */
  record?: AcknowledgementRow
}

/**
 * What a link leads to. 401: not a link we signed. 404: its notice, version or official is not
 * known. 403 (only while nothing was acknowledged yet): expired, superseded, or the official has
 * left the roster. An existing receipt is always shown, even after the link expired.
 */
export async function openLink(
  db: Database,
  linkKey: CryptoKey,
  token: string,
  now: Date,
): Promise<OpenedLink> {
  const claims = await readLink(linkKey, token)
  const notice = requireNotice(claims.notice)
  const version = requireVersion(notice, claims.version)
  let found: Awaited<ReturnType<typeof officialAndRecord>>
  try {
    found = await officialAndRecord(db, claims.officialId, notice.id, version.version)
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
  const { official, record } = found
  if (!official)
    throw new AppError(
      404,
      'official_not_found',
      'The official this link was issued to is not on the roster.',
    )
  const opened = { token, claims, notice, version, official, record }
  if (record) return opened
  if (!official.active)
    throw new AppError(
      403,
      'official_inactive',
      'This link was issued to someone who is no longer on the roster, so it can no longer be used to acknowledge.',
    )
  if (claims.expiresAt * 1000 <= now.getTime())
    throw new AppError(
      403,
      'link_expired',
      `This link expired on ${new Date(claims.expiresAt * 1000).toISOString().slice(0, 10)}. Ask your administrator for a new one.`,
    )
  const newer = supersededBy(notice, version, now)
  if (newer)
    throw new AppError(
      403,
      'link_superseded',
      `This link is for version ${version.version}, which has been replaced by version ${newer.version}. Ask your administrator for a link to version ${newer.version}.`,
    )
  return opened
}
