/** The dashboard and the units tree: their numbers are the status API's, scoped, with SVG charts. */
import { beforeAll, describe, expect, it } from 'vitest'
import { acknowledge, admin, call, createLinks, importRoster, pathOf } from './ack-helpers'
import { accessBrowser, addAdmin, Browser, signedInBrowser } from './console-helpers'

let owner: Browser
let jia: Browser

beforeAll(async () => {
  owner = await signedInBrowser()
  await addAdmin('dash-jia@example.org', 'unit_admin', '看板省/甲市')
  jia = await accessBrowser('dash-jia@example.org')
  const csv = [
    'external_id,name,unit',
    'DB-1,孙一,看板省/甲市',
    'DB-2,孙二,看板省/甲市/一局',
    'DB-3,孙三,看板省/甲市/一局',
    'DB-4,孙四,看板省/甲市/二局',
    'DB-5,周一,看板省/乙市',
  ].join('\n')
  expect((await importRoster(csv)).status).toBe(200)
  const { links } = await createLinks({ unit: '看板省', dueDate: '2020-01-01' })
  for (const name of ['孙二', '周一']) {
    const link = links.find((l) => l.name === name)!
    expect((await acknowledge(pathOf(link.url), name)).status).toBe(303)
  }
})

type Counts = { roster: number; acknowledged: number; outstanding: number; overdue: number }
async function apiStatus(unit: string) {
  const response = await call(
    `/api/admin/status/wechat-red-lines/2?unit=${encodeURIComponent(unit)}`,
    { headers: admin() },
  )
  return (await response.json()) as { totals: Counts; units: (Counts & { unit: string })[] }
}

const totalsOf = (page: string) =>
  Object.fromEntries(
    [...page.matchAll(/data-count="(\w+)">(\d+)</g)].map((m) => [m[1], Number(m[2])]),
  )
const rowOf = (page: string, unit: string) => {
  const row = new RegExp(`<tr data-unit="${unit}">([\\s\\S]*?)</tr>`).exec(page)?.[1] ?? ''
  const [roster, acknowledged, outstanding, overdue] = [
    ...row.matchAll(/<td class="num">(\d+)<\/td>/g),
  ].map((m) => Number(m[1]))
  return { roster, acknowledged, outstanding, overdue }
}

describe('the dashboard', () => {
  it('shows the totals and each unit one level down exactly as the status API counts them', async () => {
    const page = await (
      await owner.get('/admin?version=wechat-red-lines@2&unit=看板省&lang=en')
    ).text()
    const api = await apiStatus('看板省')
    const pick = ({ roster, acknowledged, outstanding, overdue }: Counts) => ({
      roster,
      acknowledged,
      outstanding,
      overdue,
    })
    expect(totalsOf(page)).toEqual(pick(api.totals))
    expect(api.totals).toMatchObject({ roster: 5, acknowledged: 2, outstanding: 3, overdue: 3 })
    for (const unit of ['看板省/甲市', '看板省/乙市'])
      expect(rowOf(page, unit)).toEqual(pick(api.units.find((u) => u.unit === unit)!))
    expect(page).toContain('<svg class="meter"')
    expect(page).toMatch(
      /<svg class="chart"[^>]*aria-label="Acknowledgements per day, [^"]*, 2 in all"/,
    )
  })

  it('drills down a level, with the unit itself apart from its children', async () => {
    const page = await (
      await owner.get('/admin?version=wechat-red-lines@2&unit=看板省/甲市&lang=en')
    ).text()
    expect(rowOf(page, '看板省/甲市#itself')).toEqual({
      roster: 1,
      acknowledged: 0,
      outstanding: 1,
      overdue: 1,
    })
    expect(rowOf(page, '看板省/甲市/一局')).toEqual({
      roster: 2,
      acknowledged: 1,
      outstanding: 1,
      overdue: 1,
    })
    expect(page).toContain(
      'href="/admin?version=wechat-red-lines%402&amp;unit=%E7%9C%8B%E6%9D%BF%E7%9C%81&amp;lang=en"',
    )
  })

  it('defaults a unit admin to their subtree, and refuses another unit with 403', async () => {
    const page = await (await jia.get('/admin?lang=en')).text()
    expect(totalsOf(page)).toMatchObject({ roster: 4, acknowledged: 1 })
    const outside = await jia.get('/admin?unit=看板省/乙市&lang=en')
    expect(outside.status).toBe(403)
    expect(await outside.text()).toMatch(/id="f-unit-error">[^<]*outside/)
  })

  it('an unknown version is 404', async () => {
    expect((await owner.get('/admin?version=wechat-red-lines@99')).status).toBe(404)
  })
})

describe('the units tree', () => {
  it("lists every unit of the subtree with the status API's numbers", async () => {
    const page = await (
      await owner.get('/admin/units?version=wechat-red-lines@2&unit=看板省&lang=en')
    ).text()
    const api = await apiStatus('看板省')
    expect(api.units.map((u) => u.unit)).toEqual([
      '看板省',
      '看板省/乙市',
      '看板省/甲市',
      '看板省/甲市/一局',
      '看板省/甲市/二局',
    ])
    for (const u of api.units) {
      const { roster, acknowledged, outstanding, overdue } = u
      expect(rowOf(page, u.unit)).toEqual({ roster, acknowledged, outstanding, overdue })
    }
    expect(page).toContain('class="depth-3"')
  })

  it('is 403 for a unit admin outside their subtree', async () => {
    expect((await jia.get('/admin/units?unit=看板省&lang=en')).status).toBe(403)
  })
})
