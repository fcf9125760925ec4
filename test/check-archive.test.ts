// The archive of older check versions (scripts/check-archive.ts, src/check/packs.ts): the bundle
// carries each notice version's newest check version; a pinned older one is read from the static
// assets, verified, and answers exactly as a bundled pack would; when it cannot be read the caller
// gets a 503 that says so, and the next request tries again. Check version c1 is first loaded in
// this file by the failure cases below, so they run before anything has cached it.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test'
import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import wranglerToml from '../wrangler.toml?raw'
import archiveIndex from '../src/generated/archive.json'
import { createApp } from '../src/app'
import { checkMessage } from '../src/check/engine'
import type { ArchivedCheck } from '../src/check/pack'
import {
  ArchiveUnavailableError,
  checkModelFor,
  checkVersionsFor,
  isBundled,
  rulePackFor,
  type ArchiveReader,
} from '../src/check/packs'
import { archive } from './check-helpers'

const NOTICE = 'wechat-red-lines'
const held = archiveIndex as unknown as Record<string, ArchivedCheck>

/** The real file with one byte changed. */
const tampered: ArchiveReader = async (file) => {
  const bytes = new Uint8Array(await archive(file))
  const middle = bytes.length >> 1
  bytes[middle] = (bytes[middle] as number) ^ 1
  return bytes.buffer
}
const missing: ArchiveReader = async () => {
  throw new Error('404 Not Found')
}

async function postWith(assets: Fetcher, body: unknown) {
  const ctx = createExecutionContext()
  const response = await createApp().fetch(
    new Request('http://localhost/api/check', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': '203.0.113.90' },
      body: JSON.stringify(body),
    }),
    { ...env, ASSETS: assets },
    ctx,
  )
  await waitOnExecutionContext(ctx)
  return response
}

describe('what the bundle carries', () => {
  it.each([1, 2])('notice version %i: only its newest check version', (version) => {
    const checks = checkVersionsFor(NOTICE, version)
    expect(checks.length).toBeGreaterThan(1)
    expect(checks.map((check) => isBundled(NOTICE, version, check))).toEqual(
      checks.map((check) => check === checks.at(-1)),
    )
  })

  it('lists every older check version in the archive, each file named by its sha256', () => {
    const newest = Math.max(...checkVersionsFor(NOTICE, 1), ...checkVersionsFor(NOTICE, 2))
    expect(Object.keys(held).sort()).toEqual(
      Array.from({ length: newest - 1 }, (_, i) => `${NOTICE}@c${i + 1}`).sort(),
    )
    for (const entry of Object.values(held)) {
      expect(entry.file).toBe(
        `/_archive/${NOTICE}/c${entry.check}.${entry.sha256.slice(0, 16)}.bin`,
      )
      expect(Object.keys(entry.packs).length).toBeGreaterThan(0)
    }
  })
})

describe('a pinned archived check version', () => {
  it('is refused when its file is missing or altered, and no pack is kept', async () => {
    await expect(rulePackFor(missing, NOTICE, 2, 1)).rejects.toThrow(ArchiveUnavailableError)
    await expect(rulePackFor(tampered, NOTICE, 2, 1)).rejects.toThrow(/does not match its sha256/)
    await expect(checkModelFor(tampered, NOTICE, 1)).rejects.toThrow(ArchiveUnavailableError)
  })

  it('answers 503 check_unavailable with Retry-After through the API, not a 500', async () => {
    const broken = {
      fetch: async () => new Response('gone', { status: 404 }),
    } as unknown as Fetcher
    const res = await postWith(broken, { text: '红包收到了', check: 1 })
    expect(res.status).toBe(503)
    expect(res.headers.get('Retry-After')).toBe('5')
    expect(await res.json()).toEqual({
      error: { status: 503, code: 'check_unavailable', message: expect.stringContaining('c1') },
    })
    // The current check version needs no archive, so it still answers.
    const current = await postWith(broken, { text: '红包收到了' })
    expect(current.status).toBe(200)
  })

  it('loads after a failure, from the real file, and is then kept', async () => {
    const pack = (await rulePackFor(archive, NOTICE, 2, 1))!
    expect([pack.notice, pack.version, pack.checkVersion]).toEqual([NOTICE, 2, 1])
    // Kept for the isolate's life: the archive is not read again.
    expect(await rulePackFor(missing, NOTICE, 2, 1)).toBe(pack)
    expect(checkMessage(pack, '选举期间给村民发红包', 'zh').verdict).toBe('block')
  })

  it('shares one model between the notice versions it covers', async () => {
    const [v1, v2] = await Promise.all([
      rulePackFor(archive, NOTICE, 1, 4),
      rulePackFor(archive, NOTICE, 2, 4),
    ])
    expect(v1!.model).toBeDefined()
    expect(v1!.model).toBe(v2!.model)
    expect(await checkModelFor(archive, NOTICE, 4)).toBe(v1!.model)
  })

  it('answers through the Worker as check version 4, with its sha256', async () => {
    const res = await exports.default.fetch('http://localhost/api/check', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': '203.0.113.91' },
      body: JSON.stringify({ text: '红包收到了', check: 4 }),
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { check: { version: number; sha256: string } }
    expect(body.check.version).toBe(4)
    expect(body.check.sha256).toMatch(/^[0-9a-f]{64}$/)
  })
})

// The asset router runs only under wrangler (the browser test fetches an archive file from
// wrangler dev and gets 404); here, the setting that makes it so.
it('is behind the Worker: wrangler.toml has it run first for every path', () => {
  const assets = /^\[assets\]\n((?:[^[\n].*\n|\n)*)/m.exec(wranglerToml)?.[1] ?? ''
  expect(assets).toMatch(/^binding = "ASSETS"$/m)
  expect(assets).toMatch(/^run_worker_first = true$/m)
})
