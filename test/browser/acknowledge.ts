import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { checkReceiptFile } from '../../src/acknowledgements/offline'
import { localTime } from '../../src/time'
import { overflow, smallTapTargets } from './pages'
import type { ScenarioContext } from './run'

const root = path.resolve(import.meta.dirname, '../..')
const execFileAsync = promisify(execFile)

/**
 * The README's flow on a phone: the administrator loads the sample roster and creates links;
 * one official opens theirs, reads, types the wrong name, then their own, and gets a receipt
 * that the same link shows again and that verifies offline against the published key.
 */
export async function acknowledgeScenario(ctx: ScenarioContext) {
  const { page, baseUrl, adminToken, screenshot, check } = ctx
  const admin = async (method: string, pathname: string, body?: string, type?: string) => {
    const response = await fetch(`${baseUrl}${pathname}`, {
      method,
      headers: {
        Authorization: `Bearer ${adminToken}`,
        ...(type ? { 'Content-Type': type } : {}),
      },
      body,
    })
    return response
  }

  check('the runner passed the admin token from .dev.vars', adminToken.length > 0)
  const sample = await admin(
    'POST',
    '/api/admin/roster',
    readFileSync(path.join(root, 'samples/roster.csv'), 'utf8'),
    'text/csv',
  )
  check('the sample roster imports', sample.status === 200, String(sample.status))

  // The browser test's D1 persists between runs: a fresh official each run gets a fresh form.
  const run = `浏览器测试/${Date.now().toString(36)}`
  const officialName = '林小雨'
  const own = await admin(
    'POST',
    '/api/admin/roster',
    `external_id,name,unit\nBT-${Date.now()},${officialName},${run}\n`,
    'text/csv',
  )
  check('a test official joins the roster', own.status === 200, String(own.status))

  const linksResponse = await admin(
    'POST',
    '/api/admin/links',
    JSON.stringify({ notice: 'wechat-red-lines', version: 2, unit: run, dueDate: '2099-12-31' }),
    'application/json',
  )
  const csv = (await linksResponse.text())
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n')
  check(
    'links come back as CSV (official, unit, URL)',
    linksResponse.status === 200 && csv[0] === 'external_id,name,unit,url' && csv.length === 2,
    csv[0],
  )
  const link = csv[1]!.split(',')[3]!
  const linkPath = new URL(link).pathname

  // The phone of the issue: 360 x 740, as an official inside WeChat.
  await page.setViewportSize({ width: 360, height: 740 })
  await page.goto(`${baseUrl}${linkPath}`)
  const layout = await page.evaluate(() => ({
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    rules: document.querySelectorAll('section.rule').length,
    scripts: document.querySelectorAll('script').length,
    statement: document.querySelector('form label')?.textContent ?? '',
  }))
  check('the link opens the full text of version 2', layout.rules === 8, String(layout.rules))
  check('the page has no script', layout.scripts === 0)
  check('the form fits a 360 px screen', layout.overflow <= 0, `${layout.overflow}px`)
  const formTargets = await smallTapTargets(page)
  check(
    'the form’s tap targets are at least 44 px high',
    formTargets.length === 0,
    formTargets.join('; '),
  )
  check(
    'the page keeps the reader: no link between the text and the form',
    (await page.locator('main a').count()) === 0,
  )
  check(
    'the due date is shown',
    ((await page.textContent('.notice-box')) ?? '').includes('请于2099年12月31日前完成确认'),
  )
  check(
    'the statement names the notice and version',
    /本人已阅读《.+》第 2 版全文，承诺遵守。/.test(layout.statement),
    layout.statement.trim(),
  )
  await page.locator('form').scrollIntoViewIfNeeded()
  await screenshot('form')

  await page.check('input[name="statement"]')
  await page.fill('input[name="name"]', '别人')
  const [mismatch] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.click('button[type="submit"]'),
  ])
  await page.waitForLoadState()
  const error = (await page.textContent('#form-error')) ?? ''
  check(
    'a name not on the roster is refused with 422 and the reason',
    mismatch.status() === 422 && error.includes('不一致'),
    error.trim(),
  )
  // Nothing scrolls it there but the page itself: the answer opens at #form-error.
  const where = await page.evaluate(() => {
    const box = document.querySelector('#form-error')!.getBoundingClientRect()
    const style = getComputedStyle(document.querySelector('#form-error')!)
    return {
      top: Math.round(box.top),
      bottom: Math.round(box.bottom),
      height: window.innerHeight,
      background: (style.backgroundColor.match(/\d+/g) ?? []).map(Number),
      url: location.hash,
    }
  })
  check(
    'after submitting, the wrong-name error is in the viewport',
    where.url === '#form-error' && where.top >= 0 && where.bottom <= where.height,
    JSON.stringify(where),
  )
  const [r, g, b] = where.background as [number, number, number]
  check(
    'the error is styled as an error (red)',
    r > g + 15 && r > b + 15,
    JSON.stringify(where.background),
  )
  check('the 422 page fits a 360 px screen', (await overflow(page)) <= 0)
  await screenshot('name-mismatch-viewport', { fullPage: false })
  await screenshot('name-mismatch')

  await page.check('input[name="statement"]')
  await page.fill('input[name="name"]', ` ${officialName} `)
  await Promise.all([page.waitForURL(/\/a\/.+/), page.click('button[type="submit"]')])
  await page.waitForLoadState()
  const receipt = await page.evaluate(() => ({
    h1: document.querySelector('h1')?.textContent ?? '',
    cells: Array.from(document.querySelectorAll('#receipt td')).map(
      (td) => td.textContent?.trim() ?? '',
    ),
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  }))
  check('acknowledging shows the receipt', receipt.h1.includes('确认回执'), receipt.h1)
  check(
    'the receipt names the official',
    receipt.cells.some((c) => c.startsWith(officialName)),
  )
  check('the receipt fits a 360 px screen', receipt.overflow <= 0, `${receipt.overflow}px`)
  const receiptId = receipt.cells.find((c) => /^[0-9a-f-]{36}$/.test(c)) ?? ''
  check('the receipt has an id', receiptId !== '')
  const mark = (await page.locator('.verdict.pass .sign').textContent()) ?? ''
  check('the receipt opens with a clear success mark', mark === '✓', mark)
  const receiptTargets = await smallTapTargets(page)
  check(
    'the receipt’s tap targets are at least 44 px high',
    receiptTargets.length === 0,
    receiptTargets.join('; '),
  )
  await screenshot('receipt')

  // A tidy one-page record when printed (or saved as PDF from the browser).
  await page.emulateMedia({ media: 'print' })
  await screenshot('receipt-print')
  const pdf = await page.pdf({ format: 'A4' })
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length
  check('the receipt prints on one page', pages === 1, `${pages} pages`)
  await page.emulateMedia({ media: 'screen' })

  await page.goto(`${baseUrl}${linkPath}`)
  const again = await page.evaluate(() =>
    Array.from(document.querySelectorAll('#receipt td')).map((td) => td.textContent?.trim() ?? ''),
  )
  check('the same link shows the same receipt again', again.includes(receiptId))

  const download = await fetch(`${baseUrl}${linkPath}/receipt.json`)
  const keys = await (await fetch(`${baseUrl}/.well-known/redlines-receipt-keys.json`)).json()
  const signed = (await download.json()) as {
    receipt: { official: { name: string }; acknowledgedAt: string }
  }
  const beijing = localTime(signed.receipt.acknowledgedAt, 'Asia/Shanghai', 'zh')
  check(
    'the receipt shows the time in Beijing time; the JSON keeps UTC',
    again.includes(beijing) &&
      /（北京时间）$/.test(beijing) &&
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(signed.receipt.acknowledgedAt),
    `${beijing} / ${signed.receipt.acknowledgedAt}`,
  )
  const result = await checkReceiptFile(signed, keys)
  check(
    'the receipt JSON verifies against the published key',
    result.valid,
    result.problems.join('; '),
  )

  // The shipped verifier, as the README runs it: exit 0 for the receipt, 1 once it is edited.
  const dir = mkdtempSync(path.join(tmpdir(), 'redlines-receipt-'))
  try {
    const files = {
      receipt: path.join(dir, 'receipt.json'),
      tampered: path.join(dir, 'tampered.json'),
      keys: path.join(dir, 'keys.json'),
    }
    writeFileSync(files.receipt, JSON.stringify(signed))
    writeFileSync(files.keys, JSON.stringify(keys))
    const edited = structuredClone(signed)
    edited.receipt.official.name = '别人'
    writeFileSync(files.tampered, JSON.stringify(edited))
    // Asynchronously: a verifier that blocked the event loop past wrangler dev's keep-alive time
    // (a few seconds on a busy machine) left fetch a pooled socket the server had closed, and the
    // next request failed with "other side closed".
    const verifier = async (file: string) => {
      try {
        const { stdout } = await execFileAsync(
          'npx',
          ['tsx', 'scripts/verify-receipt.ts', file, files.keys],
          { cwd: root, encoding: 'utf8' },
        )
        return { status: 0, stdout }
      } catch (error) {
        const failed = error as { code?: unknown; stdout?: string }
        return {
          status: typeof failed.code === 'number' ? failed.code : -1,
          stdout: failed.stdout ?? '',
        }
      }
    }
    const genuine = await verifier(files.receipt)
    check('npm run verify-receipt: VALID, exit 0', genuine.status === 0, genuine.stdout.trim())
    const tampered = await verifier(files.tampered)
    check(
      'npm run verify-receipt on an edited receipt: INVALID, exit 1',
      tampered.status === 1 && tampered.stdout.startsWith('INVALID'),
      tampered.stdout.trim(),
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }

  const status = (await (
    await admin('GET', `/api/admin/status/wechat-red-lines/2?unit=${encodeURIComponent(run)}`)
  ).json()) as { totals: { roster: number; acknowledged: number } }
  check(
    'the administrator sees the acknowledgement in the status',
    status.totals.roster === 1 && status.totals.acknowledged === 1,
    JSON.stringify(status.totals),
  )
}
