/** The official's side: earlier acknowledgements on the personal link, and their unit's contact. */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { statementFor } from '../src/acknowledgements/policy'
import { recordAcknowledgement } from '../src/acknowledgements/record'
import { ackSecrets } from '../src/acknowledgements/secrets'
import { requireNotice } from '../src/content/resolve'
import { ownerToken } from '../src/admin/actor'
import { setOfficialActive } from '../src/admin/officials'
import { database } from '../src/db/client'
import { shardsOf } from '../src/db/shards'
import { findOfficialByExternalId } from '../src/db/officials'
import { admin, call, createLinks, importRoster, openForm, pathOf, post } from './ack-helpers'

const UNIT = '历史省/某市/某局'

async function contact(unit: string, value: string | null) {
  const r = await call('/api/admin/unit-contacts', {
    method: 'POST',
    headers: admin({ 'Content-Type': 'application/json' }),
    body: JSON.stringify({ unit, contact: value }),
  })
  expect(r.status).toBe(200)
}

describe('the personal link page', () => {
  it('lists what this official acknowledged before, each receipt through their own link only', async () => {
    expect(
      (await importRoster(`external_id,name,unit\nHI-1,周一,${UNIT}\nHI-2,吴二,${UNIT}\n`)).status,
    ).toBe(200)
    // Version 1 was acknowledged while it was in effect (links to it are refused now).
    const db = database(env.DB)
    const version1 = requireNotice('wechat-red-lines').versions[0]!
    const { record } = await recordAcknowledgement(db, (await ackSecrets(env)).receipt, {
      official: (await findOfficialByExternalId(db, 'HI-1'))!,
      version: version1,
      lang: 'zh',
      statement: statementFor(version1, 'zh'),
      typedName: '周一',
      requestId: crypto.randomUUID(),
      userAgent: 'test',
      ipHash: null,
      now: new Date('2026-01-15T02:00:00Z'),
    })
    const receiptId = record.receiptId

    const v2 = await createLinks({ unit: UNIT, expiresInDays: 30, officials: 'all' })
    const mine2 = pathOf(v2.links.find((l) => l.externalId === 'HI-1')!.url)
    const theirs2 = pathOf(v2.links.find((l) => l.externalId === 'HI-2')!.url)
    const page = await (await call(`${mine2}?lang=en`)).text()
    expect(page).toContain('What you have acknowledged before')
    expect(page).toContain(`${mine2}/receipts/${receiptId}.json`)
    const download = await call(`${mine2}/receipts/${receiptId}.json`)
    expect(download.status).toBe(200)
    expect(download.headers.get('Cache-Control')).toBe('no-store')
    expect(((await download.json()) as { receipt: { receiptId: string } }).receipt.receiptId).toBe(
      receiptId,
    )
    // Another official's link never reaches this receipt, nor does a made-up one.
    expect((await call(`${theirs2}/receipts/${receiptId}.json`)).status).toBe(404)
    expect((await call(`/a/not-a-token/receipts/${receiptId}.json`)).status).toBe(401)
    // Someone with nothing before sees no such section.
    expect(await (await call(`${theirs2}?lang=en`)).text()).not.toContain(
      'What you have acknowledged before',
    )
  })

  it('a name that does not match names the unit’s contact, inherited from a parent unit', async () => {
    expect((await importRoster(`external_id,name,unit\nHI-3,郑三,${UNIT}/科室\n`)).status).toBe(200)
    const { links } = await createLinks({ unit: `${UNIT}/科室`, expiresInDays: 30 })
    const path = pathOf(links[0]!.url)
    await contact('历史省/某市', '某市纪委 电话 020-1234 5678')
    const form = await openForm(path)
    const wrong = await post(path, {
      csrf: form.csrf,
      lang: form.lang,
      text: form.text,
      statement: 'agree',
      name: '别人',
    })
    expect(wrong.status).toBe(422)
    const page = await wrong.text()
    expect(page).toContain('某市纪委 电话 020-1234 5678')
    // A nearer unit's contact wins; clearing it falls back to the parent's.
    const mismatch = async () =>
      (
        await post(path, {
          csrf: form.csrf,
          lang: form.lang,
          text: form.text,
          statement: 'agree',
          name: '别人',
        })
      ).text()
    await contact(`${UNIT}`, '某局办公室')
    expect(await mismatch()).toContain('某局办公室')
    await contact(`${UNIT}`, null)
    expect(await mismatch()).toContain('某市纪委')
  })
  it('a link that can no longer be used names its unit’s contact, not only the organisation’s', async () => {
    const unit = `${UNIT}/离任科`
    expect((await importRoster(`external_id,name,unit\nHI-4,冯四,${unit}\n`)).status).toBe(200)
    const { links } = await createLinks({ unit, expiresInDays: 30 })
    const path = pathOf(links[0]!.url)
    await contact(unit, '离任科 王老师 电话 020-8765 4321')
    const store = shardsOf(env)
    const official = (await findOfficialByExternalId(database(env.DB), 'HI-4'))!
    const by = { actor: ownerToken, requestId: crypto.randomUUID(), now: new Date() }
    await setOfficialActive(store, by, { shard: 0, id: official.id }, false)
    const refused = await call(`${path}?lang=zh`)
    expect(refused.status).toBe(403)
    const page = await refused.text()
    expect(page).toContain('如有疑问，请联系：离任科 王老师 电话 020-8765 4321')
    expect(page).not.toContain(`如有疑问，请联系：${env.ORG_CONTACT}`)
  })
})
