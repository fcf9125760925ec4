import { readFileSync } from 'node:fs'
import path from 'node:path'
import { overflow, smallTapTargets } from './pages'
import type { ScenarioContext } from './run'

/** An official pastes a draft on a phone, with no JavaScript, and sees what it may cross. */
export async function checkScenario({ page, baseUrl, screenshot, check }: ScenarioContext) {
  const submit = async (text: string) => {
    await page.goto(`${baseUrl}/check?lang=zh`)
    await page.fill('textarea[name="text"]', text)
    await Promise.all([page.waitForNavigation(), page.click('form button[type="submit"]')])
  }
  /** The verdict box: its words, its sign, and its colours as [r, g, b] of background and border. */
  const verdict = () =>
    page.evaluate(() => {
      // No helper functions in here: the page runs this text as it is.
      const box = document.querySelector('.verdict') as HTMLElement
      const style = getComputedStyle(box)
      return {
        words: box.querySelector('strong')?.textContent ?? '',
        sign: box.querySelector('.sign')?.textContent ?? '',
        background: (style.backgroundColor.match(/\d+/g) ?? []).slice(0, 3).map(Number),
        border: (style.borderLeftColor.match(/\d+/g) ?? []).slice(0, 3).map(Number),
      }
    })

  const dodge = '紅 包收到了，謝謝王總'
  await submit(dodge)
  check(
    'the form posts and answers 200',
    (await page.title()).length > 0 && !/^4|^5/.test(await page.title()),
    await page.title(),
  )
  const marks = await page
    .locator('.checked mark')
    .evaluateAll((nodes) => nodes.map((n) => n.firstChild?.textContent ?? ''))
  check(
    'the dodged term is highlighted exactly as typed',
    marks.includes('紅 包'),
    JSON.stringify(marks),
  )
  const number = await page.locator('.checked mark sup.n').first().textContent()
  check(
    'the highlight is numbered, and the number leads the first finding',
    number === '1' && (await page.locator('#finding-1').count()) === 1,
  )
  const shown = await page.locator('.checked').textContent()
  check(
    'the message is shown whole around the highlight, with no rule names inside it',
    (shown ?? '').includes('收到了，謝謝王總') && (await page.locator('.checked a').count()) === 0,
  )
  let seen = await verdict()
  const [r, g, b] = seen.background as [number, number, number]
  const [br, bg] = seen.border as [number, number, number]
  check(
    'block is red, in words and a sign as well',
    seen.words === '请勿发送' && seen.sign === '✕' && r > g && r > b && br > bg * 2,
    JSON.stringify(seen),
  )
  const basis = await page.locator('main p.meta a[href*="/versions/sha256:"]').textContent()
  check(
    'the basis is named as the version, and linked',
    /》第 2 版$/.test((basis ?? '').trim()),
    basis ?? '',
  )
  const sideways = await overflow(page)
  check('the result fits a phone screen', sideways <= 0, `${sideways}px`)
  const small = await smallTapTargets(page)
  check('the result’s tap targets are at least 44 px high', small.length === 0, small.join('; '))
  await screenshot('red-envelope')

  await page.click('.findings a[href^="/rules/red-envelopes"]')
  await page.waitForLoadState()
  check('the finding links to the rule text', /\/rules\/red-envelopes/.test(page.url()), page.url())

  await submit('hongbao已领')
  seen = await verdict()
  {
    const [r, g, b] = seen.background as [number, number, number]
    check(
      'review is amber, in words and a sign as well',
      seen.words === '有内容需要人工判断' &&
        seen.sign === '!' &&
        r > b + 40 &&
        g > b + 20 &&
        r >= g,
      JSON.stringify(seen),
    )
  }
  await screenshot('review')

  await submit('严禁收受红包')
  const prohibited = await page.locator('.checked mark').count()
  seen = await verdict()
  {
    const [r, g, b] = seen.background as [number, number, number]
    check(
      'a prohibition passes: green, nothing highlighted',
      prohibited === 0 && seen.words === '未发现问题' && seen.sign === '✓' && g > r && g > b,
      JSON.stringify(seen),
    )
  }
  await screenshot('prohibition')

  // The archive of older check versions, under wrangler dev's real asset router: a pinned version
  // is read through the ASSETS binding, and its file is served to nobody directly.
  const archived = JSON.parse(
    readFileSync(path.join(import.meta.dirname, '../../src/generated/archive.json'), 'utf8'),
  ) as Record<string, { check: number; file: string }>
  const oldest = Object.values(archived).sort((a, b) => a.check - b.check)[0]
  if (oldest) {
    const pinned = await page.request.post(`${baseUrl}/api/check`, {
      data: { text: '红包收到了', check: oldest.check },
    })
    const answer = (await pinned.json()) as { check?: { version: number } }
    check(
      `a pinned archived check version (c${oldest.check}) answers`,
      pinned.status() === 200 && answer.check?.version === oldest.check,
      `${pinned.status()} ${JSON.stringify(answer.check)}`,
    )
    const direct = await page.request.get(`${baseUrl}${oldest.file}`)
    check(
      'the archive file itself is not served',
      direct.status() === 404,
      `${direct.status()} ${direct.headers()['content-type']}`,
    )
  }
}
