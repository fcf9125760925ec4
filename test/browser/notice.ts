import type { ScenarioContext } from './run'

/** What a reader on a phone sees: fits the screen, readable, switches language, walks history. */
export async function noticeScenario({ page, baseUrl, screenshot, check }: ScenarioContext) {
  const layout = () =>
    page.evaluate(() => {
      const p = document.querySelector('main p') as HTMLElement
      return {
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        fontSize: parseFloat(getComputedStyle(p).fontSize),
        lineHeight:
          parseFloat(getComputedStyle(p).lineHeight) / parseFloat(getComputedStyle(p).fontSize),
        lang: document.documentElement.lang,
        h1: document.querySelector('h1')?.textContent ?? '',
        rules: document.querySelectorAll('section.rule').length,
      }
    })

  await page.goto(`${baseUrl}/notices/wechat-red-lines`)
  let seen = await layout()
  check(
    'the notice opens in Chinese by default',
    seen.lang === 'zh-CN' && /红线/.test(seen.h1),
    seen.h1,
  )
  check('all eight rules are on the page', seen.rules === 8, String(seen.rules))
  check('no horizontal scroll at 390 px', seen.overflow <= 0, `${seen.overflow}px`)
  check('body text is at least 16 px', seen.fontSize >= 16, `${seen.fontSize}px`)
  check('line height suits Chinese (>= 1.6)', seen.lineHeight >= 1.6, seen.lineHeight.toFixed(2))
  await screenshot('zh')

  await page.setViewportSize({ width: 360, height: 740 })
  check('no horizontal scroll at 360 px', (await layout()).overflow <= 0)
  await page.setViewportSize({ width: 390, height: 844 })

  await page.click('[data-lang-switch]')
  await page.waitForLoadState()
  seen = await layout()
  check(
    'the language switch opens the English text',
    seen.lang === 'en' && /red lines/i.test(seen.h1),
    page.url(),
  )
  check('no horizontal scroll in English', seen.overflow <= 0, `${seen.overflow}px`)
  await screenshot('en')

  await page.click('a[href^="/notices/wechat-red-lines/versions?"]')
  await page.waitForLoadState()
  check(
    'the history link opens the version history',
    /\/versions\?lang=en$/.test(page.url()),
    page.url(),
  )
  const versionLinks = await page.locator('a[href*="/versions/"]').count()
  check('the history lists every version', versionLinks >= 2, String(versionLinks))
  await screenshot('history')

  await page.click('a[href^="/notices/wechat-red-lines/versions/1?"]')
  await page.waitForLoadState()
  seen = await layout()
  check(
    'version 1 opens from the history',
    /Version 1/.test((await page.textContent('main p.meta')) ?? ''),
    page.url(),
  )

  await page.goto(`${baseUrl}/notices/wechat-red-lines/versions?lang=zh`)
  await page.click('a[href^="/notices/wechat-red-lines/compare/1...2"]')
  await page.waitForLoadState()
  const inserted = await page.locator('ins').allTextContents()
  check(
    'comparing v1 with v2 highlights the election clause',
    inserted.join('').includes('换届选举'),
  )
  check('the comparison fits the screen', (await layout()).overflow <= 0)
  await screenshot('compare')

  // v1 by its SHA-256, as a receipt or a check answer cites it, from the history's digest link.
  await page.goto(`${baseUrl}/notices/wechat-red-lines/versions?lang=zh`)
  const v1Digest = page.locator('table a.hash').last()
  const digest = ((await v1Digest.textContent()) ?? '').trim()
  await v1Digest.click()
  await page.waitForLoadState()
  check(
    'a version opens by its SHA-256 from the history',
    /^[0-9a-f]{64}$/.test(digest) &&
      page.url().includes(`/versions/sha256:${digest}`) &&
      /第 1 版/.test((await page.textContent('main p.meta')) ?? ''),
    page.url(),
  )
  const superseded = page.locator('.status-box.superseded')
  const box = await superseded.boundingBox()
  const said = (await superseded.textContent()) ?? ''
  check(
    'v1 says at the top of the screen that version 2 replaced it',
    box !== null && box.y + box.height <= 844 && said.includes('本版本已被第 2 版取代'),
    said.trim().split('\n')[0],
  )
  await screenshot('v1-by-sha256')
  await page.click('.status-box.superseded a[href^="/notices/wechat-red-lines?"]')
  await page.waitForLoadState()
  check(
    "v1's notice leads to the version in effect",
    /第 2 版/.test((await page.textContent('main p.meta')) ?? ''),
    page.url(),
  )

  await page.emulateMedia({ colorScheme: 'dark' })
  await page.goto(`${baseUrl}/notices/wechat-red-lines`)
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
  check('dark mode follows prefers-color-scheme', background !== 'rgb(255, 255, 255)', background)
  await screenshot('dark')
}
