import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { checkReceiptFile } from '../../src/acknowledgements/offline'
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

  await page.goto(`${baseUrl}${linkPath}`)
  const layout = await page.evaluate(() => ({
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    rules: document.querySelectorAll('section.rule').length,
    scripts: document.querySelectorAll('script').length,
    statement: document.querySelector('form label')?.textContent ?? '',
  }))
  check('the link opens the full text of version 2', layout.rules === 8, String(layout.rules))
  check('the page has no script', layout.scripts === 0)
  check('the form fits a 390 px screen', layout.overflow <= 0, `${layout.overflow}px`)
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
  await page.locator('#form-error').scrollIntoViewIfNeeded()
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
  check('the receipt names the official', receipt.cells.includes(officialName))
  check('the receipt fits the screen', receipt.overflow <= 0, `${receipt.overflow}px`)
  const receiptId = receipt.cells.find((c) => /^[0-9a-f-]{36}$/.test(c)) ?? ''
  check('the receipt has an id', receiptId !== '')
  await screenshot('receipt')

  await page.goto(`${baseUrl}${linkPath}`)
  const again = await page.evaluate(() =>
    Array.from(document.querySelectorAll('#receipt td')).map((td) => td.textContent?.trim() ?? ''),
  )
  check('the same link shows the same receipt again', again.includes(receiptId))

  const download = await fetch(`${baseUrl}${linkPath}/receipt.json`)
  const keys = await (await fetch(`${baseUrl}/.well-known/redlines-receipt-keys.json`)).json()
  const signed = (await download.json()) as { receipt: { official: { name: string } } }
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
