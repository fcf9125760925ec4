import type { ScenarioContext } from './run'

/** An official pastes a draft on a phone, with no JavaScript, and sees what it may cross. */
export async function checkScenario({ page, baseUrl, screenshot, check }: ScenarioContext) {
  const submit = async (text: string) => {
    await page.goto(`${baseUrl}/check?lang=zh`)
    await page.fill('textarea[name="text"]', text)
    await Promise.all([page.waitForNavigation(), page.click('form button[type="submit"]')])
  }

  const dodge = '紅 包收到了，謝謝王總'
  await submit(dodge)
  check(
    'the form posts and answers 200',
    (await page.title()).length > 0 && !/^4|^5/.test(await page.title()),
    await page.title(),
  )
  const marks = await page.locator('.checked mark').allTextContents()
  check(
    'the dodged term is highlighted exactly as typed',
    marks.includes('紅 包'),
    JSON.stringify(marks),
  )
  const ruleLinks = await page.locator('.checked a[href^="/rules/red-envelopes"]').count()
  check('the highlight links to the red-envelopes rule', ruleLinks > 0, String(ruleLinks))
  const shown = await page.locator('.checked').textContent()
  check(
    'the message is shown whole around the highlight',
    (shown ?? '').includes('收到了，謝謝王總'),
  )
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  )
  check('the result fits a phone screen', overflow <= 0, `${overflow}px`)
  await screenshot('red-envelope')

  await page.click('.checked a[href^="/rules/red-envelopes"]')
  await page.waitForLoadState()
  check('the rule link opens the rule text', /\/rules\/red-envelopes/.test(page.url()), page.url())

  await submit('严禁收受红包')
  const prohibited = await page.locator('.checked mark').count()
  const verdict = (await page.locator('.notice-box strong').first().textContent()) ?? ''
  check(
    'a prohibition passes with nothing highlighted',
    prohibited === 0 && /未发现/.test(verdict),
    verdict,
  )
  await screenshot('prohibition')
}
