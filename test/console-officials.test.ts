/** /admin/officials: search, paging, edit, deactivate, reactivate; scoped and audited. */
import { beforeAll, describe, expect, it } from 'vitest'
import { importRoster, rows } from './ack-helpers'
import { accessBrowser, addAdmin, Browser, signedInBrowser } from './console-helpers'

let owner: Browser
let jia: Browser

const people = Array.from(
  { length: 60 },
  (_, i) =>
    `OF-${String(i + 1).padStart(3, '0')},王${i + 1},官员省/甲市/${i % 2 ? '一局' : '二局'}`,
)

beforeAll(async () => {
  owner = await signedInBrowser()
  await addAdmin('officials-jia@example.org', 'unit_admin', '官员省/甲市')
  jia = await accessBrowser('officials-jia@example.org')
  const csv = [
    'external_id,name,unit',
    ...people,
    'OF-900,李四,官员省/乙市',
    'OF-901,王五,官员省/乙市',
  ].join('\n')
  expect((await importRoster(csv)).status).toBe(200)
})

const idOf = async (externalId: string) =>
  (await rows<{ id: number }>('SELECT id FROM officials WHERE external_id = ?', externalId))[0]!.id
const text = async (r: Response | Promise<Response>) => (await r).text()

describe('the list', () => {
  it('pages through a unit 50 at a time, in unit order', async () => {
    const first = await text(owner.get('/admin/officials?unit=官员省/甲市&lang=en'))
    expect(first.match(/<code>OF-\d+<\/code>/g)).toHaveLength(50)
    const next = /href="([^"]+)" rel="next"/.exec(first)![1]!.replace(/&amp;/g, '&')
    const second = await text(owner.get(next))
    expect(second.match(/<code>OF-\d+<\/code>/g)).toHaveLength(10)
    expect(second).not.toContain('rel="next"')
  })

  it.each([
    ['OF-900', ['OF-900']],
    [
      '王5',
      [
        'OF-005',
        'OF-050',
        'OF-051',
        'OF-052',
        'OF-053',
        'OF-054',
        'OF-055',
        'OF-056',
        'OF-057',
        'OF-058',
        'OF-059',
      ],
    ],
    ['李', ['OF-900']],
  ])('finds %s', async (q, ids) => {
    const page = await text(owner.get(`/admin/officials?q=${encodeURIComponent(q)}&lang=en`))
    expect([...page.matchAll(/<code>(OF-\d+)<\/code>/g)].map((m) => m[1]).sort()).toEqual(
      ids.sort(),
    )
  })

  it("keeps a unit admin's search inside their unit", async () => {
    const page = await text(jia.get(`/admin/officials?q=${encodeURIComponent('王5')}&lang=en`))
    expect(page).not.toContain('OF-901')
    expect(page).toContain('OF-005')
    const outside = await jia.get('/admin/officials?unit=官员省/乙市&lang=en')
    expect(outside.status).toBe(400)
    expect(await outside.text()).toMatch(/id="f-unit-error">[^<]*outside/)
  })
})

describe('one official', () => {
  it('edits the name and unit at once, audited', async () => {
    const id = await idOf('OF-001')
    const response = await owner.submit(
      `/admin/officials/${id}?lang=en`,
      `/admin/officials/${id}`,
      {
        name: ' 王一改 ',
        unit: '官员省 / 甲市 / 一局',
      },
    )
    expect(response.status).toBe(303)
    expect(await rows('SELECT name, unit FROM officials WHERE id = ?', id)).toEqual([
      { name: '王一改', unit: '官员省/甲市/一局' },
    ])
    expect(await text(owner.get(`/admin/officials/${id}?done=edited&lang=en`))).toContain('Saved.')
    expect(
      await rows(
        "SELECT actor, unit, target FROM audit_log WHERE action = 'official.edit' AND target = 'OF-001'",
      ),
    ).toEqual([{ actor: 'ADMIN_TOKEN', unit: '官员省/甲市/一局', target: 'OF-001' }])
  })

  it.each([
    [{ name: '', unit: '官员省/甲市' }, 'name', 'Required.'],
    [{ name: 'x'.repeat(101), unit: '官员省/甲市' }, 'name', 'At most 100 characters.'],
    [{ name: '王', unit: '' }, 'unit', 'Required.'],
    [{ name: '王', unit: '官员省//甲市' }, 'unit', 'has an empty level'],
  ])('%j is refused next to %s and changes nothing', async (fields, name, message) => {
    const id = await idOf('OF-002')
    const before = await rows('SELECT * FROM officials WHERE id = ?', id)
    const response = await owner.submit(
      `/admin/officials/${id}?lang=en`,
      `/admin/officials/${id}?lang=en`,
      fields,
    )
    expect(response.status).toBe(422)
    const page = await response.text()
    expect(page).toMatch(new RegExp(`id="f-${name}"[^>]*aria-invalid="true"`))
    expect(page).toMatch(new RegExp(`id="f-${name}-error">[^<]*${message.replace(/[.]/g, '\\.')}`))
    expect(await rows('SELECT * FROM officials WHERE id = ?', id)).toEqual(before)
  })

  it('a unit admin cannot move someone out of their unit, nor open someone outside it', async () => {
    const id = await idOf('OF-003')
    const before = await rows('SELECT * FROM officials WHERE id = ?', id)
    const response = await jia.submit(
      `/admin/officials/${id}?lang=en`,
      `/admin/officials/${id}?lang=en`,
      {
        name: '王3',
        unit: '官员省/乙市',
      },
    )
    expect(response.status).toBe(403)
    expect(await response.text()).toMatch(/id="f-unit-error">[^<]*outside/)
    expect(await rows('SELECT * FROM officials WHERE id = ?', id)).toEqual(before)
    expect((await jia.get(`/admin/officials/${await idOf('OF-900')}?lang=en`)).status).toBe(403)
  })

  it('deactivates and reactivates, each audited; a unit admin cannot reach outside', async () => {
    const id = await idOf('OF-004')
    expect(
      (
        await owner.submit(
          `/admin/officials/${id}?lang=en`,
          `/admin/officials/${id}/deactivate`,
          {},
        )
      ).status,
    ).toBe(303)
    expect(await rows('SELECT active FROM officials WHERE id = ?', id)).toEqual([{ active: 0 }])
    const inactive = await text(owner.get('/admin/officials?status=inactive&q=OF-004&lang=en'))
    expect(inactive).toContain('OF-004')
    expect(
      (
        await owner.submit(
          `/admin/officials/${id}?lang=en`,
          `/admin/officials/${id}/reactivate`,
          {},
        )
      ).status,
    ).toBe(303)
    expect(await rows('SELECT active, deactivated_at FROM officials WHERE id = ?', id)).toEqual([
      { active: 1, deactivated_at: null },
    ])
    expect(
      (
        await rows<{ action: string }>(
          "SELECT action FROM audit_log WHERE target = 'OF-004' ORDER BY id",
        )
      ).map((r) => r.action),
    ).toEqual(['official.deactivate', 'official.reactivate'])
    const outside = await idOf('OF-900')
    const page = await text(jia.get('/admin/officials?lang=en'))
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!
    expect((await jia.post(`/admin/officials/${outside}/deactivate`, { _csrf: csrf })).status).toBe(
      403,
    )
    expect(await rows('SELECT active FROM officials WHERE id = ?', outside)).toEqual([
      { active: 1 },
    ])
  })

  it('an unknown official is 404', async () => {
    expect((await owner.get('/admin/officials/999999?lang=en')).status).toBe(404)
  })
})
