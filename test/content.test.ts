import { describe, expect, it } from 'vitest'
import { compileContent, type ContentFiles } from '../scripts/content'
import { canonicalVersion, sha256Hex } from '../src/content/canonical'
import { currentVersion, findNotice, listNotices } from '../src/content/catalog'
import type { CompiledNotice } from '../src/content/types'
import { contentFiles, problemsOf, publishedLock } from './content-helpers'

const V1 = 'content/notices/wechat-red-lines/v1'

describe('published versions', () => {
  const notice = findNotice('wechat-red-lines') as CompiledNotice

  it('ships the red-lines notice with at least two versions and the eight fixed rule ids', () => {
    expect(notice.versions.length).toBeGreaterThanOrEqual(2)
    for (const version of notice.versions)
      for (const lang of ['zh', 'en'] as const)
        expect(version.languages[lang].rules.map((r) => r.id)).toEqual([
          'disparaging-policy',
          'pornography',
          'rumours',
          'red-envelopes',
          'vote-rigging',
          'leaking-secrets',
          'online-shops',
          'inappropriate-statements',
        ])
  })

  it.each(
    listNotices().flatMap((n) => n.versions.map((v) => [`${v.notice} v${v.version}`, v] as const)),
  )('%s is addressed by the hash of its canonical content, as locked', async (_, version) => {
    const { sha256, ...rest } = version
    expect(await sha256Hex(canonicalVersion(rest))).toBe(sha256)
    expect(publishedLock.notices?.[version.notice]?.[String(version.version)]?.sha256).toBe(sha256)
  })

  it('compiles the content tree to exactly what the Worker serves', async () => {
    const { content } = await compileContent(contentFiles, publishedLock)
    expect(content.notices.map((n) => n.versions.map((v) => v.sha256))).toEqual(
      listNotices().map((n) => n.versions.map((v) => v.sha256)),
    )
  })

  it('records how each rule changed: v2 changes red-envelopes materially, rumours editorially', () => {
    const v2 = notice.versions[1]!
    expect(v2.changes['red-envelopes']).toBe('material')
    expect(v2.changes.rumours).toBe('editorial')
    expect(v2.changes.pornography).toBe('unchanged')
    expect(notice.versions[0]!.changes.pornography).toBe('added')
  })

  it.each([
    ['before v2 took effect', '2017-05-01', 1],
    ['the day v2 took effect', '2017-06-01', 2],
    [
      'today',
      new Date().toISOString().slice(0, 10),
      notice.versions.findLast((v) => v.effectiveFrom <= new Date().toISOString().slice(0, 10))
        ?.version,
    ],
    ['before anything took effect', '2016-01-01', undefined],
  ])('the current version %s is the latest already in effect', (_, day, expected) => {
    expect(currentVersion(notice, new Date(`${day}T12:00:00Z`))?.version).toBe(expected)
  })
})

describe('the build refuses', () => {
  const edit = (path: string, change: (text: string) => string): ContentFiles => ({
    ...contentFiles,
    [path]: change((contentFiles[path] as string | undefined) ?? ''),
  })

  it('an edit to a published version, naming the file and what to do instead', async () => {
    const problems = await problemsOf(edit(`${V1}/zh.md`, (t) => t.replace('不得', '不准')))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain(`${V1}/zh.md`)
    expect(problems[0]).toContain('can never change')
    expect(problems[0]).toMatch(/new version: copy .*\/v1 to .*\/v3/)
  })

  it.each([
    [
      'raw HTML in markdown',
      edit(`${V1}/en.md`, (t) =>
        t.replace(
          'Do not leak secrets {#leaking-secrets}\n',
          'Do not leak secrets {#leaking-secrets}\n\n<script>alert(1)</script>\n',
        ),
      ),
      /en\.md:\d+: raw HTML/,
    ],
    [
      'inline raw HTML',
      edit(`${V1}/en.md`, (t) => t.replace('Do not send or store', 'Do not <b>send</b> or store')),
      /en\.md:\d+: raw HTML/,
    ],
    [
      'a rule heading without an id',
      edit(`${V1}/zh.md`, (t) => t.replace(' {#pornography}', '')),
      /needs an id/,
    ],
    [
      'languages with different rules',
      edit(`${V1}/en.md`, (t) => t.replace('{#pornography}', '{#porn}')),
      /same rules in the same order/,
    ],
    [
      'a version number that does not match its folder',
      edit(`${V1}/version.json`, (t) => t.replace('"version": 1', '"version": 7')),
      /"version" must be 1/,
    ],
  ])('%s', async (_, edited, expected) => {
    const problems = await problemsOf(edited, {})
    expect(problems.join('\n')).toMatch(expected)
  })

  const v3 = (zh: (t: string) => string, changes: Record<string, string>): ContentFiles => {
    const v2 = 'content/notices/wechat-red-lines/v2'
    const files: ContentFiles = { ...contentFiles }
    for (const [path, text] of Object.entries(contentFiles))
      // The check is versioned apart (checks/c<n>/), so a new notice version carries none.
      if (path.startsWith(`${v2}/`) && !path.endsWith('/check.json'))
        files[path.replace('/v2/', '/v3/')] = text
    const v3 = 'content/notices/wechat-red-lines/v3'
    files[`${v3}/version.json`] = JSON.stringify({
      version: 3,
      effectiveFrom: '2030-01-01',
      summary: { zh: '测试', en: 'test' },
      changes,
    })
    files[`${v3}/zh.md`] = zh((files[`${v3}/zh.md`] as string | undefined) ?? '')
    return files
  }

  it('an unpublished version, until it is published; then it is locked and served as future', async () => {
    const files = v3((t) => t.replace('不得拉票贿选', '严禁拉票贿选'), {
      'vote-rigging': 'material',
    })
    expect((await problemsOf(files)).join()).toContain('v3: version 3 is not published yet')
    const { content, lock: next } = await compileContent(files, publishedLock, { publish: true })
    expect(next.notices?.['wechat-red-lines']?.['3']?.sha256).toBe(
      content.notices[0]?.versions[2]?.sha256,
    )
    expect(currentVersion(content.notices[0]!)?.version).toBe(notice().versions.at(-1)?.version)
  })

  it('a changed rule that is not declared material or editorial', async () => {
    const files = v3((t) => t.replace('不得拉票贿选', '严禁拉票贿选'), {})
    expect((await problemsOf(files)).join()).toContain('rule vote-rigging changed since version 2')
  })

  it('removing a published version', async () => {
    const files = Object.fromEntries(
      Object.entries(contentFiles).filter(([p]) => !p.includes('/v2/')),
    )
    expect((await problemsOf(files)).join()).toContain('published versions can never be removed')
  })
})

function notice(): CompiledNotice {
  return findNotice('wechat-red-lines') as CompiledNotice
}
