/** Signing in to the console and posting its forms, as a browser would, through the Worker's fetch. */
import { env } from 'cloudflare:test'
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose'
import { expect } from 'vitest'
import { call, ORIGIN } from './ack-helpers'

export const ISSUER = `https://${env.ACCESS_TEAM_DOMAIN}`

const testKey = JSON.parse(env.TEST_ACCESS_KEY) as JWK & { kid: string }

/** A key Access never published: the same kid, another key pair. */
export async function strangerKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  return { ...(await exportJWK(privateKey)), kid: testKey.kid, alg: 'RS256' } as JWK
}

export interface AccessClaims {
  email?: string
  aud?: string
  iss?: string
  sub?: string
  /** Seconds from now. */
  expiresIn?: number
  iat?: number
  key?: JWK
}

/** An Access JWT as Cloudflare would sign it, or as an attacker might, by what is changed. */
export async function accessJwt(claims: AccessClaims = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const key = claims.key ?? testKey
  const payload: Record<string, unknown> = {
    type: 'app',
    country: 'CN',
    identity_nonce: 'x',
  }
  if (claims.email !== '') payload.email = claims.email ?? 'owner@example.org'
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: testKey.kid })
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? env.ACCESS_AUD)
    .setSubject(claims.sub ?? crypto.randomUUID())
    .setIssuedAt(claims.iat ?? now)
    .setExpirationTime(now + (claims.expiresIn ?? 3600))
    .sign(await importJWK(key, 'RS256'))
}

/** Cookies a response set, name -> full Set-Cookie line. */
export function setCookies(response: Response): Record<string, string> {
  return Object.fromEntries(
    response.headers.getAll('Set-Cookie').map((line) => [line.slice(0, line.indexOf('=')), line]),
  )
}

export const cookieValue = (line: string | undefined) =>
  line?.split(';')[0]!.split('=').slice(1).join('=')

/** A browser's cookie jar, enough for one origin and the /admin path. */
export class Browser {
  cookies = new Map<string, string>()
  constructor(readonly headers: Record<string, string> = {}) {}

  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  remember(response: Response) {
    for (const [name, line] of Object.entries(setCookies(response))) {
      const value = cookieValue(line) ?? ''
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return response
  }

  async get(path: string, headers: Record<string, string> = {}) {
    return this.remember(
      await call(path, { headers: { ...this.headers, Cookie: this.header(), ...headers } }),
    )
  }

  async post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    return this.remember(
      await call(path, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Origin: ORIGIN,
          ...this.headers,
          Cookie: this.header(),
          ...headers,
        },
        body: new URLSearchParams(fields).toString(),
      }),
    )
  }

  /** Opens a page and posts its form (the first with this action), with the form token it carried. */
  async submit(pagePath: string, action: string, fields: Record<string, string>) {
    const page = await (await this.get(pagePath)).text()
    return this.post(action, { _csrf: csrfOf(page, action), ...fields })
  }
}

/** The _csrf value of the form posting to `action` (or of the first form) in a page. */
export function csrfOf(page: string, action?: string): string {
  const forms = page.split('<form').slice(1)
  const form = action
    ? forms.find((f) => new RegExp(`action="${escape(action)}(\\?[^"]*)?"`).test(f))
    : forms[0]
  const token = /name="_csrf" value="([^"]+)"/.exec(form ?? '')?.[1]
  expect(token, `a form token for ${action ?? 'the first form'}`).toBeTruthy()
  return token!
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/** Signs in with ADMIN_TOKEN on the form; the jar then holds the session cookie. */
export async function signedInBrowser(): Promise<Browser> {
  const browser = new Browser()
  const login = await browser.get('/admin/login?lang=en')
  expect(login.status).toBe(200)
  const response = await browser.post('/admin/login?lang=en', {
    _csrf: csrfOf(await login.text()),
    token: env.ADMIN_TOKEN,
    next: '/admin',
  })
  expect(response.status).toBe(303)
  expect(browser.cookies.has('redlines_admin')).toBe(true)
  return browser
}

/** A browser behind Cloudflare Access, signed in there as `email`. */
export async function accessBrowser(email: string) {
  return new Browser({ 'Cf-Access-Jwt-Assertion': await accessJwt({ email }) })
}

export async function addAdmin(email: string, role: 'owner' | 'unit_admin', unit: string | null) {
  await env.DB.prepare(
    "INSERT OR REPLACE INTO admins (email, role, unit, created_at, created_by) VALUES (?, ?, ?, '2026-01-01T00:00:00.000Z', 'test')",
  )
    .bind(email, role, unit)
    .run()
}
