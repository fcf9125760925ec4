/**
 * The content compiler: content/ files -> compiled notices, checked against the publication lock.
 * Pure (no fs), so the build script runs it in Node and the tests run it in workerd.
 */
import { Marked, type Token, type Tokens } from 'marked'
import {
  checkFileHashes,
  checkVersionSha256,
  compileCheckVersion,
  isCheckPath,
  readCheckVersions,
  resolveChecks,
  type CheckVersionSource,
  type FileContent,
} from './check-versions'
import { canonicalLanguageText, canonicalVersion, sha256Hex } from '../src/content/canonical'
import {
  LANGS,
  type CompiledCheck,
  type CompiledContent,
  type CompiledLanguage,
  type CompiledNotice,
  type CompiledRule,
  type CompiledVersion,
  type Lang,
  type RuleChange,
} from '../src/content/types'

/**
 * Path relative to the project root (`content/notices/<id>/v<n>/<file>`,
 * `content/notices/<id>/checks/c<n>/<file>`) -> file text (bytes for a check version's binary data).
 */
export type ContentFiles = Record<string, FileContent>

export interface LockEntry {
  sha256: string
  /** SHA-256 of each file's bytes, so an edit can be traced to the file that changed. */
  files: Record<string, string>
}
/** Notice id -> version number (check number for checks) -> lock entry. */
export interface PublicationLock {
  notices?: Record<string, Record<string, LockEntry>>
  checks?: Record<string, Record<string, LockEntry>>
}

export class ContentError extends Error {
  constructor(readonly problems: string[]) {
    super(`content/ has ${problems.length} problem(s):\n- ${problems.join('\n- ')}`)
  }
}

const markdown = new Marked({ gfm: true, async: false })
const RULE_HEADING = /^(.*?)\s*\{#([a-z0-9]+(?:-[a-z0-9]+)*)\}\s*$/
const VERSION_DIR = /^content\/notices\/([a-z0-9]+(?:-[a-z0-9]+)*)\/v([1-9][0-9]*)\/([^/]+)$/
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/

interface VersionSource {
  notice: string
  version: number
  dir: string
  files: Record<string, string>
}

interface ParsedLanguage {
  title: string
  intro: string
  rules: { id: string; title: string; text: string }[]
}

/**
 * publish: lock every version and check version not locked yet. draft: compile them without
 * locking (to preview or evaluate them); the build without either refuses them.
 */
export interface CompileOptions {
  publish?: boolean
  draft?: boolean
}

export async function compileContent(
  files: ContentFiles,
  lock: PublicationLock,
  options: CompileOptions = {},
): Promise<{ content: CompiledContent; lock: PublicationLock }> {
  const problems: string[] = []
  const sources = groupVersions(files, problems)
  const checkSources = readCheckVersions(files, problems)
  const notices: CompiledNotice[] = []
  const nextLock: PublicationLock = {
    notices: structuredClone(lock.notices ?? {}),
    checks: structuredClone(lock.checks ?? {}),
  }
  const ruleOwners = new Map<string, string>()

  for (const [noticeId, versions] of [...sources].sort(([a], [b]) => a.localeCompare(b))) {
    versions.sort((a, b) => a.version - b.version)
    versions.forEach((source, i) => {
      if (source.version !== i + 1)
        problems.push(
          `${source.dir}: versions of ${noticeId} must be numbered 1, 2, 3... without gaps`,
        )
    })
    const compiled: CompiledVersion[] = []
    for (const source of versions) {
      const version = await compileVersion(source, compiled.at(-1), problems)
      if (!version) continue
      compiled.push(version)
      await checkLock(source, version, nextLock, options, problems)
    }
    const checks = await compileChecks(
      noticeId,
      compiled,
      checkSources.get(noticeId) ?? [],
      files,
      problems,
    )
    for (const source of checkSources.get(noticeId) ?? [])
      if (source.manifest) await checkCheckLock(source, nextLock, options, problems)
    checkSources.delete(noticeId)
    for (const rule of compiled.at(-1)?.languages.zh.rules ?? []) {
      const owner = ruleOwners.get(rule.id)
      if (owner && owner !== noticeId)
        problems.push(
          `rule id "${rule.id}" is used by both ${owner} and ${noticeId}; rule ids must be unique`,
        )
      ruleOwners.set(rule.id, noticeId)
    }
    notices.push({ id: noticeId, versions: compiled, checks })
  }
  for (const [noticeId, list] of checkSources)
    for (const source of list)
      problems.push(`${source.dir}: there is no notice "${noticeId}" for this check version`)
  for (const noticeId of Object.keys(lock.checks ?? {}))
    for (const n of Object.keys(lock.checks?.[noticeId] ?? {}))
      if (!notices.find((x) => x.id === noticeId)?.checks.some((c) => String(c.check) === n))
        problems.push(
          `content/notices/${noticeId}/checks/c${n}/ is missing but was published (content/published.lock.json): published check versions can never be removed; restore the folder from git`,
        )
  for (const noticeId of Object.keys(lock.notices ?? {})) {
    for (const n of Object.keys(lock.notices?.[noticeId] ?? {})) {
      if (!sources.get(noticeId)?.some((s) => String(s.version) === n))
        problems.push(
          `content/notices/${noticeId}/v${n}/ is missing but was published (content/published.lock.json): published versions can never be removed; restore the folder from git`,
        )
    }
  }
  if (problems.length) throw new ContentError(problems)
  return { content: { notices }, lock: nextLock }
}

function groupVersions(files: ContentFiles, problems: string[]): Map<string, VersionSource[]> {
  const byNotice = new Map<string, VersionSource[]>()
  for (const [path, text] of Object.entries(files)) {
    if (isCheckPath(path)) continue
    const match = VERSION_DIR.exec(path)
    if (!match) {
      problems.push(`${path}: not where content belongs (content/notices/<notice-id>/v<n>/<file>)`)
      continue
    }
    const [, notice = '', n = '', file = ''] = match
    const versions = byNotice.get(notice) ?? []
    byNotice.set(notice, versions)
    let source = versions.find((v) => v.version === Number(n))
    if (!source) {
      source = { notice, version: Number(n), dir: `content/notices/${notice}/v${n}`, files: {} }
      versions.push(source)
    }
    if (typeof text !== 'string') problems.push(`${path}: must be UTF-8 text`)
    else source.files[file] = text
  }
  return byNotice
}

interface VersionMeta {
  version: number
  effectiveFrom: string
  summary: Record<Lang, string>
  changes: Record<string, string>
}

function parseMeta(source: VersionSource, problems: string[]): VersionMeta | undefined {
  const path = `${source.dir}/version.json`
  const text = source.files['version.json']
  if (text === undefined) {
    problems.push(`${path}: missing (version, effectiveFrom, summary, changes)`)
    return undefined
  }
  let meta: Partial<VersionMeta>
  try {
    meta = JSON.parse(text) as Partial<VersionMeta>
  } catch (error) {
    problems.push(`${path}: not valid JSON (${(error as Error).message})`)
    return undefined
  }
  const before = problems.length
  if (meta.version !== source.version)
    problems.push(`${path}: "version" must be ${source.version}, the number in the folder name`)
  if (typeof meta.effectiveFrom !== 'string' || !ISO_DATE.test(meta.effectiveFrom))
    problems.push(`${path}: "effectiveFrom" must be a date like 2017-04-18`)
  for (const lang of LANGS)
    if (typeof meta.summary?.[lang] !== 'string' || !meta.summary[lang].trim())
      problems.push(`${path}: "summary.${lang}" must be a non-empty string`)
  const changes = meta.changes ?? {}
  for (const [id, kind] of Object.entries(changes))
    if (kind !== 'material' && kind !== 'editorial')
      problems.push(`${path}: changes.${id} must be "material" or "editorial"`)
  return problems.length === before ? ({ ...meta, changes } as VersionMeta) : undefined
}

function parseLanguage(path: string, text: string, problems: string[]): ParsedLanguage | undefined {
  const tokens = markdown.lexer(text)
  const before = problems.length
  rejectRawHtml(path, text, tokens, problems)
  let title: string | undefined
  const intro: string[] = []
  const rules: ParsedLanguage['rules'] = []
  for (const token of tokens) {
    if (token.type === 'heading' && (token as Tokens.Heading).depth === 1) {
      if (title !== undefined || rules.length)
        problems.push(`${path}: only one "# title", at the top`)
      title = (token as Tokens.Heading).text.trim()
    } else if (token.type === 'heading' && (token as Tokens.Heading).depth === 2) {
      const heading = RULE_HEADING.exec((token as Tokens.Heading).text)
      if (!heading) {
        problems.push(
          `${path}: rule heading "${(token as Tokens.Heading).text}" needs an id, like "## Title {#rule-id}"`,
        )
        continue
      }
      rules.push({ id: heading[2] ?? '', title: (heading[1] ?? '').trim(), text: '' })
    } else {
      const rule = rules.at(-1)
      if (rule) rule.text += token.raw
      else intro.push(token.raw)
    }
  }
  if (title === undefined) problems.push(`${path}: needs a "# title" line`)
  if (!rules.length) problems.push(`${path}: needs at least one "## Rule title {#rule-id}" section`)
  for (const rule of rules) {
    rule.text = rule.text.trim()
    if (!rule.title) problems.push(`${path}: rule ${rule.id} has an empty title`)
    if (!rule.text) problems.push(`${path}: rule ${rule.id} has no text`)
  }
  return problems.length === before
    ? { title: title ?? '', intro: intro.join('').trim(), rules }
    : undefined
}

/** Content is trusted to be markdown only, so the HTML we serve is HTML we generated. */
function rejectRawHtml(path: string, text: string, tokens: Token[], problems: string[]): void {
  markdown.walkTokens(tokens, (token) => {
    if (token.type !== 'html') return
    const at = text.indexOf(token.raw)
    const line = at < 0 ? '?' : text.slice(0, at).split('\n').length
    problems.push(
      `${path}:${line}: raw HTML (${JSON.stringify(token.raw.trim().slice(0, 40))}) is not allowed in content; use markdown`,
    )
  })
}

function toHtml(text: string): string {
  return markdown.parse(text, { async: false })
}

async function compileVersion(
  source: VersionSource,
  previous: CompiledVersion | undefined,
  problems: string[],
): Promise<CompiledVersion | undefined> {
  const meta = parseMeta(source, problems)
  const parsed: Partial<Record<Lang, ParsedLanguage>> = {}
  for (const lang of LANGS) {
    const path = `${source.dir}/${lang}.md`
    const text = source.files[`${lang}.md`]
    if (text === undefined)
      problems.push(`${path}: missing (every version is published in ${LANGS.join(' and ')})`)
    else parsed[lang] = parseLanguage(path, text, problems)
  }
  for (const file of Object.keys(source.files))
    if (!['version.json', 'check.json', ...LANGS.map((l) => `${l}.md`)].includes(file))
      problems.push(`${source.dir}/${file}: unexpected file in a version folder`)
  const { zh, en } = parsed
  if (!meta || !zh || !en) return undefined

  const ids = zh.rules.map((r) => r.id)
  if (new Set(ids).size !== ids.length)
    problems.push(`${source.dir}/zh.md: a rule id is used twice`)
  if (en.rules.map((r) => r.id).join() !== ids.join())
    problems.push(`${source.dir}: zh.md and en.md must have the same rules in the same order`)
  if (previous && meta.effectiveFrom < previous.effectiveFrom)
    problems.push(
      `${source.dir}/version.json: effectiveFrom is earlier than version ${previous.version}'s`,
    )

  const changes = deriveChanges(source, ids, { zh, en }, meta.changes, previous, problems)
  const checkText = source.files['check.json']
  const languages = {} as Record<Lang, CompiledLanguage>
  for (const lang of LANGS) {
    const language = parsed[lang] as ParsedLanguage
    const rules: CompiledRule[] = language.rules.map((rule, i) => ({
      ...rule,
      number: i + 1,
      html: toHtml(rule.text),
    }))
    const withoutHash = { title: language.title, intro: language.intro, rules }
    languages[lang] = {
      ...withoutHash,
      introHtml: toHtml(language.intro),
      textSha256: await sha256Hex(
        canonicalLanguageText(source.notice, source.version, lang, withoutHash),
      ),
    }
  }
  const version: Omit<CompiledVersion, 'sha256'> = {
    notice: source.notice,
    version: source.version,
    effectiveFrom: meta.effectiveFrom,
    summary: meta.summary,
    changes,
    removed: previous
      ? previous.languages.zh.rules.map((r) => r.id).filter((id) => !ids.includes(id))
      : [],
    checkSha256: checkText === undefined ? null : await sha256Hex(checkText),
    languages,
  }
  return { ...version, sha256: await sha256Hex(canonicalVersion(version)) }
}

/** Authors declare each changed rule material or editorial; the build holds them to it. */
function deriveChanges(
  source: VersionSource,
  ids: string[],
  parsed: Record<Lang, ParsedLanguage>,
  declared: Record<string, string>,
  previous: CompiledVersion | undefined,
  problems: string[],
): Record<string, RuleChange> {
  const path = `${source.dir}/version.json`
  const changes: Record<string, RuleChange> = {}
  for (const id of Object.keys(declared))
    if (!ids.includes(id))
      problems.push(`${path}: changes.${id} names a rule this version does not have`)
  for (const id of ids) {
    const before =
      previous && LANGS.map((l) => previous.languages[l].rules.find((r) => r.id === id))
    if (!before || before.some((r) => !r)) {
      if (declared[id])
        problems.push(`${path}: rule ${id} is new in this version; leave it out of "changes"`)
      changes[id] = 'added'
      continue
    }
    const differs = LANGS.some((lang, i) => {
      const now = parsed[lang].rules.find((r) => r.id === id)
      return now?.title !== before[i]?.title || now?.text !== before[i]?.text
    })
    const kind = declared[id]
    if (differs && !kind)
      problems.push(
        `${path}: rule ${id} changed since version ${previous.version}; declare it in "changes" as "material" (readers must acknowledge again) or "editorial"`,
      )
    if (!differs && kind)
      problems.push(`${path}: changes.${id} is declared but the rule's text did not change`)
    changes[id] = differs ? ((kind as RuleChange | undefined) ?? 'material') : 'unchanged'
  }
  return changes
}

async function checkLock(
  source: VersionSource,
  version: CompiledVersion,
  fullLock: PublicationLock,
  options: CompileOptions,
  problems: string[],
): Promise<void> {
  const lock = (fullLock.notices ??= {})
  const fileHashes: Record<string, string> = {}
  for (const [file, text] of Object.entries(source.files).sort(([a], [b]) => a.localeCompare(b)))
    fileHashes[file] = await sha256Hex(text)
  const entry = lock[source.notice]?.[String(source.version)]
  if (!entry) {
    if (options.publish)
      (lock[source.notice] ??= {})[String(source.version)] = {
        sha256: version.sha256,
        files: fileHashes,
      }
    else if (!options.draft)
      problems.push(
        `${source.dir}: version ${source.version} is not published yet. Run \`npm run publish-content\` to lock it, then commit content/published.lock.json with it`,
      )
    return
  }
  if (entry.sha256 === version.sha256) return
  const edited = Object.keys({ ...fileHashes, ...entry.files }).filter(
    (file) => fileHashes[file] !== entry.files[file],
  )
  const next = `v${Math.max(...Object.keys(lock[source.notice] ?? {}).map(Number)) + 1}`
  const nextCheck = `c${Math.max(0, ...Object.keys(fullLock.checks?.[source.notice] ?? {}).map(Number)) + 1}`
  for (const file of edited.length ? edited : ['(a file)'])
    problems.push(
      `${source.dir}/${file}: version ${source.version} of ${source.notice} is published (content/published.lock.json) and can never change. ` +
        (file === 'check.json'
          ? `Undo this edit (git checkout -- ${source.dir}/${file}); the check has versions of its own: make the change in a new check version, content/notices/${source.notice}/checks/${nextCheck}/ (see content/README-check.md), then run \`npm run publish-content\``
          : `Undo this edit (git checkout -- ${source.dir}/${file}) and make the change in a new version: copy ${source.dir} to content/notices/${source.notice}/${next}, edit it there, set its version, effectiveFrom, summary and changes, then run \`npm run publish-content\``),
    )
}

/**
 * The check versions of one notice: each covers versions the notice has, and every check.json a
 * notice version carries belongs to a check version (c1 names the ones published with v1 and v2).
 */
async function compileChecks(
  noticeId: string,
  versions: CompiledVersion[],
  sources: CheckVersionSource[],
  files: ContentFiles,
  problems: string[],
): Promise<CompiledCheck[]> {
  const out: CompiledCheck[] = []
  for (const source of sources) {
    if (!source.manifest) continue
    for (const n of Object.keys(source.manifest.covers))
      if (!versions.some((v) => String(v.version) === n))
        problems.push(
          `${source.dir}/manifest.json: covers.${n}, but ${noticeId} has no version ${n}`,
        )
    out.push(await compileCheckVersion(source))
  }
  resolveChecks(noticeId, sources, problems)
  for (const version of versions) {
    const path = `content/notices/${noticeId}/v${version.version}/check.json`
    if (
      files[path] !== undefined &&
      !sources.some(
        (s) =>
          s.manifest?.covers[String(version.version)] === `../../v${version.version}/check.json`,
      )
    )
      problems.push(
        `${path}: belongs to no check version. The check is versioned apart from the notice: name it in a check version's manifest.json (covers), or move it into content/notices/${noticeId}/checks/c<n>/`,
      )
  }
  return out
}

async function checkCheckLock(
  source: CheckVersionSource,
  fullLock: PublicationLock,
  options: CompileOptions,
  problems: string[],
): Promise<void> {
  const lock = (fullLock.checks ??= {})
  const fileHashes = await checkFileHashes(source)
  const sha256 = await checkVersionSha256(source)
  const entry = lock[source.notice]?.[String(source.check)]
  const name = `c${source.check}`
  if (!entry) {
    if (options.publish)
      (lock[source.notice] ??= {})[String(source.check)] = { sha256, files: fileHashes }
    else if (!options.draft)
      problems.push(
        `${source.dir}: check version ${name} is not published yet. Run \`npm run publish-content\` to lock it, then commit content/published.lock.json with it (\`npm run build:draft\` builds it unlocked, to evaluate it first)`,
      )
    return
  }
  if (entry.sha256 === sha256) return
  const changed = Object.keys({ ...fileHashes, ...entry.files }).filter(
    (file) => fileHashes[file] !== entry.files[file],
  )
  // A notice version's own check.json (v1/check.json) is locked with that version too, and its
  // lock already reports the edit.
  const lockedWithNotice = (file: string) =>
    /^v[1-9][0-9]*\/check\.json$/.test(file) &&
    fullLock.notices?.[source.notice]?.[file.slice(1, file.indexOf('/'))] !== undefined
  const edited = changed.filter((file) => !lockedWithNotice(file))
  if (changed.length > 0 && edited.length === 0) return
  const notice = `content/notices/${source.notice}`
  const next = `c${Math.max(...Object.keys(lock[source.notice] ?? {}).map(Number)) + 1}`
  for (const file of edited.length ? edited : ['(a file)']) {
    const path = `${notice}/${file}`
    const undo =
      fileHashes[file] === undefined
        ? `This file was removed: restore it (git checkout -- ${path})`
        : entry.files[file] === undefined
          ? `This file was added: remove it`
          : `Undo this edit (git checkout -- ${path})`
    problems.push(
      `${path}: check version ${name} of ${source.notice} is published (content/published.lock.json) and can never change. ` +
        `${undo} and make the change in a new check version: create ${notice}/checks/${next}/ with a manifest.json (check, date, summary, extends, covers) and its check files, then run \`npm run publish-content\``,
    )
  }
}
