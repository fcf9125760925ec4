/**
 * The browser test: starts the Worker with its own local D1, drives Debian's Chromium at a phone
 * viewport through every scenario, and prints `browser: N passed, N failed`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { chromium, type Page } from 'playwright-core'
import { noticeScenario } from './notice'

export interface ScenarioContext {
  page: Page
  baseUrl: string
  adminToken: string
  /** Saves a screenshot of `page` (full page unless told), or of another page (e.g. a desktop-sized one). */
  screenshot: (name: string, options?: { fullPage?: boolean; of?: Page }) => Promise<void>
  check: (name: string, ok: boolean, detail?: string) => void
}

type Scenario = (ctx: ScenarioContext) => Promise<void>

const root = path.resolve(import.meta.dirname, '../..')
const port = Number(process.env.BROWSER_TEST_PORT ?? 8799)
const baseUrl = `http://127.0.0.1:${port}`
const persistTo = path.join(root, '.wrangler/browser-test')
const shotDir = path.join(root, 'test-results/screenshots')
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, CI: 'true' },
  })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed`)
}

function readDevVar(name: string): string {
  const file = path.join(root, '.dev.vars')
  if (!existsSync(file)) return ''
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}=`))
  return line ? line.slice(name.length + 1).replace(/^"|"$/g, '') : ''
}

async function waitForServer(server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error('wrangler dev exited before it was ready')
    try {
      if ((await fetch(`${baseUrl}/api/notices`)).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`the Worker did not answer on ${baseUrl} within 60 s`)
}

async function loadScenarios(): Promise<[string, Scenario][]> {
  const scenarios: [string, Scenario][] = [['notice', noticeScenario]]
  // Scenarios of other features register here as they land.
  for (const [name, file, exported] of [
    ['acknowledge', './acknowledge.ts', 'acknowledgeScenario'],
    ['check', './check.ts', 'checkScenario'],
    ['pages', './pages.ts', 'pagesScenario'],
    ['console', './console.ts', 'consoleScenario'],
  ] as const) {
    if (existsSync(path.join(import.meta.dirname, file)))
      scenarios.push([name, (await import(file))[exported] as Scenario])
  }
  return scenarios
}

async function main(): Promise<number> {
  if (!existsSync(chromiumPath))
    throw new Error(`no Chromium at ${chromiumPath}: apt-get install -y chromium`)
  if (existsSync(path.join(root, 'scripts/setup-local.ts')))
    run('npx', ['tsx', 'scripts/setup-local.ts'])
  run('npm', ['run', 'build', '--silent'])
  run('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo])
  mkdirSync(shotDir, { recursive: true })

  const server = spawn(
    'npx',
    [
      'wrangler',
      'dev',
      '--port',
      String(port),
      '--inspector-port',
      String(port + 1),
      '--ip',
      '127.0.0.1',
      '--persist-to',
      persistTo,
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], detached: true },
  )
  let passed = 0
  let failed = 0
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  })
  try {
    await waitForServer(server)
    for (const [name, scenario] of await loadScenarios()) {
      const context = await browser.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        locale: 'zh-CN',
        hasTouch: true,
        userAgent:
          'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.40 NetType/WIFI Language/zh_CN',
      })
      const page = await context.newPage()
      const ctx: ScenarioContext = {
        page,
        baseUrl,
        adminToken: readDevVar('ADMIN_TOKEN'),
        screenshot: async (shot, options) => {
          await (options?.of ?? page).screenshot({
            path: path.join(shotDir, `${name}-${shot}.png`),
            fullPage: options?.fullPage ?? true,
          })
        },
        check: (what, ok, detail) => {
          if (ok) passed++
          else failed++
          console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${what}${detail ? ` (${detail})` : ''}`)
        },
      }
      try {
        await scenario(ctx)
      } catch (error) {
        const { message, cause } = error as Error
        const why = cause instanceof Error ? `: ${cause.message}` : ''
        ctx.check('scenario ran to the end', false, `${message.split('\n')[0]}${why}`)
      }
      await context.close()
    }
  } finally {
    await browser.close()
    try {
      process.kill(-server.pid!, 'SIGTERM')
    } catch {
      // already gone
    }
  }
  console.log(`screenshots: ${path.relative(root, shotDir)}/`)
  console.log(`browser: ${passed} passed, ${failed} failed`)
  return failed === 0 && passed > 0 ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error)
    console.log('browser: 0 passed, 1 failed')
    process.exit(1)
  },
)
