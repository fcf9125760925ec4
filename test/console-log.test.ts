/** /admin/records and /admin/verification: read-only views, the audit in chunks, signing a checkpoint. */
import { env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { acknowledge, createLinks, importRoster, pathOf, rows } from './ack-helpers'
import { accessBrowser, addAdmin, Browser, signedInBrowser } from './console-helpers'

let owner: Browser
let jia: Browser

beforeAll(async () => {
  owner = await signedInBrowser()
  await addAdmin('log-jia@example.org', 'unit_admin', '记录省/甲市')
  jia = await accessBrowser('log-jia@example.org')
  const csv = 'external_id,name,unit\nLG-1,吴一,记录省/甲市\nLG-2,吴二,记录省/乙市'
  expect((await importRoster(csv)).status).toBe(200)
  const { links } = await createLinks({ unit: '记录省' })
  for (const link of links)
    expect((await acknowledge(pathOf(link.url), link.name)).status).toBe(303)
})

describe('records', () => {
  it('lists the records of a version in log order; a unit admin sees only their subtree', async () => {
    const page = await (await owner.get('/admin/records?version=wechat-red-lines@2&lang=en')).text()
    expect(page).toContain('LG-1')
    expect(page).toContain('LG-2')
    const theirs = await (await jia.get('/admin/records?version=wechat-red-lines@2&lang=en')).text()
    expect(theirs).toContain('LG-1')
    expect(theirs).not.toContain('LG-2')
    expect((await jia.get('/admin/records?unit=记录省/乙市&lang=en')).status).toBe(403)
  })

  it('exports CSV inside the scope', async () => {
    const csv = await (await jia.get('/admin/records.csv?version=wechat-red-lines@2')).text()
    expect(csv).toContain('LG-1')
    expect(csv).not.toContain('LG-2')
  })
})

describe('verification', () => {
  it('runs a chunk of the audit (clean) and signs a checkpoint, audited', async () => {
    const audit = await (await owner.get('/admin/verification?run=1&lang=en')).text()
    expect(audit).toMatch(/id="audit-result">\s*<p>No problem found\./)
    const signed = await owner.submit(
      '/admin/verification?lang=en',
      '/admin/verification/checkpoint?lang=en',
      {},
    )
    expect(signed.status).toBe(200)
    const [{ n }] = (await rows<{ n: number }>('SELECT count(*) AS n FROM acknowledgements')) as [
      { n: number },
    ]
    expect(await signed.text()).toContain(`Signed a checkpoint over ${n} records`)
    expect(await rows("SELECT target FROM audit_log WHERE action = 'verify.checkpoint'")).toEqual([
      { target: String(n) },
    ])
    const again = await owner.submit(
      '/admin/verification?lang=en',
      '/admin/verification/checkpoint?lang=en',
      {},
    )
    expect(await again.text()).toContain('nothing was signed')
  })

  it('reports an altered record', async () => {
    await env.DB.prepare(
      "UPDATE acknowledgements SET typed_name = '假' WHERE external_id = 'LG-2'",
    ).run()
    const audit = await (await owner.get('/admin/verification?run=1&lang=en')).text()
    expect(audit).toMatch(/problems found/)
    expect(audit).toContain('<code>altered</code>')
  })

  it('is for readers of the whole log: a unit admin gets 403 and signs nothing', async () => {
    expect((await jia.get('/admin/verification?lang=en')).status).toBe(403)
    const page = await (await jia.get('/admin/officials?lang=en')).text()
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!
    const before = await rows('SELECT tree_size FROM ack_checkpoints')
    expect((await jia.post('/admin/verification/checkpoint', { _csrf: csrf })).status).toBe(403)
    expect(await rows('SELECT tree_size FROM ack_checkpoints')).toEqual(before)
  })
})
