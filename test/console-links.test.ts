/** /admin/links: batches for a unit, their list, CSV and QR sheet; one person's new link. */
import { beforeAll, describe, expect, it } from 'vitest'
import { acknowledge, importRoster, pathOf, rows } from './ack-helpers'
import { accessBrowser, addAdmin, Browser, signedInBrowser } from './console-helpers'

let owner: Browser
let jia: Browser

beforeAll(async () => {
  owner = await signedInBrowser()
  await addAdmin('links-jia@example.org', 'unit_admin', '链接省/甲市')
  jia = await accessBrowser('links-jia@example.org')
  const csv = [
    'external_id,name,unit',
    'LK-1,赵一,链接省/甲市/一局',
    'LK-2,赵二,链接省/甲市/一局',
    'LK-3,赵三,链接省/甲市/二局',
    'LK-4,钱一,链接省/乙市',
  ].join('\n')
  expect((await importRoster(csv)).status).toBe(200)
})

async function makeBatch(browser: Browser, fields: Record<string, string>) {
  return browser.submit('/admin/links?lang=en', '/admin/links?lang=en', {
    version: 'wechat-red-lines@2',
    who: 'outstanding',
    dueDate: '',
    expiresInDays: '30',
    ...fields,
  })
}

describe('a batch of links', () => {
  let batchPath = ''

  it('is made for the outstanding of a unit, audited, and lists each person with their link', async () => {
    const response = await makeBatch(owner, { unit: '链接省/甲市', dueDate: '2026-12-31' })
    expect(response.status).toBe(303)
    batchPath = response.headers.get('Location')!
    expect(batchPath).toMatch(/^\/admin\/links\/batches\/[0-9a-f-]{36}\?lang=en$/)
    const page = await (await owner.get(batchPath)).text()
    expect(page.match(/value="http:\/\/localhost\/a\/[^"]+"/g)).toHaveLength(3)
    expect(page).toContain('赵三')
    expect(page).not.toContain('钱一')
    const [entry] = await rows<{ unit: string; counts: string }>(
      "SELECT unit, counts FROM audit_log WHERE action = 'links.create' ORDER BY id DESC LIMIT 1",
    )
    expect(entry).toEqual({ unit: '链接省/甲市', counts: '{"officials":3}' })
  })

  it('downloads as CSV (name, unit, URL) whose links work, and leaves out who has acknowledged since', async () => {
    const base = batchPath.split('?')[0]!
    const csv = await (await owner.get(`${base}/links.csv?lang=en`)).text()
    const lines = csv
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
    expect(lines[0]).toBe('name,unit,url,external_id')
    expect(lines).toHaveLength(4)
    const zhao1 = lines.find((l) => l.startsWith('赵一'))!.split(',')[2]!
    expect((await acknowledge(pathOf(zhao1), '赵一')).status).toBe(303)
    const after = await (await owner.get(`${base}/links.csv?lang=en`)).text()
    expect(after.trim().split('\r\n')).toHaveLength(3)
    // The same batch gives the same links.
    expect(after).toContain(lines.find((l) => l.startsWith('赵二'))!)
  })

  it('prints as a sheet of QR codes, one per official, as SVG', async () => {
    const base = batchPath.split('?')[0]!
    const response = await owner.get(`${base}/sheet?who=all&lang=en`)
    expect(response.status).toBe(200)
    const page = await response.text()
    expect(
      page.match(/<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 \d+ \d+"/g),
    ).toHaveLength(3)
    expect(page).toContain('<figcaption><strong>赵一</strong>')
  })

  it('refuses what is wrong next to its field and records nothing', async () => {
    const before = await rows('SELECT id FROM link_batches')
    for (const [fields, name] of [
      [{ unit: '链接省/甲市', dueDate: '2026-13-01' }, 'dueDate'],
      [{ unit: '链接省/甲市', expiresInDays: '0' }, 'expiresInDays'],
      [{ unit: '链接省//甲市' }, 'unit'],
      [{ unit: '无人省' }, 'unit'],
    ] as const) {
      const response = await makeBatch(owner, fields)
      expect(response.status, name).toBe(422)
      expect(await response.text()).toMatch(new RegExp(`id="f-${name}"[^>]*aria-invalid="true"`))
    }
    expect(await rows('SELECT id FROM link_batches')).toEqual(before)
  })

  it('a unit admin cannot make or open links outside their unit', async () => {
    const response = await makeBatch(jia, { unit: '链接省/乙市' })
    expect(response.status).toBe(403)
    expect(await response.text()).toMatch(/id="f-unit-error">[^<]*outside/)
    expect((await jia.get(batchPath)).status).toBe(200)
    const other = await makeBatch(owner, { unit: '链接省/乙市' })
    const otherPath = other.headers.get('Location')!
    expect((await jia.get(otherPath)).status).toBe(403)
    expect((await jia.get(`${otherPath.split('?')[0]}/links.csv`)).status).toBe(403)
    expect((await jia.get(`${otherPath.split('?')[0]}/sheet`)).status).toBe(403)
  })
})

describe('one person', () => {
  it('gets a new link from their page (a lost link), audited, with a QR code', async () => {
    const [{ id }] = (await rows<{ id: number }>(
      "SELECT id FROM officials WHERE external_id = 'LK-3'",
    )) as [{ id: number }]
    const response = await owner.submit(
      `/admin/officials/${id}?lang=en`,
      '/admin/links/one?lang=en',
      {
        official: String(id),
        version: 'wechat-red-lines@2',
      },
    )
    expect(response.status).toBe(200)
    const page = await response.text()
    const url = /<p class="secret" data-copy>([^<]+)<\/p>/.exec(page)![1]!
    expect(page).toContain('<svg xmlns')
    expect((await acknowledge(pathOf(url), '赵三')).status).toBe(303)
    expect(await rows("SELECT target FROM audit_log WHERE action = 'links.create_one'")).toEqual([
      { target: 'LK-3' },
    ])
  })

  it("is refused outside a unit admin's subtree", async () => {
    const [{ id }] = (await rows<{ id: number }>(
      "SELECT id FROM officials WHERE external_id = 'LK-4'",
    )) as [{ id: number }]
    const page = await (await jia.get('/admin/links?lang=en')).text()
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!
    const response = await jia.post('/admin/links/one?lang=en', {
      _csrf: csrf,
      official: String(id),
      version: 'wechat-red-lines@2',
    })
    expect(response.status).toBe(403)
  })
})
