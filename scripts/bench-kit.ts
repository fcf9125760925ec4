/**
 * What the benchmark scripts share: the project's root, a way to stop with a clear message, and
 * running a build step (wrangler, npm) in the project with CI=true (no prompts, no colours).
 */
import { spawnSync } from 'node:child_process'
import path from 'node:path'

export const root = path.resolve(import.meta.dirname, '..')

/** fail and run for the script called `name` (its messages start with it). */
export function benchKit(name: string) {
  function fail(message: string): never {
    console.error(`${name}: ${message}`)
    process.exit(2)
  }
  /** Runs command in the project; stops the benchmark if it fails. Returns its stdout. */
  function run(command: string, args: string[]): string {
    const result = spawnSync(command, args, {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    })
    if (result.status !== 0)
      fail(`${command} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`)
    return result.stdout
  }
  return { fail, run }
}
