// The check's own versions (content/notices/<id>/checks/c<n>/): locked like notice versions,
// compiled through the real content compiler on the real content tree, and selected by the Worker.
import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { compileContent, type ContentFiles } from '../scripts/content'
import { checkMessage } from '../src/check/engine'
import { checkVersionsFor, rulePackFor } from '../src/check/packs'
import { archive } from './check-helpers'
import { sha256Hex } from '../src/content/canonical'
import { currentVersion, findNotice } from '../src/content/catalog'
import type { CompiledNotice } from '../src/content/types'
import { contentFiles, problemsOf, publishedLock } from './content-helpers'

const NOTICE = 'content/notices/wechat-red-lines'
const C1 = `${NOTICE}/checks/c1`
const notice = findNotice('wechat-red-lines') as CompiledNotice
const newest = notice.checks.at(-1)!
const next = newest.check + 1

const manifest = (check: number, covers: Record<string, string>, extra: object = {}) =>
  JSON.stringify({
    check,
    date: '2030-01-01',
    summary: { zh: '测试', en: 'test' },
    covers,
    ...extra,
  })

/** The content tree plus a new, unpublished check version that builds on c1's files. */
function withNewCheck(extra: ContentFiles = {}): ContentFiles {
  const dir = `${NOTICE}/checks/c${next}`
  return {
    ...contentFiles,
    [`${dir}/manifest.json`]: manifest(next, { '1': 'v1.json', '2': 'v2.json' }, { extends: 'c1' }),
    [`${dir}/v1.json`]: JSON.stringify({ extends: 'c1/v1', allow: ['红包装'] }),
    [`${dir}/v2.json`]: JSON.stringify({ extends: 'v1' }),
    ...extra,
  }
}

describe('check versions are locked', () => {
  it('c1 names the check.json files published with v1 and v2, whose locked hashes are unchanged', async () => {
    const c1 = publishedLock.checks?.['wechat-red-lines']?.['1']
    expect(Object.keys(c1?.files ?? {}).sort()).toEqual([
      'checks/c1/manifest.json',
      'v1/check.json',
      'v2/check.json',
    ])
    for (const n of ['1', '2']) {
      const versionLock = publishedLock.notices?.['wechat-red-lines']?.[n]
      expect(c1?.files[`v${n}/check.json`]).toBe(versionLock?.files['check.json'])
      expect(await sha256Hex(contentFiles[`${NOTICE}/v${n}/check.json`] as string)).toBe(
        versionLock?.files['check.json'],
      )
    }
    expect(notice.checks[0]).toMatchObject({ check: 1, covers: [1, 2], extends: null })
  })

  it.each(notice.checks.map((c) => [`c${c.check}`, c] as const))(
    '%s is addressed by its hash, as locked',
    (_, check) => {
      expect(check.sha256).toMatch(/^[0-9a-f]{64}$/)
      expect(publishedLock.checks?.['wechat-red-lines']?.[String(check.check)]?.sha256).toBe(
        check.sha256,
      )
    },
  )

  it('a new check version is refused until it is published; then it is locked', async () => {
    const files = withNewCheck()
    expect((await problemsOf(files)).join('\n')).toContain(
      `checks/c${next}: check version c${next} is not published yet. Run \`npm run publish-content\``,
    )
    const { content, lock: locked } = await compileContent(files, publishedLock, { publish: true })
    const compiled = content.notices[0]!.checks.at(-1)!
    expect(compiled).toMatchObject({ check: next, covers: [1, 2], extends: 1 })
    expect(locked.checks?.['wechat-red-lines']?.[String(next)]?.sha256).toBe(compiled.sha256)
    expect(Object.keys(locked.checks?.['wechat-red-lines']?.[String(next)]?.files ?? {})).toEqual([
      `checks/c${next}/manifest.json`,
      `checks/c${next}/v1.json`,
      `checks/c${next}/v2.json`,
    ])
    // Every older entry is kept as it was.
    expect(locked.notices).toEqual(publishedLock.notices)
    for (const [n, entry] of Object.entries(publishedLock.checks?.['wechat-red-lines'] ?? {}))
      expect(locked.checks?.['wechat-red-lines']?.[n]).toEqual(entry)
    // Once locked, it builds; a draft build compiles it without locking anything.
    expect(await problemsOf(files, locked)).toEqual([])
    const draft = await compileContent(files, publishedLock, { draft: true })
    expect(draft.lock).toEqual({ notices: publishedLock.notices, checks: publishedLock.checks })
  })
})

describe('the build refuses', () => {
  const edit = (path: string, change: (text: string) => string): ContentFiles => ({
    ...contentFiles,
    [path]: change(contentFiles[path] as string),
  })

  it('an edit to a published check version, naming the file and what to do instead', async () => {
    const problems = await problemsOf(
      edit(`${C1}/manifest.json`, (t) => t.replace('原样保留', '保留')),
    )
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain(`${C1}/manifest.json: check version c1 of wechat-red-lines`)
    expect(problems[0]).toContain('can never change')
    expect(problems[0]).toContain(
      `make the change in a new check version: create ${NOTICE}/checks/c`,
    )
    expect(problems[0]).toContain('git checkout --')
  })

  it('an edit to a check.json published with a notice version, once, pointing to a new check version', async () => {
    const problems = await problemsOf(
      edit(`${NOTICE}/v1/check.json`, (t) => t.replace('"严禁"', '"严格禁止"')),
    )
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain(`${NOTICE}/v1/check.json: version 1 of wechat-red-lines`)
    expect(problems[0]).toMatch(
      /new check version, content\/notices\/wechat-red-lines\/checks\/c\d+\//,
    )
  })

  it('a file added to a published check version', async () => {
    const problems = await problemsOf({ ...contentFiles, [`${C1}/extra.json`]: '{}' })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain(`${C1}/extra.json`)
    expect(problems[0]).toContain('This file was added: remove it')
  })

  it('removing a published check version', async () => {
    const files = Object.fromEntries(
      Object.entries(contentFiles).filter(([p]) => !p.startsWith(`${C1}/`)),
    )
    expect((await problemsOf(files)).join('\n')).toContain(
      'published check versions can never be removed',
    )
  })

  it.each([
    [
      'a notice version no check version covers with its check.json',
      { [`${C1}/manifest.json`]: manifest(1, { '1': '../../v1/check.json' }) },
      /v2\/check\.json: belongs to no check version/,
    ],
    [
      'a covered version the notice does not have',
      { [`${C1}/manifest.json`]: manifest(1, { '1': '../../v1/check.json', '9': 'v9.json' }) },
      /covers\.9: .*c1\/v9\.json does not exist|covers\.9, but wechat-red-lines has no version 9/,
    ],
    [
      "another version's check.json",
      { [`${C1}/manifest.json`]: manifest(1, { '1': '../../v2/check.json' }) },
      /covers\.1 may only name version 1's own check\.json/,
    ],
    [
      'a path out of the check folder',
      { [`${C1}/manifest.json`]: manifest(1, { '1': '../c2/v1.json' }) },
      /covers\.1 must name a \.json file in/,
    ],
    [
      'a manifest whose number is not its folder',
      { [`${C1}/manifest.json`]: manifest(7, { '1': '../../v1/check.json' }) },
      /"check" must be 1/,
    ],
    [
      'a manifest with an unknown key',
      {
        [`${C1}/manifest.json`]: manifest(1, { '1': '../../v1/check.json' }, { effective: 'x' }),
      },
      /unknown key "effective"/,
    ],
  ])('%s', async (_, changed, expected) => {
    expect((await problemsOf({ ...contentFiles, ...changed }, {})).join('\n')).toMatch(expected)
  })

  it.each([
    ['an extends loop', { v1: { extends: 'v2' }, v2: { extends: 'v1' } }, /extends loop/],
    ['a later check version', { v1: { extends: `c${next + 1}/v1` }, v2: {} }, /an earlier one/],
    ['a version its base does not cover', { v1: { extends: 'c1/v7' }, v2: {} }, /does not cover/],
  ])('%s in a check file', async (_, own, expected) => {
    const dir = `${NOTICE}/checks/c${next}`
    const files = withNewCheck({
      [`${dir}/v1.json`]: JSON.stringify(own.v1),
      [`${dir}/v2.json`]: JSON.stringify(own.v2),
    })
    expect((await problemsOf(files)).join('\n')).toMatch(expected)
  })

  it('check versions numbered with a gap', async () => {
    const dir = `${NOTICE}/checks/c${next + 1}`
    const files = {
      ...contentFiles,
      [`${dir}/manifest.json`]: manifest(next + 1, { '1': 'v1.json' }),
      [`${dir}/v1.json`]: '{}',
    }
    expect((await problemsOf(files)).join('\n')).toContain('without gaps')
  })
})

describe('which check version answers', () => {
  it('by default, the newest check version that covers the notice version', async () => {
    for (const version of notice.versions) {
      const covering = notice.checks.filter((c) => c.covers.includes(version.version))
      expect(checkVersionsFor(notice.id, version.version)).toEqual(covering.map((c) => c.check))
      expect((await rulePackFor(archive, notice.id, version.version))?.checkVersion).toBe(
        covering.at(-1)?.check,
      )
    }
  })

  it('a pinned check version, for every version it covers', async () => {
    for (const check of notice.checks)
      for (const v of check.covers) {
        const pack = await rulePackFor(archive, notice.id, v, check.check)
        expect([pack?.notice, pack?.version, pack?.checkVersion]).toEqual([
          notice.id,
          v,
          check.check,
        ])
      }
    expect(await rulePackFor(archive, notice.id, 1, next)).toBeUndefined()
  })

  it('c1 keeps answering as it did: the v2 election clause under c1', async () => {
    const text = '选举期间给村民发红包'
    expect(checkMessage((await rulePackFor(archive, notice.id, 1, 1))!, text, 'zh').verdict).toBe(
      'review',
    )
    expect(checkMessage((await rulePackFor(archive, notice.id, 2, 1))!, text, 'zh').verdict).toBe(
      'block',
    )
  })
})

describe('POST /api/check cites the check version', () => {
  let client = 0
  const postJson = (path: string, body: unknown) =>
    exports.default.fetch(
      new Request(`http://localhost${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'cf-connecting-ip': `203.0.113.${++client}`,
        },
        body: JSON.stringify(body),
      }),
    )
  const current = currentVersion(notice)!
  const defaultCheck = notice.checks.findLast((c) => c.covers.includes(current.version))!

  it('the notice version and, by default, its newest check version, each with its sha256', async () => {
    const body = (await (await postJson('/api/check', { text: '红包收到了' })).json()) as any
    expect(body.notice).toEqual({ id: notice.id, version: current.version, sha256: current.sha256 })
    expect(body.check).toEqual({ version: defaultCheck.check, sha256: defaultCheck.sha256 })
  })

  it.each(notice.checks.map((c) => [c.check, c] as const))(
    'check version c%i when pinned, in both routes',
    async (_, check) => {
      const version = check.covers.at(-1)!
      const one = (await (
        await postJson('/api/check', { text: '红包收到了', version, check: check.check })
      ).json()) as any
      expect(one.check).toEqual({ version: check.check, sha256: check.sha256 })
      expect(one.notice.version).toBe(version)
      const batch = (await (
        await postJson('/api/check/batch', { texts: ['红包收到了'], version, check: check.check })
      ).json()) as any
      expect(batch.check).toEqual(one.check)
      expect(batch.results[0].verdict).toBe(one.verdict)
    },
  )

  it.each([
    ['an unknown check version', { check: next }, 404, 'check_not_found', `c${next}`],
    ['a check version that is not a number', { check: 'c1' }, 400, 'invalid_request', ''],
    ['check version 0', { check: 0 }, 400, 'invalid_request', ''],
  ])('%s -> %i %s', async (_, target, status, code, said) => {
    const res = await postJson('/api/check', { text: '红包', ...target })
    expect(res.status).toBe(status)
    const body = (await res.json()) as any
    expect(body).toMatchObject({ error: { status, code } })
    expect(body.error.message).toContain(said)
  })

  it('the /check result page names the check version', async () => {
    const res = await exports.default.fetch(
      new Request('http://localhost/check?lang=en', {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'http://localhost',
          'cf-connecting-ip': '203.0.113.250',
        },
        body: new URLSearchParams({ text: '红包收到了' }).toString(),
      }),
    )
    const page = await res.text()
    expect(page).toContain(`check version c${defaultCheck.check}`)
    expect(page).toContain(defaultCheck.sha256.slice(0, 12))
  })
})
