/** What the command-line scripts share: failing with exit 2, options, the local Worker's token. */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { readDevVar } from './dev-vars'

/** Exit 2: the script could not run (as opposed to 1: it ran and found something wrong). */
export function fail(message: string): never {
  console.error(message)
  process.exit(2)
}

/** The value after `--name` on the command line. */
export function option(name: string): string | undefined {
  const i = process.argv.indexOf(name)
  return i < 0 ? undefined : (process.argv[i + 1] ?? fail(`${name} needs a value`))
}

export const isLocal = (url: URL) => ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)

/** BENCH_URL or the default of npm start; refuses anything but a local Worker. */
export function localOrigin(): string {
  const base = new URL(process.env.BENCH_URL ?? 'http://localhost:8787')
  if (!isLocal(base)) fail(`refusing to benchmark ${base.origin}: only a local Worker (npm start)`)
  return base.origin
}

/** ADMIN_TOKEN from the environment, else (for a local Worker only) from .dev.vars. */
export function adminToken(origin: string): string {
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN
  const file = path.resolve(import.meta.dirname, '..', '.dev.vars')
  const token = existsSync(file) ? readDevVar(readFileSync(file, 'utf8'), 'ADMIN_TOKEN') : undefined
  if (!token || !isLocal(new URL(origin)))
    fail('set ADMIN_TOKEN (locally, npm start writes it to .dev.vars)')
  return token
}
