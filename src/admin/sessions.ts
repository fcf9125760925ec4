/**
 * Console sessions opened with ADMIN_TOKEN on the sign-in form, and the form tokens (CSRF) of
 * every console form. Cookie: `<id>.<mac>`, 128 random bits and their HMAC under SESSION_SECRET;
 * D1 keeps the id's SHA-256, so signing out ends a session everywhere. Every HMAC here names its
 * purpose first, so no value made for one use verifies for another.
 */
import { sha256Hex } from '../crypto'
import type { Database } from '../db/client'
import {
  deleteExpiredSessionsStatement,
  deleteSessionStatement,
  insertSessionStatement,
  sessionByHash,
} from '../db/sessions'
import { base64url, constantTimeEqual, hex, hmac, utf8 } from '../acknowledgements/bytes'
import { storageUnavailable } from '../acknowledgements/failures'

export const SESSION_HOURS = 8
const MAC_BYTES = 16
const COOKIE = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})$/

type Purpose = 'session' | 'form' | 'sign-in-form' | 'admin-token'

async function mac(key: CryptoKey, purpose: Purpose, value: string) {
  return base64url((await hmac(key, `redlines/console/${purpose}/1\n${value}`)).slice(0, MAC_BYTES))
}

const equalText = (a: string, b: string) => constantTimeEqual(utf8(a), utf8(b))

const randomId = () => base64url(crypto.getRandomValues(new Uint8Array(16)))

/** Ties a session to the ADMIN_TOKEN that opened it: rotating the secret ends those sessions. */
async function credentialOf(key: CryptoKey, adminToken: string) {
  return hex(utf8(await mac(key, 'admin-token', adminToken)))
}

export interface OpenedSession {
  cookie: string
  expiresAt: Date
}

export async function openSession(
  db: Database,
  key: CryptoKey,
  adminToken: string,
  now: Date,
): Promise<OpenedSession> {
  const id = randomId()
  const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3_600_000)
  try {
    await db.batch([
      deleteExpiredSessionsStatement(db, now.toISOString()),
      insertSessionStatement(db, {
        idHash: await sha256Hex(id),
        credential: await credentialOf(key, adminToken),
        createdAt: now.toISOString(),
        expiresAt: expiresAt.toISOString(),
      }),
    ])
  } catch (error) {
    throw storageUnavailable(error)
  }
  return { cookie: `${id}.${await mac(key, 'session', id)}`, expiresAt }
}

export type SessionState =
  { state: 'none' } | { state: 'expired' } | { state: 'valid'; binding: string; expiresAt: string }

/**
 * What a session cookie is worth. A cookie with a bad MAC, an unknown id or another ADMIN_TOKEN
 * is as good as none; one past its end is "expired" so the sign-in page can say so.
 */
export async function readSession(
  db: Database,
  key: CryptoKey,
  adminToken: string,
  cookie: string | undefined,
  now: Date,
): Promise<SessionState> {
  const match = cookie ? COOKIE.exec(cookie) : null
  if (!match || !equalText(await mac(key, 'session', match[1]!), match[2]!))
    return { state: 'none' }
  let row
  try {
    row = await sessionByHash(db, await sha256Hex(match[1]!))
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
  if (!row) return { state: 'expired' }
  if (!equalText(row.credential, await credentialOf(key, adminToken))) return { state: 'none' }
  if (row.expiresAt <= now.toISOString()) return { state: 'expired' }
  return { state: 'valid', binding: `session\n${match[1]}`, expiresAt: row.expiresAt }
}

export async function endSession(db: Database, key: CryptoKey, cookie: string | undefined) {
  const match = cookie ? COOKIE.exec(cookie) : null
  if (!match || !equalText(await mac(key, 'session', match[1]!), match[2]!)) return
  try {
    await deleteSessionStatement(db, await sha256Hex(match[1]!)).run()
  } catch (error) {
    throw storageUnavailable(error)
  }
}

/**
 * The hidden field of every console form (a synchroniser token): derived from the sign-in it
 * belongs to (a session id, or one Cloudflare Access sign-in), so a token taken from one
 * session is worthless in another and nothing needs storing.
 */
export function formToken(key: CryptoKey, binding: string): Promise<string> {
  return mac(key, 'form', binding)
}

export async function formTokenMatches(key: CryptoKey, binding: string, submitted: unknown) {
  if (typeof submitted !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(submitted)) return false
  return equalText(await formToken(key, binding), submitted)
}

/** Before anyone is signed in: a random nonce in a short cookie, and its MAC in the form. */
export const newSignInNonce = randomId

export function signInFormToken(key: CryptoKey, nonce: string): Promise<string> {
  return mac(key, 'sign-in-form', nonce)
}

export async function signInFormMatches(key: CryptoKey, nonce: unknown, submitted: unknown) {
  if (typeof nonce !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(nonce)) return false
  if (typeof submitted !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(submitted)) return false
  return equalText(await signInFormToken(key, nonce), submitted)
}
