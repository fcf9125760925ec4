/**
 * Check versions: the message check's own immutable versions, apart from the notice's.
 *
 *   content/notices/<id>/checks/c<n>/manifest.json   check, date, summary, extends, covers
 *   content/notices/<id>/checks/c<n>/...              its check content (and any model data)
 *
 * `covers` maps each notice version the check version covers to the file holding its check.json
 * content, relative to the check version's folder: a file of its own ("v1.json"), or, for a check
 * version that names what a notice version already published, that version's own check.json
 * ("../../v1/check.json"). A check file's `extends` names another file of the same check version
 * ("v1": its content for notice version 1) or of an earlier one ("c1/v2").
 *
 * Pure (no fs): the content build locks and validates with it, the rule pack build compiles what
 * it resolves, and the tests run it in workerd.
 */
import { canonicalJson, sha256Hex } from '../src/content/canonical'
import type { Bilingual } from '../src/check/pack'
import type { CompiledCheck } from '../src/content/types'

export const CHECK_PATH =
  /^content\/notices\/([a-z0-9]+(?:-[a-z0-9]+)*)\/checks\/(c[1-9][0-9]*)\/((?:[^/]+\/)*[^/]+)$/
const NOTICE_CHECK = /^\.\.\/\.\.\/v([1-9][0-9]*)\/check\.json$/
const OWN_FILE = /^(?:[A-Za-z0-9_.-]+\/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*\.json$/
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/
const EXTENDS = /^(?:c([1-9][0-9]*)\/)?v([1-9][0-9]*)$/

// ---------------------------------------------------------------------------------------------
// check.json, as authored (format: content/README-check.md)

export interface TermSource {
  /** Words, lexicon names ("@money") and patterns ("[一二三]千块", "(收|领)了") */
  words: string[]
  emoji?: string[]
  /** The term that emoji (and, by default, pinyin and look-alikes) report: words[0] if absent. */
  means?: string
  verdict: 'block' | 'review'
  /** A hit only with a cue of at least one of these groups in range. */
  needs?: string[]
  /** A hit only with a cue of each of these groups in range. */
  all?: string[]
  /** Cue groups that clear a hit of this entry (on top of the rule's and the global ones). */
  pass?: string[]
  /** Cue groups that lower a block hit of this entry to review. */
  lower?: string[]
  /** Also match its toneless pinyin (six letters or more). */
  pinyin?: boolean
  /** Also match it with one character written in pinyin (机mi文件). */
  mixed?: boolean
  /** Also match its pinyin initials (four characters or more: xczx). */
  initials?: boolean
  homophones?: boolean
  note?: Bilingual
}
export interface RuleSource {
  terms?: TermSource[]
  allow?: string[]
  pass?: string[]
  boost?: string[]
  lower?: string[]
}
export interface CueGroupSource {
  dir?: 'before' | 'after' | 'around'
  scope?: 'clause' | 'sentence' | 'message'
  window?: number
  words?: string[]
  /** Its words (但是, however) end the reach of cues that clear a hit: 严禁…，但… */
  barrier?: boolean
  /** Also match its Han words in pinyin, whole or one character at a time (as for terms). */
  pinyin?: boolean
  mixed?: boolean
}
export interface CheckSource {
  extends?: string
  /** Named word lists, spliced into any list as "@name" or into a pattern as "(@name)". */
  lexicons?: Record<string, string[]>
  /** Symbols (¥) that patterns may spell; everywhere else symbols are seen through. */
  symbols?: string[]
  homophones?: Record<string, string[]>
  /**
   * The fewest characters a look-alike spelling may have (check version c8 on: 2, so 钱 is not
   * also 前, an ordinary character of its own, but still 钅戋 and 转的前); without it, 1.
   */
  homophonesMinLength?: number
  pass?: string[]
  lower?: string[]
  /** Cue groups that negate context: a cue they would clear as a term counts for nothing. */
  negate?: string[]
  allow?: string[]
  cues?: Record<string, CueGroupSource>
  rules?: Record<string, RuleSource>
  /**
   * How the rules' hits and the model's scores combine (check version c3 on): a review hit of a
   * rule whose model score is below floor[rule] (0-1) is dropped when a cue of a context group
   * stands anywhere in the message. From c4: a review hit whose model score is below veto[rule]
   * is dropped wherever it stands in a message of vetoLength characters or more (from c5 also of
   * vetoTokens tokens or more: words, Han characters, numbers), and a block hit
   * below blockFloor[rule] with a context cue.
   */
  fusion?: {
    context?: string[]
    floor?: Record<string, number>
    veto?: Record<string, number>
    vetoLength?: number
    vetoTokens?: number
    blockFloor?: Record<string, number>
  }
}

// Objects merge key by key, lists concatenate without duplicates, scalars are replaced.
type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
function merge(base: Json, over: Json): Json {
  if (Array.isArray(base) && Array.isArray(over)) {
    const seen = new Set(base.map((v) => JSON.stringify(v)))
    return [...base, ...over.filter((v) => !seen.has(JSON.stringify(v)))]
  }
  if (isObject(base) && isObject(over)) {
    const out: { [key: string]: Json } = { ...base }
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? merge(base[k] as Json, v) : v
    return out
  }
  return over
}
const isObject = (v: unknown): v is { [key: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Applies a version's check.json on top of the one it extends (already resolved). */
export function mergeCheck(base: CheckSource, over: CheckSource): CheckSource {
  const { extends: _, ...rest } = over
  return merge(base as Json, rest as Json) as CheckSource
}

// ---------------------------------------------------------------------------------------------
// Lexicons and patterns: expanded at build time into plain words, so the engine sees none of it.

/** The most words one pattern may stand for. */
const MAX_EXPANSION = 4096

/**
 * One list item -> the words it stands for: "@name" is a lexicon's words; in a word, "[abc]" is
 * any one of those characters and "(ab|cd|@name)" any one of those alternatives.
 */
export function expandItem(
  item: string,
  lexicons: Record<string, string[]>,
  problems: string[],
  chain: string[] = [],
): string[] {
  if (/^@[a-z0-9-]+$/.test(item)) {
    const name = item.slice(1)
    const list = lexicons[name]
    if (!list) {
      problems.push(`"${item}": no lexicon "${name}"`)
      return []
    }
    if (chain.includes(name)) {
      problems.push(`lexicon loop: ${[...chain, name].join(' -> ')}`)
      return []
    }
    return list.flatMap((w) => expandItem(w, lexicons, problems, [...chain, name]))
  }
  let out = ['']
  for (let i = 0; i < item.length;) {
    const ch = item[i] as string
    let choices: string[]
    if (ch === '[' || ch === '(') {
      const close = item.indexOf(ch === '[' ? ']' : ')', i + 1)
      if (close < 0) {
        problems.push(`"${item}": "${ch}" is not closed`)
        return []
      }
      const inner = item.slice(i + 1, close)
      choices =
        ch === '['
          ? [...inner]
          : inner.split('|').flatMap((alt) => expandItem(alt, lexicons, problems, chain))
      if (choices.length === 0) {
        problems.push(`"${item}": an empty choice`)
        return []
      }
      i = close + 1
    } else if (ch === ']' || ch === ')' || ch === '|') {
      problems.push(`"${item}": "${ch}" outside a choice`)
      return []
    } else {
      const cp = item.codePointAt(i) as number
      choices = [String.fromCodePoint(cp)]
      i += cp > 0xffff ? 2 : 1
    }
    if (out.length * choices.length > MAX_EXPANSION) {
      problems.push(`"${item}": stands for more than ${MAX_EXPANSION} words`)
      return []
    }
    out = out.flatMap((prefix) => choices.map((c) => prefix + c))
  }
  return out
}

/** A check with every lexicon name and pattern expanded into plain words. */
export function expandCheck(check: CheckSource, problems: string[]): CheckSource {
  const lexicons = check.lexicons ?? {}
  for (const [name, list] of Object.entries(lexicons))
    if (
      !/^[a-z0-9-]+$/.test(name) ||
      !Array.isArray(list) ||
      list.some((w) => typeof w !== 'string')
    )
      problems.push(`lexicons.${name}: a name of a-z, 0-9 and -, with a list of words`)
  const words = (list: string[] | undefined) =>
    list && [...new Set(list.flatMap((w) => expandItem(w, lexicons, problems)))]
  const { lexicons: _, ...rest } = check
  return {
    ...rest,
    allow: words(check.allow),
    cues:
      check.cues &&
      Object.fromEntries(
        Object.entries(check.cues).map(([name, g]) => [name, { ...g, words: words(g.words) }]),
      ),
    rules:
      check.rules &&
      Object.fromEntries(
        Object.entries(check.rules).map(([id, rule]) => [
          id,
          {
            ...rule,
            allow: words(rule.allow),
            terms: rule.terms?.map((t) => ({
              ...t,
              words: Array.isArray(t.words) ? (words(t.words) as string[]) : t.words,
            })),
          },
        ]),
      ),
  }
}

// ---------------------------------------------------------------------------------------------

/** A file's text, or its bytes when it is not text (model weights). */
export type FileContent = string | Uint8Array<ArrayBuffer>

export interface CheckManifest {
  check: number
  date: string
  summary: { zh: string; en: string }
  extends?: string
  /** Notice version number -> its check file, relative to the check version's folder. */
  covers: Record<string, string>
}

export interface CheckVersionSource {
  notice: string
  check: number
  /** content/notices/<id>/checks/c<n> */
  dir: string
  manifest: CheckManifest
  /** Every file of the check version, keyed by its path relative to the notice's folder. */
  files: Record<string, FileContent>
}

/** Paths relative to the project root of the files under content/notices/<id>/checks/. */
export function isCheckPath(path: string): boolean {
  return /^content\/notices\/[^/]+\/checks\//.test(path)
}

/**
 * Groups the files under checks/ by check version and reads each manifest. Files of the
 * notice's versions that a check version names (../../v1/check.json) are included, so a check
 * version's hash and lock cover everything it is made of.
 */
export function readCheckVersions(
  files: Record<string, FileContent>,
  problems: string[],
): Map<string, CheckVersionSource[]> {
  const byNotice = new Map<string, CheckVersionSource[]>()
  for (const [path, content] of Object.entries(files)) {
    if (!isCheckPath(path)) continue
    const match = CHECK_PATH.exec(path)
    if (!match) {
      problems.push(
        `${path}: not where a check version belongs (content/notices/<notice-id>/checks/c<n>/<file>)`,
      )
      continue
    }
    const [, notice = '', name = '', file = ''] = match
    const list = byNotice.get(notice) ?? []
    byNotice.set(notice, list)
    let source = list.find((s) => s.check === Number(name.slice(1)))
    if (!source) {
      source = {
        notice,
        check: Number(name.slice(1)),
        dir: `content/notices/${notice}/checks/${name}`,
        manifest: undefined as unknown as CheckManifest,
        files: {},
      }
      list.push(source)
    }
    source.files[`checks/${name}/${file}`] = content
  }
  for (const [notice, list] of byNotice) {
    list.sort((a, b) => a.check - b.check)
    list.forEach((source, i) => {
      if (source.check !== i + 1)
        problems.push(
          `${source.dir}: check versions of ${notice} must be numbered c1, c2, c3... without gaps`,
        )
    })
    for (const source of list) {
      const manifest = parseManifest(source, problems)
      if (!manifest) continue
      source.manifest = manifest
      for (const [n, file] of Object.entries(manifest.covers)) {
        const own = NOTICE_CHECK.exec(file)
        if (own) {
          const path = `content/notices/${notice}/v${n}/check.json`
          if (own[1] !== n)
            problems.push(
              `${source.dir}/manifest.json: covers.${n} may only name version ${n}'s own check.json (../../v${n}/check.json)`,
            )
          else if (files[path] === undefined)
            problems.push(`${source.dir}/manifest.json: covers.${n}: ${path} does not exist`)
          else source.files[`v${n}/check.json`] = files[path]
        } else if (!OWN_FILE.test(file) || file.split('/').includes('..'))
          problems.push(
            `${source.dir}/manifest.json: covers.${n} must name a .json file in ${source.dir}/ (like "v${n}.json") or ../../v${n}/check.json`,
          )
        else if (source.files[`checks/c${source.check}/${file}`] === undefined)
          problems.push(
            `${source.dir}/manifest.json: covers.${n}: ${source.dir}/${file} does not exist`,
          )
      }
    }
    list.forEach((source, i) => {
      const previous = list[i - 1]?.manifest
      if (source.manifest && previous && source.manifest.date < previous.date)
        problems.push(
          `${source.dir}/manifest.json: date is earlier than c${previous.check}'s (${previous.date})`,
        )
      const base = source.manifest?.extends
      if (base !== undefined && !(Number(base.slice(1)) < source.check))
        problems.push(`${source.dir}/manifest.json: extends must name an earlier check version`)
    })
  }
  return byNotice
}

function parseManifest(source: CheckVersionSource, problems: string[]): CheckManifest | undefined {
  const path = `${source.dir}/manifest.json`
  const text = source.files[`checks/c${source.check}/manifest.json`]
  if (text === undefined) {
    problems.push(`${path}: missing (check, date, summary, covers)`)
    return undefined
  }
  let manifest: Partial<CheckManifest>
  try {
    manifest = JSON.parse(typeof text === 'string' ? text : new TextDecoder().decode(text))
  } catch (error) {
    problems.push(`${path}: not valid JSON (${(error as Error).message})`)
    return undefined
  }
  const before = problems.length
  for (const key of Object.keys(manifest))
    if (!['check', 'date', 'summary', 'extends', 'covers'].includes(key))
      problems.push(`${path}: unknown key "${key}"`)
  if (manifest.check !== source.check)
    problems.push(`${path}: "check" must be ${source.check}, the number in the folder name`)
  if (typeof manifest.date !== 'string' || !ISO_DATE.test(manifest.date))
    problems.push(`${path}: "date" must be a date like 2026-12-01`)
  for (const lang of ['zh', 'en'] as const)
    if (typeof manifest.summary?.[lang] !== 'string' || !manifest.summary[lang].trim())
      problems.push(`${path}: "summary.${lang}" must be a non-empty string`)
  if (manifest.extends !== undefined && !/^c[1-9][0-9]*$/.test(String(manifest.extends)))
    problems.push(`${path}: "extends" names the check version this one builds on, like "c1"`)
  const covers = manifest.covers
  if (
    typeof covers !== 'object' ||
    covers === null ||
    Array.isArray(covers) ||
    Object.keys(covers).length === 0 ||
    Object.entries(covers).some(([n, f]) => !/^[1-9][0-9]*$/.test(n) || typeof f !== 'string')
  )
    problems.push(
      `${path}: "covers" maps each notice version it covers to its check file, like {"1": "v1.json"}`,
    )
  return problems.length === before ? (manifest as CheckManifest) : undefined
}

/** The files a check version consists of, with the SHA-256 of each (of its bytes). */
export async function checkFileHashes(source: CheckVersionSource): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const [file, content] of Object.entries(source.files).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  ))
    out[file] = await sha256Hex(content)
  return out
}

/**
 * The address of a check version: SHA-256 over its notice, number and the hash of every file it
 * is made of (the manifest among them, so its date, summary and covers are in it too).
 */
export async function checkVersionSha256(source: CheckVersionSource): Promise<string> {
  return sha256Hex(
    canonicalJson({
      notice: source.notice,
      check: source.check,
      files: await checkFileHashes(source),
    }),
  )
}

export async function compileCheckVersion(source: CheckVersionSource): Promise<CompiledCheck> {
  const { manifest } = source
  return {
    notice: source.notice,
    check: source.check,
    date: manifest.date,
    summary: manifest.summary,
    extends: manifest.extends === undefined ? null : Number(manifest.extends.slice(1)),
    covers: Object.keys(manifest.covers)
      .map(Number)
      .sort((a, b) => a - b),
    sha256: await checkVersionSha256(source),
  }
}

/** One (notice version, check version) pair, its check.json content merged and ready to compile. */
export interface ResolvedCheck {
  notice: string
  version: number
  check: number
  /** The file it comes from, relative to the project root (for error messages). */
  where: string
  source: CheckSource
}

/**
 * Resolves every covered notice version of every check version of one notice: reads its file and
 * applies `extends` (v<n> within the check version, c<m>/v<n> from an earlier one).
 */
export function resolveChecks(
  notice: string,
  checks: CheckVersionSource[],
  problems: string[],
): ResolvedCheck[] {
  const byNumber = new Map(checks.map((c) => [c.check, c]))
  const cache = new Map<string, CheckSource | undefined>()
  const fileOf = (c: CheckVersionSource, n: number) => {
    const file = c.manifest?.covers[String(n)]
    if (file === undefined) return undefined
    const own = NOTICE_CHECK.exec(file)
    return own ? `v${n}/check.json` : `checks/c${c.check}/${file}`
  }
  const resolve = (check: number, n: number, chain: string[]): CheckSource | undefined => {
    const key = `c${check}/v${n}`
    if (cache.has(key)) return cache.get(key)
    const source = byNumber.get(check)
    const file = source && fileOf(source, n)
    const where = `content/notices/${notice}/${file}`
    if (chain.includes(key)) {
      problems.push(`${where}: extends loop: ${[...chain, key].join(' -> ')}`)
      return undefined
    }
    const content = file === undefined ? undefined : source?.files[file]
    if (content === undefined) return undefined
    let own: CheckSource
    try {
      own = JSON.parse(typeof content === 'string' ? content : new TextDecoder().decode(content))
    } catch (error) {
      problems.push(`${where}: not valid JSON (${(error as Error).message})`)
      cache.set(key, undefined)
      return undefined
    }
    let merged: CheckSource | undefined = own
    if (own.extends !== undefined) {
      const m = EXTENDS.exec(String(own.extends))
      const baseCheck = m?.[1] === undefined ? check : Number(m[1])
      const baseVersion = Number(m?.[2])
      if (!m || baseCheck > check || (baseCheck < check && !byNumber.has(baseCheck))) {
        problems.push(
          `${where}: extends names another file of this check version ("v1") or of an earlier one ("c1/v2")`,
        )
        merged = undefined
      } else {
        const base = byNumber.get(baseCheck)
        if (!base || fileOf(base, baseVersion) === undefined) {
          problems.push(
            `${where}: extends "${own.extends}", but c${baseCheck} does not cover version ${baseVersion}`,
          )
          merged = undefined
        } else {
          const resolved = resolve(baseCheck, baseVersion, [...chain, key])
          merged = resolved ? mergeCheck(resolved, own) : undefined
        }
      }
    }
    cache.set(key, merged)
    return merged
  }
  const out: ResolvedCheck[] = []
  for (const c of checks) {
    if (!c.manifest) continue
    for (const n of Object.keys(c.manifest.covers)
      .map(Number)
      .sort((a, b) => a - b)) {
      const source = resolve(c.check, n, [])
      if (source)
        out.push({
          notice,
          version: n,
          check: c.check,
          where: `content/notices/${notice}/${fileOf(c, n)}`,
          source,
        })
    }
  }
  return out
}
