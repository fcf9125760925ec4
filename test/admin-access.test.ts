/** Cloudflare Access: the Worker verifies the JWT itself, and only an admin's email gets in. */
import { env } from 'cloudflare:test'
import { decodeJwt } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { verifyAccessJwt } from '../src/admin/access-jwt'
import { actorForEmail } from '../src/admin/authenticate'
import { accessConfig } from '../src/admin/config'
import { database } from '../src/db/client'
import { call } from './ack-helpers'
import { accessJwt, addAdmin, ISSUER, strangerKey } from './console-helpers'

const config = accessConfig(env)!

beforeAll(async () => {
  await addAdmin('owner@example.org', 'owner', null)
  await addAdmin('gz@example.org', 'unit_admin', '广东省/广州市')
})

/** Replaces the payload of a signed JWT, keeping header and signature: a forged claim. */
function withPayload(jwt: string, change: (claims: Record<string, unknown>) => void) {
  const [header, , signature] = jwt.split('.')
  const claims = decodeJwt(jwt) as Record<string, unknown>
  change(claims)
  const payload = btoa(JSON.stringify(claims))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
  return `${header}.${payload}.${signature}`
}

const errorCode = async (response: Response) =>
  ((await response.json()) as { error: { code: string } }).error.code

describe('verifyAccessJwt', () => {
  it('accepts a token Access signed for this audience, and returns its email', async () => {
    const identity = await verifyAccessJwt(config, await accessJwt({ email: 'Owner@Example.org' }))
    expect(identity.email).toBe('owner@example.org')
  })

  it.each([
    ['expired', { expiresIn: -60 }, /expired/],
    ['for another application', { aud: 'another-audience' }, /claim aud/],
    ['from another team', { iss: 'https://evil.cloudflareaccess.com' }, /claim iss/],
    ['without an email (a service token)', { email: '' }, /no email/],
  ] as const)('refuses a token %s with 401', async (_what, claims, message) => {
    const token = await accessJwt(claims)
    await expect(verifyAccessJwt(config, token)).rejects.toMatchObject({
      status: 401,
      code: 'access_invalid',
      message: expect.stringMatching(message),
    })
  })

  it('refuses a token signed with a key Access never published', async () => {
    const token = await accessJwt({ key: await strangerKey() })
    await expect(verifyAccessJwt(config, token)).rejects.toMatchObject({
      status: 401,
      message: expect.stringMatching(/signature/),
    })
  })

  it('refuses a genuine token whose email was changed', async () => {
    const forged = withPayload(await accessJwt({ email: 'gz@example.org' }), (claims) => {
      claims.email = 'owner@example.org'
    })
    await expect(verifyAccessJwt(config, forged)).rejects.toMatchObject({ status: 401 })
  })

  it('refuses a replay of a token once it has expired', async () => {
    const token = await accessJwt({ expiresIn: 60 })
    const exp = decodeJwt(token).exp!
    await expect(verifyAccessJwt(config, token, new Date((exp - 1) * 1000))).resolves.toBeTruthy()
    await expect(verifyAccessJwt(config, token, new Date(exp * 1000))).rejects.toMatchObject({
      status: 401,
      message: expect.stringMatching(/expired/),
    })
  })

  it.each(['', 'not-a-jwt', 'a.b.c', `${'x'.repeat(20_000)}`])(
    'refuses garbage %#',
    async (token) => {
      await expect(verifyAccessJwt(config, token)).rejects.toMatchObject({ status: 401 })
    },
  )

  it('issuer is the team domain over https', () => {
    expect(ISSUER).toBe(`https://${config.teamDomain}`)
  })
})

describe('who an Access email is', () => {
  it.each([
    ['owner@example.org', 'owner', null],
    ['gz@example.org', 'unit_admin', '广东省/广州市'],
  ])('%s is a %s of %s', async (email, role, unit) => {
    expect(await actorForEmail(database(env.DB), env, email)).toMatchObject({
      role,
      unit,
      id: email,
    })
  })

  it('an email on OWNER_EMAILS is an owner without a row in D1', async () => {
    const actor = await actorForEmail(
      database(env.DB),
      { ...env, OWNER_EMAILS: 'boss@example.org, x@y.org' },
      'boss@example.org',
    )
    expect(actor).toMatchObject({ role: 'owner', unit: null })
  })

  it('anyone else is refused with 403', async () => {
    await expect(actorForEmail(database(env.DB), env, 'nobody@example.org')).rejects.toMatchObject({
      status: 403,
      code: 'not_an_admin',
    })
  })
})

describe('through the Worker', () => {
  const api = (headers: Record<string, string>) => call('/api/admin/tokens', { headers })
  const consoleHome = (headers: Record<string, string>) => call('/admin?lang=en', { headers })

  it('an admin with a valid token reaches the API and the console', async () => {
    const jwt = await accessJwt({ email: 'owner@example.org' })
    expect((await api({ 'Cf-Access-Jwt-Assertion': jwt })).status).toBe(200)
    const page = await consoleHome({ 'Cf-Access-Jwt-Assertion': jwt })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('owner@example.org')
  })

  it.each([
    ['expired', () => accessJwt({ email: 'owner@example.org', expiresIn: -1 })],
    ['for another audience', () => accessJwt({ email: 'owner@example.org', aud: 'x' })],
    [
      'signed with another key',
      async () => accessJwt({ email: 'owner@example.org', key: await strangerKey() }),
    ],
    [
      'with a forged email',
      async () =>
        withPayload(await accessJwt({ email: 'gz@example.org' }), (c) => {
          c.email = 'owner@example.org'
        }),
    ],
  ])('a token %s is 401 at the API and on the console', async (_what, make) => {
    const jwt = await make()
    const response = await api({ 'Cf-Access-Jwt-Assertion': jwt })
    expect(response.status).toBe(401)
    expect(await errorCode(response)).toBe('access_invalid')
    const page = await consoleHome({ 'Cf-Access-Jwt-Assertion': jwt })
    expect(page.status).toBe(401)
    expect(page.headers.get('Content-Type')).toMatch(/text\/html/)
  })

  it('a token replayed after its exp is 401', async () => {
    const jwt = await accessJwt({ email: 'owner@example.org', expiresIn: 1 })
    expect((await api({ 'Cf-Access-Jwt-Assertion': jwt })).status).toBe(200)
    const exp = decodeJwt(jwt).exp! * 1000
    await new Promise((r) => setTimeout(r, Math.max(0, exp - Date.now()) + 50))
    const replay = await api({ 'Cf-Access-Jwt-Assertion': jwt })
    expect(replay.status).toBe(401)
    expect(await errorCode(replay)).toBe('access_invalid')
  })

  it('a verified email that is no admin is 403', async () => {
    const jwt = await accessJwt({ email: 'stranger@example.org' })
    const response = await api({ 'Cf-Access-Jwt-Assertion': jwt })
    expect(response.status).toBe(403)
    expect(await errorCode(response)).toBe('not_an_admin')
    expect((await consoleHome({ 'Cf-Access-Jwt-Assertion': jwt })).status).toBe(403)
  })

  it('without the header: 401 at the API, the sign-in page for the console', async () => {
    const response = await api({})
    expect(response.status).toBe(401)
    expect(await errorCode(response)).toBe('unauthorized')
    const page = await consoleHome({})
    expect(page.status).toBe(303)
    expect(page.headers.get('Location')).toMatch(/^\/admin\/login\?/)
  })

  it('an email header without a JWT counts for nothing', async () => {
    const response = await api({ 'Cf-Access-Authenticated-User-Email': 'owner@example.org' })
    expect(response.status).toBe(401)
  })

  it('when Access is not configured its header is ignored, never trusted', async () => {
    const { apiActor } = await import('../src/admin/authenticate')
    const jwt = await accessJwt({ email: 'owner@example.org' })
    await expect(
      apiActor(
        database(env.DB),
        { ...env, ACCESS_TEAM_DOMAIN: '', ACCESS_AUD: '' },
        { accessJwt: jwt },
        new Date(),
      ),
    ).rejects.toMatchObject({ status: 401, code: 'unauthorized' })
  })
})
