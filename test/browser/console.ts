import type { Page } from 'playwright-core'
import type { ScenarioContext } from './run'

/**
 * An administrator signs in to the console with ADMIN_TOKEN, at a desktop size and on a phone,
 * makes an API token (shown once, with the copy button the console script adds), finds it in the
 * audit log and signs out. Later console features extend this scenario.
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

    await wide.goto(`${baseUrl}/admin/audit`)
    const audit = (await wide.locator('table').textContent()) ?? ''
    check('the audit log shows the token being made', audit.includes('创建 API 令牌'))
    await shot(wide, 'audit')

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
    check(
      'no script or style was blocked, no page error',
      problems.length === 0,
      problems.join(' | '),
    )
  } finally {
    await desktop.close()
  }
}
