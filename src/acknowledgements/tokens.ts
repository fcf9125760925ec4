/**
 * Personal links: `/a/<official>.<notice>.<version>.<expires>.<mac>`, where an official in a
 * shard other than 0 is `<shard>s<official>` (ids are numbered per shard; a link of shard 0 reads
 * as it did before shards). The claims are readable so a support desk can tell what a link is
 * for; the MAC (HMAC-SHA256 truncated to 128 bits, as RFC 4868 does) makes them unforgeable
 * without LINK_SECRET. No database row is needed to check one.
 */
import { AppError } from '../errors'
import { base64url, constantTimeEqual, fromBase64url, hmac, utf8 } from './bytes'

export interface LinkClaims {
  /** The shard the official is in: 0 (DB) when absent. */
  shard?: number
  officialId: number
  notice: string
  version: number
  /** Unix seconds. */
  expiresAt: number
}

const TOKEN =
  /^(?:([1-9][0-9]{0,2})s)?([1-9][0-9]{0,15})\.([a-z0-9][a-z0-9-]{0,63})\.([1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,11})\.([A-Za-z0-9_-]{22})$/
const MAC_BYTES = 16

const payloadOf = (c: LinkClaims) =>
  `${c.shard ? `${c.shard}s` : ''}${c.officialId}.${c.notice}.${c.version}.${c.expiresAt}`

async function mac(
  key: CryptoKey,
  purpose: 'link' | 'form' | 'audit' | 'pending',
  payload: string,
) {
  return (await hmac(key, `redlines/${purpose}/1\n${payload}`)).slice(0, MAC_BYTES)
}

export async function signLink(key: CryptoKey, claims: LinkClaims): Promise<string> {
  const payload = payloadOf(claims)
  return `${payload}.${base64url(await mac(key, 'link', payload))}`
}

export const invalidLink = () =>
  new AppError(
    401,
    'link_invalid',
    'This acknowledgement link is not valid. It may have been copied incompletely: open it again from the original message, or ask your administrator for a new one.',
  )

/** The claims of a genuine link (expired or not: the caller decides what expiry means); 401 otherwise. */
export async function readLink(key: CryptoKey, token: string): Promise<LinkClaims> {
  const match = TOKEN.exec(token)
  if (!match) throw invalidLink()
  const claims: LinkClaims = {
    ...(match[1] ? { shard: Number(match[1]) } : {}),
    officialId: Number(match[2]),
    notice: match[3]!,
    version: Number(match[4]),
    expiresAt: Number(match[5]),
  }
  // Compared as text: 22 base64url characters carry 132 bits for 128, so decoding first would
  // accept several spellings of one MAC.
  const expected = base64url(await mac(key, 'link', payloadOf(claims)))
  if (
    !Number.isSafeInteger(claims.officialId) ||
    !constantTimeEqual(utf8(expected), utf8(match[6]!))
  )
    throw invalidLink()
  return claims
}

/**
 * The hidden form field: derived from the link, so a page served for one link cannot post for
 * another, and it still works in in-app browsers that strip the Origin header.
 */
export async function formToken(key: CryptoKey, token: string): Promise<string> {
  return base64url(await mac(key, 'form', token))
}

export async function formTokenMatches(key: CryptoKey, token: string, submitted: unknown) {
  if (typeof submitted !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(submitted)) return false
  return constantTimeEqual(utf8(await formToken(key, token)), utf8(submitted))
}

/**
 * What a page shows an official whose acknowledgement went on the Queue: the receipt id, with a
 * MAC binding it to the link, so "received, being recorded" is only ever shown for a submission
 * this Worker received.
 */
export async function pendingToken(key: CryptoKey, token: string, receiptId: string) {
  return `${receiptId}.${base64url(await mac(key, 'pending', `${token}\n${receiptId}`))}`
}

/** The receipt id of a genuine pending token for this link, or undefined. */
export async function readPendingToken(
  key: CryptoKey,
  token: string,
  pending: string | undefined,
): Promise<string | undefined> {
  const match = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{22})$/.exec(pending ?? '')
  if (!match) return undefined
  const expected = await pendingToken(key, token, match[1]!)
  return constantTimeEqual(utf8(expected), utf8(pending!)) ? match[1] : undefined
}

/**
 * A cursor the audit hands out: its state as base64url JSON, with a MAC so only cursors this
 * Worker made resume (a made-up one could start the audit from a state that hides a problem).
 */
export async function sealCursor(key: CryptoKey, state: unknown): Promise<string> {
  const payload = base64url(utf8(JSON.stringify(state)))
  return `${payload}.${base64url(await mac(key, 'audit', payload))}`
}

/** The state of a cursor sealCursor made with this key, or undefined. */
export async function openCursor(key: CryptoKey, cursor: string): Promise<unknown> {
  const match = /^([A-Za-z0-9_-]{1,16000})\.([A-Za-z0-9_-]{22})$/.exec(cursor)
  if (!match) return undefined
  const expected = base64url(await mac(key, 'audit', match[1]!))
  if (!constantTimeEqual(utf8(expected), utf8(match[2]!))) return undefined
  try {
    return JSON.parse(new TextDecoder().decode(fromBase64url(match[1]!))) as unknown
  } catch {
    return undefined
  }
}
