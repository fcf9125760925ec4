/** The console's own pages: dashboard, admins, tokens, audit log; as an owner and a unit admin. */
import { beforeAll, describe, expect, it } from 'vitest'
import { rows } from './ack-helpers'
import { accessBrowser, addAdmin, Browser, csrfOf, signedInBrowser } from './console-helpers'

let owner: Browser
let gz: Browser

beforeAll(async () => {
  owner = await signedInBrowser()
  await addAdmin('pages-gz@example.org', 'unit_admin', '广东省/广州市')
  gz = await accessBrowser('pages-gz@example.org')
})

const text = async (response: Response | Promise<Response>) => (await response).text()

describe('dashboard', () => {
  it('lists every version of the notice, the current one marked', async () => {
    const page = await text(owner.get('/admin?lang=en'))
    expect(page).toContain('wechat-red-lines')
    expect(page).toMatch(/<td class="num">2<\/td>[\s\S]*?current/)
    expect(page).toContain('href="/notices/wechat-red-lines/versions/1?lang=en"')
  })

  it("shows a unit admin's scope and hides the admins page from the menu", async () => {
    const page = await text(gz.get('/admin?lang=en'))
    expect(page).toContain('You look after 广东省/广州市.')
    expect(page).not.toContain('href="/admin/admins')
    expect(page).toContain('href="/admin/tokens?lang=en"')
  })
})

describe('admins (owners only)', () => {
  it('an owner adds a unit admin, who then gets in; the audit log has it', async () => {
    const response = await owner.submit('/admin/admins?lang=en', '/admin/admins', {
      email: ' New.Admin@Example.org ',
      role: 'unit_admin',
      unit: '湖南省 / 长沙市',
    })
    expect(response.status).toBe(303)
    expect(response.headers.get('Location')).toBe('/admin/admins?done=added&lang=zh')
    const list = await text(owner.get('/admin/admins?done=added&lang=en'))
    expect(list).toContain('The admin was added.')
    expect(list).toContain('new.admin@example.org')
    expect(list).toContain('湖南省/长沙市')
    const newcomer = await accessBrowser('new.admin@example.org')
    expect((await newcomer.get('/admin')).status).toBe(200)
    const [entry] = await rows(
      "SELECT actor, unit, target FROM audit_log WHERE action = 'admin.add' AND target = 'new.admin@example.org'",
    )
    expect(entry).toEqual({
      actor: 'ADMIN_TOKEN',
      unit: '湖南省/长沙市',
      target: 'new.admin@example.org',
    })
  })

  it.each([
    [
      { email: 'not-an-email', role: 'unit_admin', unit: '湖南省' },
      'email',
      'Enter a valid email address.',
    ],
    [{ email: 'x@example.org', role: 'unit_admin', unit: '' }, 'unit', 'A unit admin needs a unit'],
    [
      { email: 'x@example.org', role: 'owner', unit: '湖南省' },
      'unit',
      'An owner covers the whole roster',
    ],
    [{ email: 'x@example.org', role: 'king', unit: '' }, 'role', 'Choose a role.'],
    [{ email: 'x@example.org', role: 'unit_admin', unit: 'a//b' }, 'unit', 'has an empty level'],
    [{ email: 'new.admin@example.org', role: 'owner', unit: '' }, 'email', 'already an admin'],
  ])('%j is refused with the message next to %s', async (fields, name, message) => {
    const before = await rows('SELECT email FROM admins')
    const response = await owner.submit('/admin/admins?lang=en', '/admin/admins?lang=en', fields)
    expect([409, 422]).toContain(response.status)
    const page = await response.text()
    expect(page).toMatch(new RegExp(`id="f-${name}-error">[^<]*${message.replace(/[.]/g, '\\.')}`))
    expect(page).toMatch(new RegExp(`id="f-${name}"[^>]*aria-invalid="true"`))
    expect(await rows('SELECT email FROM admins')).toEqual(before)
  })

  it('messages are in Chinese for Chinese readers', async () => {
    const response = await owner.submit('/admin/admins', '/admin/admins', {
      email: 'bad',
      role: 'unit_admin',
      unit: '',
    })
    expect(await response.text()).toContain('请输入有效的邮箱地址。')
  })

  it('an owner removes an admin, who is then refused', async () => {
    await addAdmin('leaving@example.org', 'unit_admin', '湖南省')
    const [row] = await rows<{ id: number }>(
      "SELECT id FROM admins WHERE email = 'leaving@example.org'",
    )
    const response = await owner.submit('/admin/admins', `/admin/admins/${row!.id}/remove`, {})
    expect(response.status).toBe(303)
    expect(await rows("SELECT 1 FROM admins WHERE email = 'leaving@example.org'")).toEqual([])
    expect((await (await accessBrowser('leaving@example.org')).get('/admin')).status).toBe(403)
    expect(
      await rows(
        "SELECT 1 FROM audit_log WHERE action = 'admin.remove' AND target = 'leaving@example.org'",
      ),
    ).toHaveLength(1)
  })

  it('an owner cannot remove themselves', async () => {
    await addAdmin('self@example.org', 'owner', null)
    const self = await accessBrowser('self@example.org')
    const [row] = await rows<{ id: number }>(
      "SELECT id FROM admins WHERE email = 'self@example.org'",
    )
    const response = await self.submit('/admin/admins', `/admin/admins/${row!.id}/remove`, {})
    expect(response.status).toBe(409)
  })

  it('a unit admin cannot see or change admins: 403', async () => {
    expect((await gz.get('/admin/admins')).status).toBe(403)
    const home = await text(gz.get('/admin'))
    const response = await gz.post('/admin/admins', {
      _csrf: csrfOf(home, '/admin/logout'),
      email: 'mine@example.org',
      role: 'owner',
      unit: '',
    })
    expect(response.status).toBe(403)
    expect(await rows("SELECT 1 FROM admins WHERE email = 'mine@example.org'")).toEqual([])
  })
})

describe('tokens page', () => {
  it('creates a token and shows it once, with a copy button for the script', async () => {
    const response = await owner.submit('/admin/tokens?lang=en', '/admin/tokens', {
      label: 'console made',
      access: 'write',
      unit: '广东省/广州市',
    })
    expect(response.status).toBe(200)
    const page = await response.text()
    const token = /data-copy[^>]*>(rlt_[A-Za-z0-9_-]{43})</.exec(page)?.[1]
    expect(token).toBeTruthy()
    expect(response.headers.get('Cache-Control')).toBe('no-store')
    const list = await text(owner.get('/admin/tokens?lang=en'))
    expect(list).toContain('console made')
    expect(list).not.toContain(token)
  })

  it('a field left empty gets its message beside it', async () => {
    const response = await owner.submit('/admin/tokens?lang=en', '/admin/tokens?lang=en', {
      label: '',
      access: 'read',
      unit: '',
    })
    expect(response.status).toBe(422)
    expect(await response.text()).toMatch(/id="f-label-error">Required\./)
  })

  it("a unit admin lists only their subtree's tokens, and cannot make one outside it", async () => {
    const list = await text(gz.get('/admin/tokens?lang=en'))
    expect(list).toContain('console made')
    await owner.submit('/admin/tokens', '/admin/tokens', {
      label: 'hunan only',
      access: 'read',
      unit: '湖南省',
    })
    expect(await text(gz.get('/admin/tokens'))).not.toContain('hunan only')
    const response = await gz.submit('/admin/tokens?lang=en', '/admin/tokens?lang=en', {
      label: 'reach out',
      access: 'read',
      unit: '广东省/深圳市',
    })
    expect(response.status).toBe(403)
    expect(await response.text()).toMatch(/id="f-unit-error">[^<]*outside/)
    expect(await rows("SELECT 1 FROM api_tokens WHERE label = 'reach out'")).toEqual([])
  })

  it('an empty unit means the reader’s own subtree', async () => {
    await gz.submit('/admin/tokens', '/admin/tokens', {
      label: 'gz default',
      access: 'read',
      unit: '',
    })
    expect(await rows("SELECT unit FROM api_tokens WHERE label = 'gz default'")).toEqual([
      { unit: '广东省/广州市' },
    ])
  })

  it('revokes from the list', async () => {
    const [row] = await rows<{ id: string }>(
      "SELECT id FROM api_tokens WHERE label = 'console made'",
    )
    const response = await owner.submit('/admin/tokens', `/admin/tokens/${row!.id}/revoke`, {})
    expect(response.status).toBe(303)
    expect(await text(owner.get('/admin/tokens?done=revoked&lang=en'))).toContain(
      'The token was revoked.',
    )
    expect(
      (
        await rows<{ revoked_by: string }>(
          'SELECT revoked_by FROM api_tokens WHERE id = ?',
          row!.id,
        )
      )[0]!.revoked_by,
    ).toBe('ADMIN_TOKEN')
  })

  it('a unit admin cannot revoke a token outside their subtree: 403', async () => {
    const [row] = await rows<{ id: string }>("SELECT id FROM api_tokens WHERE label = 'hunan only'")
    const home = await text(gz.get('/admin'))
    const response = await gz.post(`/admin/tokens/${row!.id}/revoke`, {
      _csrf: csrfOf(home, '/admin/logout'),
    })
    expect(response.status).toBe(403)
    expect(
      (
        await rows<{ revoked_at: null }>('SELECT revoked_at FROM api_tokens WHERE id = ?', row!.id)
      )[0]!.revoked_at,
    ).toBeNull()
  })
})

describe('audit log page', () => {
  it('lists changes newest first and filters by action', async () => {
    const page = await text(owner.get('/admin/audit?lang=en&action=token.create'))
    expect(page).toContain('created an API token')
    expect(page).not.toContain('added an admin<br>')
  })

  it('a unit admin sees only entries of their subtree', async () => {
    const page = await text(gz.get('/admin/audit?lang=en'))
    expect(page).toContain('广东省/广州市')
    expect(page).not.toContain('湖南省')
  })

  it('a unit admin asking for another subtree gets 403 with the message at the field', async () => {
    const response = await gz.get(`/admin/audit?lang=en&unit=${encodeURIComponent('湖南省')}`)
    expect(response.status).toBe(403)
    expect(await response.text()).toMatch(/id="f-unit-error">/)
  })

  it('a malformed date is 400 with its message', async () => {
    const response = await owner.get('/admin/audit?lang=en&from=2026-13-01')
    expect(response.status).toBe(400)
    expect(await response.text()).toMatch(/id="f-from-error">[^<]*YYYY-MM-DD/)
  })

  it('pages with a cursor', async () => {
    for (let i = 0; i < 3; i++)
      await owner.submit('/admin/tokens', '/admin/tokens', {
        label: `page ${i}`,
        access: 'read',
        unit: '',
      })
    const { auditPage } = await import('../src/admin/audit')
    const { database } = await import('../src/db/client')
    const { ownerToken } = await import('../src/admin/actor')
    const { env } = await import('cloudflare:test')
    const first = await auditPage(database(env.DB), ownerToken, { limit: 2 })
    expect(first.rows).toHaveLength(2)
    const second = await auditPage(database(env.DB), ownerToken, { limit: 2, before: first.next! })
    expect(second.rows[0]!.id).toBeLessThan(first.rows[1]!.id)
    const page = await text(owner.get(`/admin/audit?lang=en&before=${first.next}`))
    expect(page).toContain('Back to the first page')
  })

  it('exports CSV with the same filters, inside the reader’s subtree', async () => {
    const response = await gz.get('/admin/audit.csv?action=token.create')
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toMatch(/text\/csv/)
    const bytes = new Uint8Array(await response.arrayBuffer())
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const lines = new TextDecoder().decode(bytes.slice(3)).trim().split('\r\n')
    expect(lines[0]).toBe('id,at,actor_kind,actor,action,unit,target,counts,request_id')
    expect(lines.length).toBeGreaterThan(1)
    expect(
      lines.slice(1).every((l) => l.includes('token.create') && l.includes('广东省/广州市')),
    ).toBe(true)
  })
})

describe('dates', () => {
  it.each([
    ['2026-02-28', true],
    ['2024-02-29', true],
    ['2026-02-29', false],
    ['2026-04-31', false],
    ['2026-13-01', false],
    ['2026-00-10', false],
    ['2026-01-32', false],
    ['2026-1-1', false],
  ])('%s is a date: %s (never a thrown RangeError)', async (text, ok) => {
    const { isDate } = await import('../src/acknowledgements/links')
    expect(isDate(text)).toBe(ok)
  })
})
