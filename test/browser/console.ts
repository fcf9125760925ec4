import path from 'node:path'
import type { Page } from 'playwright-core'
import { startReceiver } from '../receiver/server'
import type { ScenarioContext } from './run'

const sampleRoster = path.resolve(import.meta.dirname, '../../samples/roster.csv')

/** Today for reminders as the Worker counts it (Asia/Shanghai, a day's reminders start at 09:00). */
const reminderToday = () =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(
    new Date(Date.now() - 9 * 3_600_000),
  )

/**
 * Reminders: a roster unit with links due today, a signed webhook channel set in the console
 * pointing at a receiver on this machine, "send now", and the delivery seen in the console.
 */
async function reminders(
  { baseUrl, adminToken, check }: ScenarioContext,
  wide: Page,
  shot: (p: Page, name: string) => Promise<void>,
) {
  const port = Number(process.env.BROWSER_RECEIVER_PORT ?? 8857)
  const receiver = await startReceiver(port)
  try {
    const unit = `浏览器省/县${Date.now() % 100000}`
    const H = { Authorization: `Bearer ${adminToken}` }
    await fetch(`${baseUrl}/api/admin/roster`, {
      method: 'POST',
      headers: { ...H, 'Content-Type': 'text/csv' },
      body: `external_id,name,unit\nBR-${unit}-1,陈一,${unit}\nBR-${unit}-2,林二,${unit}\n`,
    })
    await fetch(`${baseUrl}/api/admin/links?format=json`, {
      method: 'POST',
      headers: { ...H, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        notice: 'wechat-red-lines',
        version: 2,
        unit,
        dueDate: reminderToday(),
        expiresInDays: 30,
      }),
    })
    await fetch(`http://127.0.0.1:${port}/_register`, {
      method: 'POST',
      body: JSON.stringify({ path: '/browser-hook', type: 'webhook', secret: 'browser-secret' }),
    })
    await wide.goto(`${baseUrl}/admin/channels`)
    await wide.fill('input[name="unit"]', unit)
    await wide.selectOption('select[name="type"]', 'webhook')
    await wide.fill('input[name="url"]', `http://127.0.0.1:${port}/browser-hook`)
    await wide.fill('input[name="secret"]', 'browser-secret')
    await Promise.all([
      wide.waitForNavigation(),
      wide.click('.card form[action^="/admin/channels"] button[type="submit"]'),
    ])
    const listed = (await wide.locator('table').first().textContent()) ?? ''
    check(
      'the channel is listed, its URL masked',
      listed.includes(unit) && listed.includes('…'),
      listed.slice(0, 120),
    )
    await shot(wide, 'channels')

    await wide.goto(`${baseUrl}/admin/reminders?rollout=wechat-red-lines@2`)
    await Promise.all([wide.waitForNavigation(), wide.click('form[action*="/run"] button')])
    const deadline = Date.now() + 30_000
    while (!receiver.received.some((r) => r.path === '/browser-hook') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 250))
    const hit = receiver.received.find((r) => r.path === '/browser-hook')
    check(
      'the reminder reached the local webhook, signed',
      hit?.verified === true,
      hit ? String(hit.status) : 'nothing arrived',
    )
    check(
      'it names the outstanding officials and no personal link',
      !!hit && hit.body.includes('陈一') && !hit.body.includes('/a/'),
    )
    let sent = 0
    while (sent === 0 && Date.now() < deadline) {
      await wide.goto(`${baseUrl}/admin/reminders?rollout=wechat-red-lines@2`)
      sent = await wide.locator('.delivery-sent').count()
      if (!sent) await new Promise((r) => setTimeout(r, 500))
    }
    check('the console shows the delivery as sent', sent > 0, String(sent))
    await shot(wide, 'reminders')
  } finally {
    receiver.close()
  }
}

/**
 * An administrator signs in to the console with ADMIN_TOKEN, at a desktop size and on a phone,
 * makes an API token (shown once, with the copy button the console script adds), finds it in the
 * audit log, runs a rollout (the sample roster with a dry run first, then a unit of its own for
 * this run: links, a QR sheet, two officials acknowledging through their links, the dashboard
 * moving) and signs out; then the same pages on a phone.
 */
export async function consoleScenario({
  page,
  baseUrl,
  adminToken,
  screenshot,
  check,
}: ScenarioContext) {
  const desktop = await page
    .context()
    .browser()!
    .newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'zh-CN',
    })
  const wide = await desktop.newPage()
  const problems: string[] = []
  // A refused sign-in answers 401, which Chromium also logs; what matters is the CSP and scripts.
  for (const p of [wide, page]) {
    p.on('console', (message) => {
      if (message.type() === 'error' && !/status of 401/.test(message.text()))
        problems.push(message.text())
    })
    p.on('pageerror', (error) => problems.push(error.message))
  }

  const shot = (p: Page, name: string) =>
    screenshot(`${name}-${p === page ? '390x844' : '1280x800'}`, { of: p })

  const signIn = async (p: Page) => {
    await p.goto(`${baseUrl}/admin/tokens`)
    check('signed out, the console opens the sign-in page', /\/admin\/login/.test(p.url()), p.url())
    await shot(p, 'sign-in')
    await p.fill('input[name="token"]', 'wrong')
    await Promise.all([p.waitForNavigation(), p.click('form button[type="submit"]')])
    const error = (await p.locator('#f-token-error').textContent()) ?? ''
    check('a wrong token is refused next to the field', error.includes('令牌不对'), error)
    await p.fill('input[name="token"]', adminToken)
    await Promise.all([p.waitForNavigation(), p.click('form button[type="submit"]')])
    check('signing in returns to the page asked for', /\/admin\/tokens/.test(p.url()), p.url())
  }

  const counts = async (p: Page) =>
    Object.fromEntries(
      await p
        .locator('[data-count]')
        .evaluateAll((els) =>
          els.map((e) => [e.getAttribute('data-count'), Number(e.textContent)]),
        ),
    ) as Record<string, number>

  const rollout = async (p: Page) => {
    // The sample roster: a dry run first, which writes nothing, then the import if it has work.
    await p.goto(`${baseUrl}/admin/roster`)
    await p.setInputFiles('#f-file', sampleRoster)
    await Promise.all([p.waitForNavigation(), p.click('.card form button[type="submit"]')])
    const dry = (await p.locator('#preview-summary').textContent()) ?? ''
    check('the sample roster gets a dry run first', /共 12 行有效/.test(dry), dry)
    await shot(p, 'roster-dry-run')
    if (await p.locator('form[action^="/admin/roster/confirm"]').count()) {
      p.once('dialog', (d) => d.accept())
      await Promise.all([
        p.waitForNavigation(),
        p.click('form[action^="/admin/roster/confirm"] button'),
      ])
      check('the confirmed import lands', (await p.locator('#import-summary').count()) === 1)
    }

    // A unit of this run's own, so the numbers below start from nothing whatever ran before.
    const run = `浏览器/${Date.now()}`
    const ids = [1, 2, 3].map((n) => `BT-${Date.now()}-${n}`)
    const names = ['测试甲', '测试乙', '测试丙']
    await p.goto(`${baseUrl}/admin/roster`)
    await p.fill(
      '#f-text',
      ['external_id,name,unit', ...ids.map((id, i) => `${id},${names[i]},${run}`)].join('\n'),
    )
    await Promise.all([p.waitForNavigation(), p.click('.card form button[type="submit"]')])
    const preview = (await p.locator('#preview-summary').textContent()) ?? ''
    check('the dry run shows three to add', preview.includes('新增 3'), preview)
    p.once('dialog', (d) => d.accept())
    await Promise.all([
      p.waitForNavigation(),
      p.click('form[action^="/admin/roster/confirm"] button'),
    ])
    const imported = (await p.locator('#import-summary').textContent()) ?? ''
    check('the import writes what the dry run showed', imported.includes('新增 3'), imported)

    const dashboard = `${baseUrl}/admin?unit=${encodeURIComponent(run)}`
    await p.goto(dashboard)
    const before = await counts(p)
    check(
      'the dashboard starts at 0 of 3',
      before.roster === 3 && before.acknowledged === 0,
      JSON.stringify(before),
    )

    await p.goto(`${baseUrl}/admin/links?unit=${encodeURIComponent(run)}`)
    await p.fill('#f-dueDate', '2099-12-31')
    await Promise.all([p.waitForNavigation(), p.click('.card form button[type="submit"]')])
    const issued = await p.locator('tbody tr').evaluateAll((rows) =>
      rows.map((row) => ({
        name: row.querySelector('td:nth-child(2)')?.textContent ?? '',
        url: (row.querySelector('input[readonly]') as HTMLInputElement | null)?.value ?? '',
      })),
    )
    const urls = issued.map((i) => i.url)
    check(
      'links are made for the three, each with their link',
      urls.length === 3,
      String(urls.length),
    )
    await shot(p, 'links')
    await Promise.all([p.waitForNavigation(), p.click('a[href*="/sheet"]')])
    const codes = await p.locator('.sheet svg').count()
    check('the printable sheet has one QR code each', codes === 3, String(codes))
    await shot(p, 'qr-sheet')

    // Two officials acknowledge through their links, on a phone, as in the acknowledgement flow.
    const phone = await page.context().newPage()
    for (const { name, url } of issued.slice(0, 2)) {
      await phone.goto(url.replace(/^https?:\/\/[^/]+/, baseUrl))
      await phone.check('input[name="statement"]')
      await phone.fill('input[name="name"]', name)
      await Promise.all([phone.waitForNavigation(), phone.click('button[type="submit"]')])
    }
    await phone.close()

    await p.goto(dashboard)
    const after = await counts(p)
    check(
      'the dashboard moves: 2 acknowledged, 1 outstanding',
      after.acknowledged === 2 && after.outstanding === 1,
      JSON.stringify(after),
    )
    const api = (await (
      await fetch(
        `${baseUrl}/api/admin/status/wechat-red-lines/2?unit=${encodeURIComponent(run)}`,
        {
          headers: { Authorization: `Bearer ${adminToken}` },
        },
      )
    ).json()) as { totals: Record<string, number> }
    check(
      "its numbers are the status API's",
      api.totals.acknowledged === after.acknowledged &&
        api.totals.outstanding === after.outstanding,
      JSON.stringify(api.totals),
    )
    await shot(p, 'dashboard-moved')
    return dashboard
  }

  try {
    await signIn(wide)
    const label = `browser ${Date.now()}`
    await wide.fill('input[name="label"]', label)
    await wide.selectOption('select[name="access"]', 'read')
    await Promise.all([wide.waitForNavigation(), wide.click('.card form button[type="submit"]')])
    const secret = (await wide.locator('#new-token').textContent()) ?? ''
    check(
      'a new token is shown once',
      /^rlt_[A-Za-z0-9_-]{43}$/.test(secret.trim()),
      secret.slice(0, 8),
    )
    const copy = await wide.locator('#new-token + button').count()
    check('the console script (allowed by the CSP) adds a copy button', copy === 1, String(copy))
    await shot(wide, 'token-created')

    const api = await fetch(`${baseUrl}/api/admin/tokens`, {
      headers: { Authorization: `Bearer ${secret.trim()}` },
    })
    check('the new token works on the API', api.status === 200, String(api.status))

    await reminders({ page, baseUrl, adminToken, screenshot, check }, wide, shot)

    await wide.goto(`${baseUrl}/admin/audit`)
    const audit = (await wide.locator('table').textContent()) ?? ''
    check('the audit log shows the token being made', audit.includes('创建 API 令牌'))
    await shot(wide, 'audit')

    await rollout(wide)

    await wide.goto(`${baseUrl}/admin`)
    await shot(wide, 'dashboard')
    await Promise.all([
      wide.waitForNavigation(),
      wide.click('form[action^="/admin/logout"] button'),
    ])
    check('signing out returns to the sign-in page', /signed_out=1/.test(wide.url()), wide.url())
    await wide.goto(`${baseUrl}/admin`)
    check('after signing out the console asks to sign in again', /\/admin\/login/.test(wide.url()))

    await signIn(page)
    await page.goto(`${baseUrl}/admin`)
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    )
    check('the dashboard fits a phone screen', overflow <= 0, `${overflow}px`)
    await shot(page, 'dashboard')
    await page.goto(`${baseUrl}/admin/tokens`)
    await shot(page, 'tokens')
    for (const [where, name] of [
      ['/admin/officials', 'officials'],
      ['/admin/units', 'units'],
      ['/admin/roster', 'roster'],
      ['/admin/links', 'links'],
    ] as const) {
      await page.goto(`${baseUrl}${where}`)
      const wider = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      )
      check(`${name} fits a phone screen`, wider <= 0, `${wider}px`)
      await shot(page, name)
    }
    await page.goto(`${baseUrl}/admin/reminders?rollout=wechat-red-lines@2`)
    const remindersOverflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    )
    check(
      'the reminders page fits a phone screen',
      remindersOverflow <= 0,
      `${remindersOverflow}px`,
    )
    await shot(page, 'reminders')
    await page.goto(`${baseUrl}/admin/channels`)
    await shot(page, 'channels')
    check(
      'no script or style was blocked, no page error',
      problems.length === 0,
      problems.join(' | '),
    )
  } finally {
    await desktop.close()
  }
}
