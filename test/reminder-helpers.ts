/** Talking to the local webhook receiver (test/receiver/server.ts) from inside workerd. */
import { env } from 'cloudflare:test'
import { expect } from 'vitest'

export const RECEIVER = env.TEST_RECEIVER

export interface Received {
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  body: string
  verified: boolean | null
  status: number
}

/** Tells the receiver to act as a robot of `type` at `path`, failing `failTimes` times first. */
export async function register(path: string, type: string, secret?: string, failTimes = 0) {
  const r = await fetch(`${RECEIVER}/_register`, {
    method: 'POST',
    body: JSON.stringify({ path, type, secret, failTimes }),
  })
  expect(r.status).toBe(200)
}

export async function received(path: string): Promise<Received[]> {
  return (await fetch(`${RECEIVER}/_received?path=${encodeURIComponent(path)}`)).json()
}

/** Polls until `probe` gives something: the queue delivers on its own time. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}
