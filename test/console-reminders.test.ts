/** The console's reminder pages: channels, contacts, the plan, running it and seeing the delivery. */
import { describe, expect, it } from 'vitest'
import { reminderDay } from '../src/reminders/plan'
import { createLinks, importRoster, NOTICE, rows } from './ack-helpers'
import { accessBrowser, addAdmin, signedInBrowser } from './console-helpers'
import { RECEIVER, register, until } from './reminder-helpers'

const UNIT = '控制台省/某县'

describe('console: channels and reminders', () => {
  it('sets a channel, runs the reminders and shows the delivery as sent', async () => {
    await register('/console/hook', 'wecom')
    expect((await importRoster(`external_id,name,unit\nCN-1,冯一,${UNIT}\n`)).status).toBe(200)
    await createLinks({
      unit: UNIT,
      dueDate: reminderDay(new Date(), 'Asia/Shanghai'),
      expiresInDays: 30,
    })
    const browser = await signedInBrowser()
    const set = await browser.submit('/admin/channels?lang=en', '/admin/channels', {
      unit: UNIT,
      purpose: 'group',
      type: 'wecom',
      url: `${RECEIVER}/console/hook?key=console-secret-key`,
      secret: '',
      privacy: 'names',
    })
    expect(set.status).toBe(303)
    const channels = await (await browser.get('/admin/channels?lang=en&done=set')).text()
    expect(channels).toContain('The channel was saved.')
    expect(channels).toContain(`${RECEIVER}/…-key`)
    expect(channels).not.toContain('console-secret-key')

    const page = await (await browser.get(`/admin/reminders?lang=en&rollout=${NOTICE}@2`)).text()
    expect(page).toContain('Reminder plan')
    const ran = await browser.submit(
      `/admin/reminders?lang=en&rollout=${NOTICE}@2`,
      `/admin/reminders/${encodeURIComponent(`${NOTICE}@2`)}/run`,
      {},
    )
    expect(ran.status).toBe(303)
    expect(ran.headers.get('Location')).toMatch(/enqueued=\d+/)
    await until('the delivery', async () => {
      const d = await rows<{ status: string }>(
        "SELECT status FROM reminder_deliveries WHERE unit = ? AND status = 'sent'",
        UNIT,
      )
      return d.length > 0
    })
    const after = await (await browser.get(`/admin/reminders?lang=en&rollout=${NOTICE}@2`)).text()
    expect(after).toContain(UNIT)
    expect(after).toContain('delivery-sent')
    const [audit] = await rows<{ action: string }>(
      "SELECT action FROM audit_log WHERE action = 'reminders.run'",
    )
    expect(audit).toBeTruthy()
  })

  it('a bad webhook URL is refused next to its field, and the secret is not typed back', async () => {
    const browser = await signedInBrowser()
    const r = await browser.submit('/admin/channels?lang=en', '/admin/channels?lang=en', {
      unit: UNIT,
      purpose: 'group',
      type: 'dingtalk',
      url: 'https://example.org/robot/send?access_token=zzz',
      secret: 'SECtyped-secret',
      privacy: 'counts',
    })
    expect(r.status).toBe(422)
    const page = await r.text()
    expect(page).toMatch(/id="f-url-error"[^>]*>[^<]*oapi\.dingtalk\.com/)
    expect(page).not.toContain('SECtyped-secret')
  })

  it('the plan form validates each field', async () => {
    const browser = await signedInBrowser()
    const r = await browser.submit(
      `/admin/reminders?lang=en&rollout=${NOTICE}@2`,
      `/admin/reminders/${encodeURIComponent(`${NOTICE}@2`)}?lang=en`,
      {
        enabled: 'on',
        dueDate: '',
        beforeDays: '99',
        onDueDate: 'yes',
        repeatDays: '2',
        escalateAfterDays: '7',
      },
    )
    expect(r.status).toBe(422)
    expect(await r.text()).toMatch(/id="f-beforeDays-error"[^>]*>0 to 30 days/)
  })

  it('a unit admin sets the contact of their own unit, not another’s', async () => {
    await addAdmin('county@example.org', 'unit_admin', UNIT)
    const browser = await accessBrowser('county@example.org')
    const mine = await browser.submit('/admin/channels?lang=en', '/admin/channels/contacts', {
      unit: `${UNIT}/乡镇`,
      contact: '县纪委 0000',
    })
    expect(mine.status).toBe(303)
    const other = await browser.submit('/admin/channels?lang=en', '/admin/channels/contacts', {
      unit: '控制台省/别县',
      contact: 'x',
    })
    expect(other.status).toBe(403)
    expect(await rows("SELECT unit FROM unit_settings WHERE unit = '控制台省/别县'")).toHaveLength(
      0,
    )
  })
})
