/**
 * Handing out personal links for a notice version, and deciding what a link shows when opened:
 * the receipt if the official already acknowledged, the form if they still may, or why not.
 */
import type { CompiledNotice, CompiledVersion } from '../content/types'
import { requireNotice, requireVersion, type NoticeLookup } from '../content/resolve'
import type { Database } from '../db/client'
import { officialAndRecord, type AcknowledgementRow } from '../db/acknowledgements'
import type { BatchItem } from 'drizzle-orm/batch'
import { batchAll } from '../db/batch'
import { insertLinkBatchStatement, type LinkBatch } from '../db/links'
import { activeOfficialsPage, type Official } from '../db/officials'
import { asShards, type Shard, type Store } from '../db/shards'
import { registerVersionStatement, registeredVersion } from '../db/versions'
import { AppError } from '../errors'
import { unitCounts } from './counters'
import { storageUnavailable } from './failures'
import { countingRange, supersededBy, versionToSign } from './policy'
import { lastFailure, withRetries } from './retry'
import { normaliseUnit } from './roster'
import { shardsFor } from './sharding'
import { mergeSorted, outstandingAcross } from './status'
import { readLink, signLink, type LinkClaims } from './tokens'

export const MAX_EXPIRY_DAYS = 366

/** A link lives a whole number of days, 1 to MAX_EXPIRY_DAYS. */
export function requireExpiryDays(days: number) {
  if (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRY_DAYS)
    throw new AppError(
      422,
      'invalid_expiry',
      `expiresInDays must be a whole number from 1 to ${MAX_EXPIRY_DAYS}.`,
    )
}
const PAGE = 1000

export interface LinkRequest {
  notice: string
  version: number
  unit?: string | null
  /** YYYY-MM-DD: after this day, outstanding officials count as overdue. */
  dueDate?: string | null
  expiresInDays: number
  /**
   * 'outstanding' (the default): only officials who do not yet count as having acknowledged this
   * version; 'all': every active official in scope.
   */
  officials?: 'outstanding' | 'all'
  /** Origin the links point at, e.g. https://redlines.example.org */
  baseUrl: string
  now: Date
  /** Statements written in the same batch as the batch's record (the audit entry). */
  alongside?: (batch: LinkBatch) => readonly BatchItem<'sqlite'>[]
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

/** Active officials of every shard of a scope, merged in (unit, id) order, with their shard. */
async function* activeAcross(
  shards: readonly Shard[],
  unit: string | null,
  from: { unit: string; id: number } | undefined,
  pageSize: number,
) {
  async function* one(shard: Shard) {
    let after = from
    for (;;) {
      const page = await activeOfficialsPage(shard.db, { unit, after, limit: pageSize })
      for (const official of page) yield { ...official, shard: shard.index }
      const last = page.at(-1)
      if (!last || page.length < pageSize) return
      after = { unit: last.unit, id: last.id }
    }
  }
  yield* mergeSorted(shards.map(one), (a, b) =>
    a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : a.id - b.id,
  )
}

/**
 * Validates the request, records the batch, and returns the links to stream. The counts come
 * from the live counters; the officials from every shard the unit reaches, in unit order.
 */
export async function createLinks(
  store: Store,
  linkKey: CryptoKey,
  request: LinkRequest,
  lookup: NoticeLookup = requireNotice,
): Promise<{ batch: LinkBatch; links: AsyncGenerator<IssuedLink> }> {
  const shards = asShards(store)
  const db = shards.control
  const notice = lookup(request.notice)
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
  requireExpiryDays(request.expiresInDays)
  const range = countingRange(notice, version.version)
  const counting = { noticeId: notice.id, version: version.version, ...range, unit }
  const inScope = await shardsFor(shards, unit)
  const counts = await unitCounts(inScope, {
    counting: { noticeId: notice.id, baseline: range.from, last: range.to },
    unit,
    now: request.now,
  })
  const active = counts.reduce((n, c) => n + c.roster, 0)
  if (active === 0)
    throw new AppError(
      422,
      'no_officials',
      unit ? `No active official is in unit "${unit}".` : 'The roster has no active official.',
    )
  const everyone = request.officials === 'all'
  const count = everyone ? active : active - counts.reduce((n, c) => n + c.acknowledged, 0)
  if (count === 0)
    throw new AppError(
      422,
      'none_outstanding',
      `Every active official${unit ? ` in unit "${unit}"` : ''} already counts as having acknowledged version ${version.version}, so no links were made. Send "officials": "all" to make links for everyone anyway.`,
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
    await batchAll(db, [insertLinkBatchStatement(db, batch), ...(request.alongside?.(batch) ?? [])])
  } catch (error) {
    throw storageUnavailable(error)
  }

  return {
    batch,
    links: batchLinks(shards, linkKey, batch, {
      who: everyone ? 'all' : 'outstanding',
      ...range,
      baseUrl: request.baseUrl,
    }),
  }
}

/**
 * The links of a batch, page by page: made again from the batch (links are an HMAC of official,
 * version and expiry, so the same batch always gives the same links, and a sheet or a CSV can be
 * had again later). 'outstanding' is who is outstanding now.
 */
export async function* batchLinks(
  store: Store,
  linkKey: CryptoKey,
  batch: Pick<LinkBatch, 'noticeId' | 'version' | 'unit' | 'expiresAt'>,
  o: {
    who: 'outstanding' | 'all'
    from: number
    to: number
    baseUrl: string
    after?: { unit: string; id: number }
    pageSize?: number
  },
): AsyncGenerator<IssuedLink & { id: number; shard: number }> {
  const expiresAt = Math.floor(Date.parse(batch.expiresAt) / 1000)
  const pageSize = o.pageSize ?? PAGE
  const inScope = await shardsFor(asShards(store), batch.unit)
  const counting = {
    noticeId: batch.noticeId,
    version: batch.version,
    from: o.from,
    to: o.to,
    unit: batch.unit,
  }
  // Every shard the batch's unit reaches, merged in (unit, id) order: a unit lives in one shard,
  // so a (unit, id) cursor continues the merge.
  const officials =
    o.who === 'all'
      ? activeAcross(inScope, batch.unit, o.after, pageSize)
      : outstandingAcross(inScope, counting, o.after, pageSize)
  for await (const official of officials)
    yield {
      id: official.id,
      shard: official.shard,
      externalId: official.externalId,
      name: official.name,
      unit: official.unit,
      url: await linkUrl(linkKey, o.baseUrl, {
        ...(official.shard ? { shard: official.shard } : {}),
        officialId: official.id,
        notice: batch.noticeId,
        version: batch.version,
        expiresAt,
      }),
    }
}

export async function linkUrl(linkKey: CryptoKey, baseUrl: string, claims: LinkClaims) {
  return `${baseUrl}${linkPath(await signLink(linkKey, claims))}`
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
  /** The shard the official (and so their record) is in. */
  shard: Shard
  notice: CompiledNotice
  /**
   * With a record, the version it acknowledges; without, the version the form shows and a
   * submission signs: the link's own, or the current one if only editorial versions came since.
   */
  version: CompiledVersion
  official: Official
  /**
   * Set when this official already has a record that counts for the link's version (of it, or
   * of a version no material change separates from it): the link shows that receipt.
   */
  record?: AcknowledgementRow
}

/**
 * A link that was ours but can no longer be used (403): it knows the official's unit, so the page
 * can name whom in that unit to ask.
 */
export class LinkRefused extends AppError {
  constructor(
    code: string,
    message: string,
    readonly unit: string,
  ) {
    super(403, code, message)
  }
}

/**
 * What a link leads to. 401: not a link we signed. 404: its notice, version or official is not
 * known. 403 (only while nothing that counts was acknowledged yet): expired, superseded by a
 * material change, or the official has left the roster. An existing receipt is always shown,
 * even after the link expired.
 */
export async function openLink(
  store: Store,
  linkKey: CryptoKey,
  token: string,
  now: Date,
  lookup: NoticeLookup = requireNotice,
): Promise<OpenedLink> {
  const claims = await readLink(linkKey, token)
  const notice = lookup(claims.notice)
  const linkVersion = requireVersion(notice, claims.version)
  const shard = asShards(store).shard(claims.shard ?? 0)
  let found: Awaited<ReturnType<typeof officialAndRecord>>
  try {
    // Reads are safe to repeat: an overloaded shard gets a few jittered tries.
    found = await withRetries(() =>
      officialAndRecord(shard.db, {
        officialId: claims.officialId,
        noticeId: notice.id,
        ...countingRange(notice, linkVersion.version),
      }),
    )
  } catch (error) {
    throw storageUnavailable(lastFailure(error), 'read')
  }
  const { official, record } = found
  if (!official)
    throw new AppError(
      404,
      'official_not_found',
      'The official this link was issued to is not on the roster.',
    )
  if (record)
    return {
      token,
      claims,
      shard,
      notice,
      version: notice.versions[record.version - 1] ?? linkVersion,
      official,
      record,
    }
  if (!official.active)
    throw new LinkRefused(
      'official_inactive',
      'This link was issued to someone who is no longer on the roster, so it can no longer be used to acknowledge.',
      official.unit,
    )
  if (claims.expiresAt * 1000 <= now.getTime())
    throw new LinkRefused(
      'link_expired',
      `This link expired on ${new Date(claims.expiresAt * 1000).toISOString().slice(0, 10)}. Ask your administrator for a new one.`,
      official.unit,
    )
  const version = versionToSign(notice, linkVersion, now)
  if (!version) {
    const newer = supersededBy(notice, linkVersion, now)!
    throw new LinkRefused(
      'link_superseded',
      `This link is for version ${linkVersion.version}, which has been replaced by version ${newer.version}. Ask your administrator for a link to version ${newer.version}.`,
      official.unit,
    )
  }
  return { token, claims, shard, notice, version, official }
}
