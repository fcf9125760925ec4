/** Roster upload with a dry run first, in the console and over the API. */
import { beforeAll, describe, expect, it } from 'vitest'
import { base64url, utf8 } from '../src/acknowledgements/bytes'
import { admin, call, importRoster, rows } from './ack-helpers'
import { accessBrowser, addAdmin, Browser, csrfOf, signedInBrowser } from './console-helpers'

let owner: Browser
let gz: Browser

const BASE = [
  'external_id,name,unit',
  'RS-1,甲一,试点省/甲市/一局',
  'RS-2,甲二,试点省/甲市/一局',
  'RS-3,甲三,试点省/甲市/二局',
  'RS-4,乙一,试点省/乙市',
].join('\n')

beforeAll(async () => {
  owner = await signedInBrowser()
  await addAdmin('roster-jia@example.org', 'unit_admin', '试点省/甲市')
  gz = await accessBrowser('roster-jia@example.org')
  expect((await importRoster(BASE)).status).toBe(200)
  // RS-3 leaves, so the next upload reactivates them.
  expect(
    (
      await importRoster(
        'external_id,name,unit\nRS-1,甲一,试点省/甲市/一局\nRS-2,甲二,试点省/甲市/一局',
        '?mode=full&unit=试点省/甲市',
      )
    ).status,
  ).toBe(200)
})

const snapshot = () => rows('SELECT external_id, name, unit, active FROM officials ORDER BY id')
const imports = () => rows('SELECT id FROM roster_imports')

async function upload(browser: Browser, fields: Record<string, string>, file?: string) {
  const page = await (await browser.get('/admin/roster?lang=en')).text()
  const body = new FormData()
  body.set('_csrf', csrfOf(page, '/admin/roster'))
  for (const [k, v] of Object.entries(fields)) body.set(k, v)
  if (file !== undefined) body.set('file', new File([file], 'roster.csv', { type: 'text/csv' }))
  return browser.remember(
    await call('/admin/roster?lang=en', {
      method: 'POST',
      headers: { Origin: 'http://localhost', Cookie: browser.header(), ...browser.headers },
      body,
    }),
  )
}

const hidden = (page: string, name: string) =>
  new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? ''

describe('the dry run', () => {
  const next = [
    'external_id,name,unit',
    'RS-1,甲一,试点省/甲市/一局', // unchanged
    'RS-2,甲二改,试点省/甲市/一局', // name changed
    'RS-3,甲三,试点省/甲市/二局', // reactivated
    'RS-5,甲五,试点省/甲市/二局', // added
  ].join('\n')

  it('shows what would change and writes nothing; the confirmation writes exactly that', async () => {
    const before = await snapshot()
    const importsBefore = await imports()
    const response = await upload(owner, { mode: 'full', unit: '试点省/甲市' }, next)
    expect(response.status).toBe(200)
    const page = await response.text()
    expect(page).toContain(
      '4 good rows: 1 to add, 1 to change, 1 to reactivate, 1 unchanged, 0 to deactivate; 0 bad lines.',
    )
    expect(page).toMatch(/To change \(1\)[\s\S]*RS-2[\s\S]*甲二改[\s\S]*甲二 · 试点省\/甲市\/一局/)
    expect(await snapshot()).toEqual(before)
    expect(await imports()).toEqual(importsBefore)

    const confirm = await owner.post('/admin/roster/confirm?lang=en', {
      _csrf: csrfOf(page, '/admin/roster/confirm'),
      body: hidden(page, 'body'),
      format: hidden(page, 'format'),
      mode: hidden(page, 'mode'),
      unit: hidden(page, 'unit'),
      plan: hidden(page, 'plan'),
    })
    expect(confirm.status).toBe(200)
    expect(await confirm.text()).toContain(
      '1 added, 1 changed, 1 reactivated, 0 deactivated, 1 unchanged.',
    )
    const after = await rows<{ external_id: string; name: string; active: number }>(
      "SELECT external_id, name, active FROM officials WHERE external_id LIKE 'RS-%' ORDER BY external_id",
    )
    expect(after).toEqual([
      { external_id: 'RS-1', name: '甲一', active: 1 },
      { external_id: 'RS-2', name: '甲二改', active: 1 },
      { external_id: 'RS-3', name: '甲三', active: 1 },
      { external_id: 'RS-4', name: '乙一', active: 1 },
      { external_id: 'RS-5', name: '甲五', active: 1 },
    ])
    const [entry] = await rows<{ counts: string }>(
      "SELECT counts FROM audit_log WHERE action = 'roster.import' ORDER BY id DESC LIMIT 1",
    )
    expect(JSON.parse(entry!.counts)).toMatchObject({ created: 1, updated: 1, reactivated: 1 })
  })

  it('refuses a confirmation whose upload was altered, and shows the new dry run', async () => {
    const page = await (
      await upload(owner, { mode: 'merge', unit: '' }, 'external_id,name,unit\nRS-6,丙,试点省/丙市')
    ).text()
    const before = await snapshot()
    const altered = base64url(utf8('external_id,name,unit\nRS-6,丁,试点省/丙市'))
    const confirm = await owner.post('/admin/roster/confirm?lang=en', {
      _csrf: csrfOf(page, '/admin/roster/confirm'),
      body: altered,
      format: 'csv',
      mode: 'merge',
      unit: '',
      plan: hidden(page, 'plan'),
    })
    expect(confirm.status).toBe(409)
    expect(await confirm.text()).toContain('changed since the dry run')
    expect(await snapshot()).toEqual(before)
  })

  it('refuses a confirmation when the roster moved after the dry run', async () => {
    const page = await (
      await upload(owner, { mode: 'merge', unit: '' }, 'external_id,name,unit\nRS-7,戊,试点省/丙市')
    ).text()
    expect((await importRoster('external_id,name,unit\nRS-7,戊,试点省/丙市')).status).toBe(200)
    const confirm = await owner.post('/admin/roster/confirm?lang=en', {
      _csrf: csrfOf(page, '/admin/roster/confirm'),
      body: hidden(page, 'body'),
      format: 'csv',
      mode: 'merge',
      unit: '',
      plan: hidden(page, 'plan'),
    })
    expect(confirm.status).toBe(409)
    expect(await confirm.text()).toContain('The roster needs no change.')
  })

  it('lists each bad line with its number and reason, and offers no confirmation', async () => {
    const bad = [
      'external_id,name,unit',
      'RS-8,好,试点省/甲市',
      ',无编号,试点省/甲市',
      'RS-9,,试点省/甲市',
      'RS-8,重复,试点省/甲市',
      'RS-10,层级,试点省//甲市',
    ].join('\n')
    const response = await upload(owner, { mode: 'merge', unit: '' }, bad)
    expect(response.status).toBe(422)
    const page = await response.text()
    expect(page).toContain('4 bad lines')
    for (const [line, reason] of [
      [3, 'external id is empty'],
      [4, 'name is empty'],
      [5, 'also appears on line 2'],
      [6, 'has an empty level'],
    ] as const)
      expect(page).toMatch(new RegExp(`<td class="num">${line}</td><td>[^<]*${reason}`))
    expect(page).not.toContain('action="/admin/roster/confirm')
  })

  it('asks for a file next to the file field', async () => {
    const response = await upload(owner, { mode: 'merge', unit: '' })
    expect(response.status).toBe(422)
    expect(await response.text()).toMatch(
      /id="f-file"[^>]*aria-invalid="true"[\s\S]*id="f-file-error">Choose a file/,
    )
  })

  it("a unit admin's upload reaching outside their unit is 403 with the reason beside the unit", async () => {
    const before = await snapshot()
    const response = await upload(
      gz,
      { mode: 'merge', unit: '试点省' },
      'external_id,name,unit\nRS-11,己,试点省/乙市',
    )
    expect(response.status).toBe(403)
    expect(await response.text()).toMatch(/id="f-unit-error">[^<]*outside/)
    expect(await snapshot()).toEqual(before)
  })

  it("a unit admin's dry run lists a row of another unit as a bad line", async () => {
    const response = await upload(
      gz,
      { mode: 'merge', unit: '' },
      'external_id,name,unit\nRS-4,乙一,试点省/甲市\nRS-12,庚,试点省/乙市',
    )
    expect(response.status).toBe(422)
    const page = await response.text()
    expect(page).toMatch(
      /<td class="num">2<\/td><td>[^<]*on the roster in unit &quot;试点省\/乙市&quot;/,
    )
    expect(page).toMatch(/<td class="num">3<\/td><td>[^<]*outside this import/)
  })
})

describe('the API', () => {
  it('?dryRun=1 answers the preview and writes nothing; ?plan= imports exactly it', async () => {
    const before = await snapshot()
    const csv = 'external_id,name,unit\nRS-20,辛,试点省/辛市\nRS-1,甲一,试点省/甲市/一局'
    const dry = await importRoster(csv, '?dryRun=1')
    expect(dry.status).toBe(200)
    const preview = (await dry.json()) as {
      plan: string
      counts: Record<string, number>
      valid: boolean
      added: { externalId: string; line: number }[]
    }
    expect(preview).toMatchObject({
      valid: true,
      counts: { added: 1, changed: 0, unchanged: 1, problems: 0 },
    })
    expect(preview.added).toEqual([
      { line: 2, externalId: 'RS-20', name: '辛', unit: '试点省/辛市' },
    ])
    expect(await snapshot()).toEqual(before)
    const stale = await importRoster(`${csv}\nRS-21,壬,试点省/辛市`, `?plan=${preview.plan}`)
    expect(stale.status).toBe(409)
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe(
      'roster_plan_changed',
    )
    expect(await snapshot()).toEqual(before)
    const done = await importRoster(csv, `?plan=${preview.plan}`)
    expect(done.status).toBe(200)
    expect(await done.json()).toMatchObject({ created: 1, unchanged: 1 })
  })

  it('a malformed plan is 400', async () => {
    const response = await importRoster('external_id,name,unit\nRS-30,癸,试点省', '?plan=abc')
    expect(response.status).toBe(400)
  })

  it('documents the dry run in OpenAPI', async () => {
    const doc = (await (await call('/api/openapi.json')).json()) as {
      paths: Record<string, { post?: { parameters?: { name: string }[] } }>
      components: { schemas: Record<string, unknown> }
    }
    const names = doc.paths['/api/admin/roster']!.post!.parameters!.map((p) => p.name)
    expect(names).toEqual(expect.arrayContaining(['dryRun', 'plan']))
    expect(doc.components.schemas.RosterPreview).toBeDefined()
  })

  it('a read token cannot dry-run (it could not import)', async () => {
    const made = await call('/api/admin/tokens', {
      method: 'POST',
      headers: admin({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({ unit: '试点省', access: 'read', label: 'ro' }),
    })
    const { token } = (await made.json()) as { token: string }
    const response = await call('/api/admin/roster?dryRun=1', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv' },
      body: 'external_id,name,unit\nRS-40,子,试点省',
    })
    expect(response.status).toBe(403)
  })
})
