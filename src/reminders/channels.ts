/**
 * Reminder channels per unit, and each unit's contact: set, listed and removed by admins inside
 * their subtree (audited); looked up by inheritance (a unit without its own takes its parent's).
 */
import { cleanText } from '../acknowledgements/names'
import { isWithin } from '../acknowledgements/roster'
import { requireAdmin, parseUnit, type Actor } from '../admin/actor'
import { auditStatement, type AuditBy } from '../admin/audit'
import type { Database } from '../db/client'
import {
  channelById,
  channelsIn,
  deleteChannelStatement,
  deleteChannelsStatement,
  insertChannelStatement,
  unitContactsIn,
  unitSettingsOf,
  upsertUnitContactStatement,
  type ChannelRow,
} from '../db/reminders'
import { AppError } from '../errors'
import { CHANNEL_TYPES, OFFICIAL_HOSTS, type ChannelType } from './channel-types'
import { maskUrl, rateKeyOf, seal, type ChannelKeys } from './credentials'

export type Purpose = 'group' | 'leaders'
export type Privacy = 'names' | 'counts'

export interface NewChannel {
  unit: string
  type: string
  url: string
  secret?: string | null
  purpose?: Purpose
  privacy?: Privacy
}

/** What anyone is shown of a channel: never the URL or the secret. */
export interface ChannelView {
  id: string
  unit: string
  purpose: Purpose
  type: ChannelType
  url: string
  signed: boolean
  privacy: Privacy
  createdAt: string
  createdBy: string
}

export const channelView = (row: ChannelRow): ChannelView => ({
  id: row.id,
  unit: row.unit,
  purpose: row.purpose,
  type: row.type,
  url: row.urlMasked,
  signed: row.secretCipher !== null,
  privacy: row.privacy,
  createdAt: row.createdAt,
  createdBy: row.createdBy,
})

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])
export const URL_MAX = 2000
export const SECRET_MAX = 200

/**
 * A webhook URL as a channel of `type` may use: https, on the service's own host for the three
 * robots; with `allowLocal` (ALLOW_LOCAL_WEBHOOKS, local development and tests) also
 * http://127.0.0.1 and localhost. The refusal never repeats the URL.
 */
export function checkWebhookUrl(type: ChannelType, raw: string, allowLocal: boolean): string {
  const url = raw.trim()
  if (url.length > URL_MAX)
    throw new AppError(422, 'invalid_url', `url: at most ${URL_MAX} characters.`)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new AppError(422, 'invalid_url', 'url: not a URL (https://…).')
  }
  if (parsed.username || parsed.password)
    throw new AppError(422, 'invalid_url', 'url: no user name or password in the URL.')
  const local = allowLocal && LOCAL_HOSTS.has(parsed.hostname)
  if (local && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) return url
  if (parsed.protocol !== 'https:')
    throw new AppError(
      422,
      'invalid_url',
      allowLocal
        ? 'url: use https (or http://127.0.0.1 for a local receiver).'
        : 'url: only https webhooks are accepted.',
    )
  const hosts = OFFICIAL_HOSTS[type]
  if (hosts && !hosts.includes(parsed.hostname))
    throw new AppError(
      422,
      'invalid_url',
      `url: a ${type} robot's webhook is on ${hosts.join(' or ')}; copy it from the robot's settings.`,
    )
  return url
}

function checkChannel(input: NewChannel, allowLocal: boolean) {
  if (!CHANNEL_TYPES.includes(input.type as ChannelType))
    throw new AppError(422, 'invalid_type', `type: one of ${CHANNEL_TYPES.join(', ')}.`)
  const type = input.type as ChannelType
  const unit = parseUnit(input.unit, 422)
  if (!unit) throw new AppError(422, 'unit_required', 'unit: the unit whose reminders go here.')
  const url = checkWebhookUrl(type, typeof input.url === 'string' ? input.url : '', allowLocal)
  const secret =
    typeof input.secret === 'string' && input.secret.trim() ? input.secret.trim() : null
  if (secret && secret.length > SECRET_MAX)
    throw new AppError(422, 'invalid_secret', `secret: at most ${SECRET_MAX} characters.`)
  if (type === 'webhook' && !secret)
    throw new AppError(
      422,
      'secret_required',
      'secret: a generic webhook is always signed; give the secret its receiver checks.',
    )
  return {
    unit,
    type,
    url,
    secret,
    purpose: input.purpose ?? 'group',
    privacy: input.privacy ?? 'names',
  }
}

/** Sets (or replaces) the unit's channel of that purpose. */
export async function setChannel(
  db: Database,
  keys: ChannelKeys,
  by: AuditBy,
  input: NewChannel,
  allowLocal: boolean,
): Promise<ChannelView> {
  const checked = checkChannel(input, allowLocal)
  requireAdmin(by.actor, checked.unit, 'write')
  const id = `ch_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`
  const row: ChannelRow = {
    id,
    unit: checked.unit,
    purpose: checked.purpose,
    type: checked.type,
    urlCipher: await seal(keys, checked.url, id),
    secretCipher: checked.secret ? await seal(keys, checked.secret, id) : null,
    urlMasked: maskUrl(checked.url),
    rateKey: await rateKeyOf(keys, checked.url),
    privacy: checked.privacy,
    createdAt: by.now.toISOString(),
    createdBy: by.actor.id,
  }
  await db.batch([
    deleteChannelsStatement(db, row.unit, row.purpose),
    insertChannelStatement(db, row),
    auditStatement(db, by, 'channel.set', { unit: row.unit, target: id }),
  ])
  return channelView(row)
}

export async function listChannels(db: Database, actor: Actor): Promise<ChannelView[]> {
  requireAdmin(actor, actor.unit, 'read')
  return (await channelsIn(db, actor.unit)).map(channelView)
}

export async function removeChannel(db: Database, by: AuditBy, id: string): Promise<ChannelView> {
  const row = await channelById(db, id)
  if (!row) throw new AppError(404, 'channel_not_found', 'There is no channel with this id.')
  requireAdmin(by.actor, row.unit, 'write')
  await db.batch([
    deleteChannelStatement(db, id),
    auditStatement(db, by, 'channel.delete', { unit: row.unit, target: id }),
  ])
  return channelView(row)
}

/** The channel that serves `unit` for `purpose`: its own, else the nearest ancestor's. */
export function coveringChannel<T extends { unit: string; purpose: Purpose }>(
  channels: readonly T[],
  unit: string,
  purpose: Purpose,
): T | undefined {
  let best: T | undefined
  for (const c of channels)
    if (
      c.purpose === purpose &&
      isWithin(unit, c.unit) &&
      (!best || c.unit.length > best.unit.length)
    )
      best = c
  return best
}

const ancestorsOf = (unit: string) =>
  unit.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'))

export const CONTACT_MAX = 200

export async function setUnitContact(
  db: Database,
  by: AuditBy,
  input: { unit: string; contact: string | null },
) {
  const unit = parseUnit(input.unit, 422)
  if (!unit) throw new AppError(422, 'unit_required', 'unit: whose contact this is.')
  requireAdmin(by.actor, unit, 'write')
  const contact = input.contact ? cleanText(input.contact) : ''
  if (contact.length > CONTACT_MAX)
    throw new AppError(422, 'contact_too_long', `contact: at most ${CONTACT_MAX} characters.`)
  await db.batch([
    upsertUnitContactStatement(db, {
      unit,
      contact: contact || null,
      updatedAt: by.now.toISOString(),
      updatedBy: by.actor.id,
    }),
    auditStatement(db, by, 'unit.contact', { unit, target: unit }),
  ])
  return { unit, contact: contact || null }
}

export async function listUnitContacts(db: Database, actor: Actor) {
  requireAdmin(actor, actor.unit, 'read')
  return (await unitContactsIn(db, actor.unit)).map((r) => ({ unit: r.unit, contact: r.contact! }))
}

/** The contact an official of `unit` is told about: the nearest unit's that has one, else null. */
export async function contactFor(db: Database, unit: string): Promise<string | null> {
  const chain = ancestorsOf(unit)
  const rows = await unitSettingsOf(db, chain)
  const byUnit = new Map(rows.map((r) => [r.unit, r.contact]))
  for (const u of chain.reverse()) {
    const contact = byUnit.get(u)
    if (contact) return contact
  }
  return null
}
