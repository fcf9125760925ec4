/** The console's sign-in, sessions, form tokens and headers, through the Worker's fetch. */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { call, ORIGIN, rows } from './ack-helpers'
import { Browser, csrfOf, setCookies, signedInBrowser } from './console-helpers'

describe('signing in with ADMIN_TOKEN', () => {
  it('an unsigned visitor is sent to the sign-in page, and comes back after', async () => {
    const browser = new Browser()
    const first = await browser.get('/admin/tokens?lang=en')
    expect(first.status).toBe(303)
    const location = first.headers.get('Location')!
    expect(location).toBe('/admin/login?next=%2Fadmin%2Ftokens&lang=en')
    const login = await browser.get(location)
    const page = await login.text()
    expect(page).toContain('name="token"')
    const signedIn = await browser.post('/admin/login?lang=en', {
      _csrf: csrfOf(page),
      token: env.ADMIN_TOKEN,
      next: '/admin/tokens',
    })
    expect(signedIn.status).toBe(303)
    expect(signedIn.headers.get('Location')).toBe('/admin/tokens?lang=en')
    expect((await browser.get('/admin/tokens?lang=en')).status).toBe(200)
  })

  it('sets an HttpOnly, SameSite=Strict session cookie for /admin that expires in 8 hours', async () => {
    const browser = new Browser()
    const page = await (await browser.get('/admin/login')).text()
    const response = await browser.post('/admin/login', {
      _csrf: csrfOf(page),
      token: env.ADMIN_TOKEN,
    })
    const cookie = setCookies(response).redlines_admin!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    expect(cookie).toMatch(/Path=\/admin/)
    expect(cookie).toMatch(/Max-Age=28800/)
    // Plain http here (local development); on https the cookie is Secure.
    expect(cookie).not.toMatch(/Secure/)
    const https = await exportsFetch('https://redlines.example/admin/login')
    expect(setCookies(https).redlines_sign_in).toMatch(/Secure/)
  })

  it('a wrong token is 401 with the message next to the field, and no cookie', async () => {
    const browser = new Browser()
    const page = await (await browser.get('/admin/login?lang=en')).text()
    const response = await browser.post('/admin/login?lang=en', {
      _csrf: csrfOf(page),
      token: 'guess',
    })
    expect(response.status).toBe(401)
    const html = await response.text()
    expect(html).toMatch(/aria-invalid="true"[^>]*aria-describedby="f-token-error"/)
    expect(html).toMatch(/id="f-token-error">That is not the token\./)
    expect(browser.cookies.has('redlines_admin')).toBe(false)
  })

  it('the sign-in form needs its own form token (no login CSRF)', async () => {
    const browser = new Browser()
    await browser.get('/admin/login')
    const response = await browser.post('/admin/login', {
      _csrf: 'A'.repeat(22),
      token: env.ADMIN_TOKEN,
    })
    expect(response.status).toBe(403)
    expect(browser.cookies.has('redlines_admin')).toBe(false)
  })

  it.each([
    ['//evil.example/admin', '/admin'],
    ['https://evil.example/', '/admin'],
    ['/admin/audit?action=token.create', '/admin/audit?action=token.create'],
    ['/notices', '/admin'],
  ])('next=%s goes to %s', async (next, expected) => {
    const browser = new Browser()
    const page = await (await browser.get('/admin/login')).text()
    const response = await browser.post('/admin/login', {
      _csrf: csrfOf(page),
      token: env.ADMIN_TOKEN,
      next,
    })
    expect(response.headers.get('Location')).toBe(
      `${expected}${expected.includes('?') ? '&' : '?'}lang=zh`,
    )
  })

  it('writes a sign-in to the audit log', async () => {
    const before = (
      await rows("SELECT count(*) AS n FROM audit_log WHERE action = 'session.sign_in'")
    )[0]!.n as number
    await signedInBrowser()
    const after = (
      await rows("SELECT count(*) AS n FROM audit_log WHERE action = 'session.sign_in'")
    )[0]!.n as number
    expect(after).toBe(before + 1)
  })
})

async function exportsFetch(url: string, init: RequestInit = {}) {
  const { exports } = await import('cloudflare:workers')
  return exports.default.fetch(new Request(url, { redirect: 'manual', ...init }))
}

describe('sessions', () => {
  it('a tampered cookie counts as signed out', async () => {
    const browser = await signedInBrowser()
    const value = browser.cookies.get('redlines_admin')!
    const [id, mac] = value.split('.')
    for (const forged of [
      `${id!.slice(0, -1)}${id!.at(-1) === 'A' ? 'B' : 'A'}.${mac}`,
      `${id}.${'A'.repeat(22)}`,
      'x',
    ]) {
      browser.cookies.set('redlines_admin', forged)
      const response = await browser.get('/admin')
      expect(response.status).toBe(303)
      expect(response.headers.get('Location')).toMatch(/^\/admin\/login/)
    }
  })

  it('an expired session goes back to sign-in, saying so', async () => {
    const browser = await signedInBrowser()
    expect((await browser.get('/admin')).status).toBe(200)
    await env.DB.prepare("UPDATE admin_sessions SET expires_at = '2000-01-01T00:00:00.000Z'").run()
    const response = await browser.get('/admin/audit?lang=en')
    expect(response.status).toBe(303)
    expect(response.headers.get('Location')).toBe(
      '/admin/login?next=%2Fadmin%2Faudit&expired=1&lang=en',
    )
    const page = await (await browser.get(response.headers.get('Location')!)).text()
    expect(page).toContain('Your session has expired')
  })

  it('signing out ends the session: the old cookie no longer works', async () => {
    const browser = await signedInBrowser()
    const cookie = browser.cookies.get('redlines_admin')!
    const home = await (await browser.get('/admin')).text()
    const out = await browser.post('/admin/logout', { _csrf: csrfOf(home, '/admin/logout') })
    expect(out.status).toBe(303)
    expect(out.headers.get('Location')).toBe('/admin/login?signed_out=1&lang=zh')
    expect(browser.cookies.has('redlines_admin')).toBe(false)
    const replay = await call('/admin', { headers: { Cookie: `redlines_admin=${cookie}` } })
    expect(replay.status).toBe(303)
    expect(
      (await rows("SELECT 1 FROM audit_log WHERE action = 'session.sign_out'")).length,
    ).toBeGreaterThan(0)
  })

  it('a session opened with an earlier ADMIN_TOKEN is not valid under a new one', async () => {
    const { readSession } = await import('../src/admin/sessions')
    const { sessionKeyOf } = await import('../src/admin/config')
    const { database } = await import('../src/db/client')
    const browser = await signedInBrowser()
    const key = await sessionKeyOf(env)
    const cookie = browser.cookies.get('redlines_admin')
    const db = database(env.DB)
    expect((await readSession(db, key, env.ADMIN_TOKEN, cookie, new Date())).state).toBe('valid')
    expect((await readSession(db, key, 'rotated-token', cookie, new Date())).state).toBe('none')
  })
})

describe('form tokens (CSRF)', () => {
  const create = { label: 'csrf test', access: 'read', unit: '' }

  it('a form post without the form token is refused with 403 and changes nothing', async () => {
    const browser = await signedInBrowser()
    const before = await rows('SELECT id FROM api_tokens')
    const response = await browser.post('/admin/tokens', create)
    expect(response.status).toBe(403)
    expect(await response.text()).toMatch(/表单已过期/)
    expect(await rows('SELECT id FROM api_tokens')).toEqual(before)
  })

  it("another session's form token is refused", async () => {
    const mine = await signedInBrowser()
    const theirs = await signedInBrowser()
    const page = await (await theirs.get('/admin/tokens')).text()
    const response = await mine.post('/admin/tokens', {
      ...create,
      _csrf: csrfOf(page, '/admin/tokens'),
    })
    expect(response.status).toBe(403)
  })

  it.each([
    ['another site', { Origin: 'https://evil.example' }],
    ['no Origin and no Sec-Fetch-Site', { Origin: '' }],
    ['a cross-site fetch', { Origin: '', 'Sec-Fetch-Site': 'cross-site' }],
  ])('a post from %s is refused even with the right form token', async (_what, headers) => {
    const browser = await signedInBrowser()
    const page = await (await browser.get('/admin/tokens')).text()
    const clean = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== ''))
    const response = await call('/admin/tokens', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Cookie: browser.header(),
        ...clean,
      },
      body: new URLSearchParams({ ...create, _csrf: csrfOf(page, '/admin/tokens') }).toString(),
    })
    expect(response.status).toBe(403)
  })

  it('the same post from this console, with its token, goes through', async () => {
    const browser = await signedInBrowser()
    const response = await browser.submit('/admin/tokens', '/admin/tokens', create)
    expect(response.status).toBe(200)
    expect(await response.text()).toMatch(/rlt_[A-Za-z0-9_-]{43}/)
  })
})

describe('headers and the script', () => {
  it('console pages allow only the console script, are no-store and never indexed', async () => {
    const browser = await signedInBrowser()
    const response = await browser.get('/admin')
    const csp = response.headers.get('Content-Security-Policy')!
    expect(csp).toContain(`script-src ${ORIGIN}/admin/console.js`)
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/)
    expect(response.headers.get('Cache-Control')).toBe('no-store')
    expect(response.headers.get('X-Robots-Tag')).toBe('noindex, nofollow')
    expect(response.headers.get('ETag')).toBeNull()
    const html = await response.text()
    expect(html).toContain('<script src="/admin/console.js" defer></script>')
    expect(html).not.toMatch(/<script>|<script [^s]|\son[a-z]+=/)
  })

  it('public pages still allow no script at all', async () => {
    const csp = (await call('/')).headers.get('Content-Security-Policy')!
    expect(csp).not.toContain('script-src')
    expect(csp).toContain("default-src 'none'")
  })

  it('serves the script without a sign-in', async () => {
    const response = await call('/admin/console.js')
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toMatch(/javascript/)
    expect(await response.text()).toContain('data-confirm')
  })

  it('both languages: ?lang= and Accept-Language', async () => {
    const browser = await signedInBrowser()
    expect(await (await browser.get('/admin?lang=en')).text()).toContain('Sign out')
    expect(await (await browser.get('/admin', { 'Accept-Language': 'en-GB,en' })).text()).toContain(
      'Sign out',
    )
    expect(await (await browser.get('/admin')).text()).toContain('退出登录')
  })
})
