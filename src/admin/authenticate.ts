/**
 * Turning a request's credentials into an Actor. The API takes a bearer token (ADMIN_TOKEN or an
 * API token) or a Cloudflare Access JWT; the console takes its session cookie or an Access JWT.
 * An Access email counts only if it is an admin in D1 or listed in OWNER_EMAILS.
 */
import type { Database } from '../db/client'
import { AppError } from '../errors'
import { constantTimeEqual, utf8 } from '../acknowledgements/bytes'
import { ownerToken, type Actor } from './actor'
import { verifyAccessJwt, type AccessIdentity } from './access-jwt'
import { findAdmin } from './admins'
import { looksLikeApiToken, tokenActor } from './api-tokens'
import { accessConfig, adminTokenOf, ownerEmails, sessionKeyOf, type ConsoleEnv } from './config'
import { readSession } from './sessions'

async function sha256(text: string) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(text)))
}

/** Hashing both sides first makes the comparison constant-time whatever the lengths. */
export async function isAdminToken(env: ConsoleEnv, candidate: string) {
  return constantTimeEqual(await sha256(candidate), await sha256(adminTokenOf(env)))
}

export const unauthorized = () =>
  new AppError(
    401,
    'unauthorized',
    'This needs the administrator token or an API token: send Authorization: Bearer <token>.',
    { 'WWW-Authenticate': 'Bearer realm="redlines-admin"' },
  )

const notAnAdmin = (email: string) =>
  new AppError(
    403,
    'not_an_admin',
    `${email} signed in through Cloudflare Access but is not an admin here. An owner can add this address.`,
  )

/** The admin an Access identity stands for. */
export async function actorForEmail(db: Database, env: ConsoleEnv, email: string): Promise<Actor> {
  if (ownerEmails(env).has(email))
    return { kind: 'admin', id: email, label: email, role: 'owner', unit: null, access: 'write' }
  const admin = await findAdmin(db, email)
  if (!admin) throw notAnAdmin(email)
  return {
    kind: 'admin',
    id: admin.email,
    label: admin.email,
    role: admin.role,
    unit: admin.role === 'owner' ? null : admin.unit,
    access: 'write',
  }
}

export interface ApiCredentials {
  authorization?: string
  accessJwt?: string
}

/** 401 unless the request carries a credential that is valid now; 403 for an Access user who is no admin. */
export async function apiActor(
  db: Database,
  env: ConsoleEnv,
  credentials: ApiCredentials,
  now: Date,
): Promise<Actor> {
  if (credentials.authorization !== undefined) {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(credentials.authorization)
    if (!match) throw unauthorized()
    const bearer = match[1]!
    if (looksLikeApiToken(bearer)) {
      const actor = await tokenActor(db, bearer, now)
      if (actor) return actor
      throw unauthorized()
    }
    if (await isAdminToken(env, bearer)) return ownerToken
    throw unauthorized()
  }
  const access = accessConfig(env)
  if (access && credentials.accessJwt) {
    const identity = await verifyAccessJwt(access, credentials.accessJwt, now)
    return actorForEmail(db, env, identity.email)
  }
  // Without credentials: the same 503 as before when the bootstrap secret is missing.
  adminTokenOf(env)
  throw unauthorized()
}

export interface ConsoleCredentials {
  sessionCookie?: string
  accessJwt?: string
}

export type ConsoleSignIn =
  | { state: 'signed_in'; actor: Actor; binding: string; via: 'session' | 'access' }
  | { state: 'signed_out' | 'expired' }

/**
 * The session cookie first (a sign-in with ADMIN_TOKEN), then Access. A present but invalid Access
 * JWT is a 401, never a fallback to signed-out: a forged or replayed token is refused loudly.
 */
export async function consoleActor(
  db: Database,
  env: ConsoleEnv,
  credentials: ConsoleCredentials,
  now: Date,
): Promise<ConsoleSignIn> {
  const key = await sessionKeyOf(env)
  const session = await readSession(db, key, adminTokenOf(env), credentials.sessionCookie, now)
  if (session.state === 'valid')
    return { state: 'signed_in', actor: ownerToken, binding: session.binding, via: 'session' }
  const access = accessConfig(env)
  if (access && credentials.accessJwt) {
    const identity: AccessIdentity = await verifyAccessJwt(access, credentials.accessJwt, now)
    const actor = await actorForEmail(db, env, identity.email)
    return {
      state: 'signed_in',
      actor,
      binding: `access\n${identity.sub}\n${identity.iat}`,
      via: 'access',
    }
  }
  return { state: session.state === 'expired' ? 'expired' : 'signed_out' }
}
