import type { Page } from 'playwright-core'
import type { ScenarioContext } from './run'

/** Every page a reader can reach without a personal link, as a phone of 360 px shows it. */
export const PUBLIC_PAGES: [name: string, path: string][] = [
  ['home', '/?lang=zh'],
  ['current', '/notices/wechat-red-lines?lang=zh'],
  ['current-en', '/notices/wechat-red-lines?lang=en'],
  ['history', '/notices/wechat-red-lines/versions?lang=zh'],
  ['history-en', '/notices/wechat-red-lines/versions?lang=en'],
  ['v1-superseded', '/notices/wechat-red-lines/versions/1?lang=zh'],
  ['v2', '/notices/wechat-red-lines/versions/2?lang=en'],
  ['compare', '/notices/wechat-red-lines/compare/1...2?lang=zh'],
  ['rule', '/rules/red-envelopes?lang=zh'],
  ['check', '/check?lang=zh'],
  ['error-version', '/notices/wechat-red-lines/versions/9?lang=zh'],
  ['error-sha256', '/notices/wechat-red-lines/versions/sha256:abc?lang=en'],
  ['error-notice', '/notices/nope?lang=zh'],
]

/** How far the page scrolls sideways (0 when it fits). */
export const overflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)

/**
 * Everything a finger is meant to hit that is less than 44 px high: links, buttons, summaries,
 * fields. A checkbox counts by its label, which is what takes the tap.
 */
export const smallTapTargets = (page: Page) =>
  page.evaluate(() => {
    const small: string[] = []
    for (const element of Array.from(
      document.querySelectorAll<HTMLElement>('a[href], button, summary, input, textarea, select'),
    )) {
      const target =
        element instanceof HTMLInputElement && element.type === 'checkbox'
          ? (element.closest('label') ?? element)
          : element
      if (element instanceof HTMLInputElement && element.type === 'hidden') continue
      const box = target.getBoundingClientRect()
      if (box.width === 0 && box.height === 0) continue
      if (box.height < 44)
        small.push(
          `${target.tagName.toLowerCase()} "${(target.textContent ?? '').trim().slice(0, 24)}" ${Math.round(box.height)}px`,
        )
    }
    return small
  })

/** Each page at 360 px: no sideways scroll, every tap target at least 44 px high. */
export async function pagesScenario({ page, baseUrl, screenshot, check }: ScenarioContext) {
  await page.setViewportSize({ width: 360, height: 740 })
  for (const [name, path] of PUBLIC_PAGES) {
    await page.goto(`${baseUrl}${path}`)
    const sideways = await overflow(page)
    check(`${name}: no horizontal scroll at 360 px`, sideways <= 0, `${sideways}px`)
    const small = await smallTapTargets(page)
    check(
      `${name}: tap targets at least 44 px high`,
      small.length === 0,
      small.slice(0, 4).join('; '),
    )
    await screenshot(`360-${name}`)
  }
}
