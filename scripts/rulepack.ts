/**
 * The rule pack compiler: a notice version's check.json (format: content/README-check.md) -> the
 * compact RulePackData the engine loads. Node only: opencc-js (traditional -> simplified) and
 * pinyin-pro run here, so the Worker ships tables, not libraries.
 */
import * as OpenCC from 'opencc-js'
import { pinyin } from 'pinyin-pro'
import {
  CHANNEL_EMOJI,
  CHANNEL_HOMOPHONE,
  CHANNEL_PINYIN,
  CHANNEL_TEXT,
  CLAUSE,
  DIGIT,
  DIR_AFTER,
  DIR_AROUND,
  DIR_BEFORE,
  FLAG_LATIN_END,
  FLAG_LATIN_START,
  FLAG_MARKS,
  INVISIBLE,
  KIND_ALLOW,
  KIND_CUE,
  KIND_TERM,
  LETTER_A,
  LETTER_Z,
  MARK,
  MAX_PATTERN,
  OTHER,
  PATTERN_STRIDE,
  RUN_STEPS,
  SCOPE_CLAUSE,
  SCOPE_MESSAGE,
  SCOPE_SENTENCE,
  SENTENCE,
  SKIP,
  VERDICT_BLOCK,
  VERDICT_REVIEW,
  TABLES,
  dataModuleBuffer,
  loadRulePack,
  type Bilingual,
  type RulePack,
  type RulePackData,
  type TableName,
} from '../src/check/pack'

export interface TermSource {
  words: string[]
  emoji?: string[]
  /** The term that emoji (and, by default, pinyin and look-alikes) report: words[0] if absent. */
  means?: string
  verdict: 'block' | 'review'
  needs?: string[]
  pinyin?: boolean
  homophones?: boolean
  note?: Bilingual
}
export interface RuleSource {
  terms?: TermSource[]
  allow?: string[]
  pass?: string[]
  boost?: string[]
}
export interface CueGroupSource {
  dir?: 'before' | 'after' | 'around'
  scope?: 'clause' | 'sentence' | 'message'
  window?: number
  words?: string[]
}
export interface CheckSource {
  extends?: string
  homophones?: Record<string, string[]>
  pass?: string[]
  allow?: string[]
  cues?: Record<string, CueGroupSource>
  rules?: Record<string, RuleSource>
}

export class RulePackError extends Error {
  constructor(
    readonly where: string,
    readonly problems: string[],
  ) {
    super(`${where}: ${problems.length} problem(s):\n- ${problems.join('\n- ')}`)
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
// Folding: one code point of text -> the characters the automaton sees.

/** Cyrillic and Greek letters that pass for Latin ones (before lower-casing, so case is kept). */
const CONFUSABLES: Record<string, string> = Object.fromEntries(
  (
    'АA ВB ЕE КK МM НH ОO РP СC ТT ХX УY ІI ЈJ ЅS ԚQ ԜW аa вb еe кk мm нh оo рp сc тt хx уy іi јj ѕs ' +
    'һh ԁd ԛq ԝw ӏl ɡg ΑA ΒB ΕE ΖZ ΗH ΙI ΚK ΜM ΝN ΟO ΡP ΤT ΥY ΧX αa βb εe ηn ιi κk νv οo ρp τt υu χx γy ωw'
  )
    .split(' ')
    .map((pair) => [pair[0] as string, pair[1] as string]),
)
const HAN = /\p{Script=Han}/u
const SENTENCE_CHARS = new Set([...'。.!?;！？；\n\r\u2028\u2029\u0085\v\f'])
const CLAUSE_CHARS = new Set([',', ':', '，', '：'])
/** Stars (and the asterisks typed for them): skipped like any symbol, but a pattern may require one. */
const MARK_CHARS = new Set([...'★☆✩✪✫✬✭✮✯✰⭐*＊﹡✱'])
const SKIPPABLE = /^[\p{White_Space}\p{C}\p{M}\p{P}\p{S}\p{Z}]$/u
/** Marks that show nothing of their own (Hangul fillers included): text reads as if they were absent. */
const INVISIBLE_CHAR = /^[\p{M}\p{Cf}\p{Default_Ignorable_Code_Point}]$/u

const toSimplified = [
  OpenCC.Converter({ from: 't', to: 'cn' }),
  OpenCC.Converter({ from: 'tw', to: 'cn' }),
  OpenCC.Converter({ from: 'hk', to: 'cn' }),
]
function simplify(ch: string): string {
  for (const convert of toSimplified) {
    const s = convert(ch)
    if (s !== ch && [...s].length === 1) return s
  }
  return ch
}

const foldCache = new Map<string, string>()
/** Compatibility forms, accents, look-alikes, case and traditional characters, folded away. */
export function foldChar(ch: string): string {
  let folded = foldCache.get(ch)
  if (folded !== undefined) return folded
  const plain = ch.normalize('NFKC').normalize('NFD').replace(/\p{M}/gu, '')
  folded = [...plain]
    .map((c) => (CONFUSABLES[c] ?? c).toLowerCase())
    .map((c) => (HAN.test(c) ? simplify(c) : c))
    .join('')
  foldCache.set(ch, folded)
  return folded
}

export class Alphabet {
  readonly symbols = new Map<string, number>()
  next = LETTER_Z + 1

  /** Characters patterns use become symbols; emoji only when listed as emoji. */
  collect(word: string, emoji: boolean): void {
    for (const ch of word)
      for (const c of foldChar(ch)) {
        if (/^[0-9a-z]$/.test(c) || this.symbols.has(c)) continue
        if (emoji || !SKIPPABLE.test(c)) this.symbols.set(c, 0)
      }
  }

  freeze(): void {
    for (const c of [...this.symbols.keys()].sort()) this.symbols.set(c, this.next++)
    if (this.next >= RUN_STEPS) throw new Error('too many distinct characters in the patterns')
  }

  /** The class of one folded character. */
  classify(c: string): number {
    if (c >= '0' && c <= '9' && c.length === 1) return DIGIT
    if (c >= 'a' && c <= 'z' && c.length === 1) return LETTER_A + c.charCodeAt(0) - 97
    const symbol = this.symbols.get(c)
    if (symbol !== undefined) return symbol
    if (SENTENCE_CHARS.has(c)) return SENTENCE
    if (CLAUSE_CHARS.has(c)) return CLAUSE
    if (MARK_CHARS.has(c)) return MARK
    if (INVISIBLE_CHAR.test(c)) return INVISIBLE
    return SKIPPABLE.test(c) ? SKIP : OTHER
  }

  /** The class of one code point of text. */
  classOf(ch: string): number {
    if (INVISIBLE_CHAR.test(ch)) return INVISIBLE
    const classes = [...foldChar(ch)].map((c) => this.classify(c))
    if (classes.includes(OTHER)) return OTHER
    const symbols = new Set(classes.filter((c) => c >= DIGIT))
    if (symbols.size === 1) return [...symbols][0] as number
    if (symbols.size > 1) return OTHER // ligatures and squared words: too rare to spell out
    return Math.max(SKIP, ...classes)
  }
}

const isWord = (cls: number | undefined) => cls !== undefined && cls >= DIGIT && cls <= LETTER_Z

interface Symbols {
  classes: number[]
  junctions: number
  breaks: number
  /** Junctions where the word spells a mark (★): the text must have one there too. */
  marks: number
}

/** A pattern word -> symbols, collapsing repeated non-Latin symbols exactly as the text is. */
function toSymbols(alphabet: Alphabet, word: string, problems: string[]): Symbols | undefined {
  const classes: number[] = []
  let junctions = 0
  let breaks = 0
  let marks = 0
  let spaced = false
  let marked = false
  for (const ch of word)
    for (const c of foldChar(ch)) {
      const cls = alphabet.classify(c)
      if (cls === OTHER) {
        problems.push(`"${word}": cannot match the character "${c}"`)
        return undefined
      }
      if (cls < DIGIT) {
        if (cls !== INVISIBLE) spaced = classes.length > 0
        if (cls === MARK) {
          if (classes.length === 0) {
            problems.push(`"${word}": a mark (${c}) can only stand between two characters`)
            return undefined
          }
          marked = true
        }
        continue
      }
      const prev = classes.at(-1)
      if (prev === cls && !(cls >= LETTER_A && cls <= LETTER_Z)) continue
      const k = classes.length
      if (marked) {
        if (k > 31) {
          problems.push(`"${word}": a mark must stand within the first 32 characters`)
          return undefined
        }
        marks |= 1 << k
        marked = false
      }
      if (isWord(prev) && isWord(cls)) {
        if (k > 31) {
          problems.push(`"${word}": Latin words are limited to 32 letters`)
          return undefined
        }
        junctions |= 1 << k
        if (spaced) breaks |= 1 << k
      }
      spaced = false
      classes.push(cls)
    }
  if (classes.length === 0) problems.push(`"${word}": nothing to match`)
  else if (marked) problems.push(`"${word}": a mark can only stand between two characters`)
  else if (classes.length > MAX_PATTERN)
    problems.push(`"${word}": longer than ${MAX_PATTERN} characters`)
  else return { classes, junctions, breaks, marks }
  return undefined
}

const LATIN_WORD = /^[\p{Script=Latin}0-9 '’.-]+$/u
/** English plural of the last word, so "red envelope" also matches "red envelopes". */
function plural(word: string): string | undefined {
  if (!/[a-z]$/i.test(word) || !LATIN_WORD.test(word)) return undefined
  if (/[^aeiou]y$/i.test(word)) return `${word.slice(0, -1)}ies`
  if (/(s|x|z|ch|sh)$/i.test(word)) return `${word}es`
  return `${word}s`
}

/** Toneless pinyin with syllables spaced; short ones collide with English words, so none. */
function pinyinOf(word: string): string | undefined {
  if (![...word].every((c) => HAN.test(c))) return undefined
  const syllables = pinyin(word, { toneType: 'none', type: 'array' }) as string[]
  const spelled = syllables.join(' ')
  return spelled.replace(/ /g, '').length >= 6 ? spelled : undefined
}

// ---------------------------------------------------------------------------------------------

interface Spelling {
  word: string
  channel: number
  /** The word it was made from (for emoji: what the entry means). */
  term: string
}

/** Every way a term entry is spelled: as listed, plural, pinyin, look-alikes, emoji. */
function spellingsOf(entry: TermSource, homophones: CheckSource['homophones']): Spelling[] {
  const out: Spelling[] = []
  for (const term of entry.words) {
    out.push({ word: term, channel: CHANNEL_TEXT, term })
    const p = plural(term)
    if (p) out.push({ word: p, channel: CHANNEL_TEXT, term })
    const py = entry.pinyin ? pinyinOf(term) : undefined
    if (py) out.push({ word: py, channel: CHANNEL_PINYIN, term })
    if (entry.homophones)
      [...term].forEach((ch, i, chars) => {
        for (const alt of homophones?.[ch] ?? [])
          out.push({
            word: [...chars.slice(0, i), alt, ...chars.slice(i + 1)].join(''),
            channel: CHANNEL_HOMOPHONE,
            term,
          })
      })
  }
  const means = entry.means ?? entry.words[0]
  for (const e of entry.emoji ?? []) out.push({ word: e, channel: CHANNEL_EMOJI, term: means ?? e })
  return out
}

/** The symbols of every pattern the checks use, generated spellings included. */
function alphabetOf(checks: CheckSource[]): Alphabet {
  const alphabet = new Alphabet()
  for (const check of checks) {
    for (const rule of Object.values(check.rules ?? {})) {
      for (const entry of rule.terms ?? [])
        for (const s of spellingsOf(entry, check.homophones))
          alphabet.collect(s.word, s.channel === CHANNEL_EMOJI)
      for (const w of rule.allow ?? []) alphabet.collect(w, false)
    }
    for (const g of Object.values(check.cues ?? {}))
      for (const w of g.words ?? []) alphabet.collect(w, false)
    for (const w of check.allow ?? []) alphabet.collect(w, false)
  }
  alphabet.freeze()
  return alphabet
}

/** Compiles every version; the versions of one notice share an alphabet (and so BMP table). */
export function compileRulePacks(inputs: RulePackInput[]): CompiledPack[] {
  const alphabets = new Map<string, Alphabet>()
  for (const notice of new Set(inputs.map((i) => i.notice)))
    alphabets.set(notice, alphabetOf(inputs.filter((i) => i.notice === notice).map((i) => i.check)))
  return inputs.map((input) => compileRulePack(input, alphabets.get(input.notice)))
}

interface Pattern {
  kind: number
  /** Terms and allow words: rule index (-1: every rule). Cues: mask of their groups. */
  rule: number
  verdict: number
  channel: number
  needs: number
  symbols: Symbols
  label: number
  form: number
  note: number
}

const DIRS = { around: DIR_AROUND, before: DIR_BEFORE, after: DIR_AFTER } as const
const SCOPES = { clause: SCOPE_CLAUSE, sentence: SCOPE_SENTENCE, message: SCOPE_MESSAGE } as const
const KEYS = {
  top: ['extends', 'homophones', 'pass', 'allow', 'cues', 'rules'],
  group: ['dir', 'scope', 'window', 'words'],
  rule: ['terms', 'allow', 'pass', 'boost'],
  term: ['words', 'emoji', 'means', 'verdict', 'needs', 'pinyin', 'homophones', 'note'],
}

function unknownKeys(where: string, value: object, allowed: string[], problems: string[]): void {
  for (const key of Object.keys(value))
    if (!allowed.includes(key)) problems.push(`${where}: unknown key "${key}"`)
}

export interface RulePackInput {
  notice: string
  version: number
  /** The merged check (extends already applied). */
  check: CheckSource
  /** Rule ids in the notice's order, with their titles from zh.md and en.md. */
  rules: { id: string; name: Bilingual }[]
}

/**
 * Compiles one version. Pass the alphabet shared by all versions of its notice (see
 * compileRulePacks) to get character tables identical to theirs.
 */
export function compileRulePack(input: RulePackInput, shared?: Alphabet): CompiledPack {
  const { check } = input
  const where = `content/notices/${input.notice}/v${input.version}/check.json`
  const problems: string[] = []
  unknownKeys(where, check, KEYS.top, problems)

  const ruleIndex = new Map(input.rules.map((r, i) => [r.id, i]))
  for (const id of Object.keys(check.rules ?? {}))
    if (!ruleIndex.has(id)) problems.push(`rules.${id}: not a rule of this notice version`)

  const groupNames = Object.keys(check.cues ?? {})
  if (groupNames.length > 31) problems.push('at most 31 cue groups')
  const groupBit = new Map(groupNames.map((g, i) => [g, 1 << i]))
  const maskOf = (at: string, names: string[] | undefined) =>
    (names ?? []).reduce((mask, name) => {
      const bit = groupBit.get(name)
      if (bit === undefined) problems.push(`${at}: no cue group "${name}"`)
      return mask | (bit ?? 0)
    }, 0)

  const groups = groupNames.map((id) => {
    const g = check.cues?.[id] as CueGroupSource
    unknownKeys(`cues.${id}`, g, KEYS.group, problems)
    const dir = DIRS[g.dir ?? 'around']
    const scope = SCOPES[g.scope ?? 'clause']
    if (dir === undefined) problems.push(`cues.${id}.dir: before, after or around`)
    if (scope === undefined) problems.push(`cues.${id}.scope: clause, sentence or message`)
    return { id, dir, scope, window: g.window ?? 8 }
  })
  const globalPass = maskOf('pass', check.pass)
  const rulePass: number[] = []
  const ruleBoost: number[] = []
  for (const { id } of input.rules) {
    const rule = check.rules?.[id] ?? {}
    unknownKeys(`rules.${id}`, rule, KEYS.rule, problems)
    rulePass.push(globalPass | maskOf(`rules.${id}.pass`, rule.pass))
    ruleBoost.push(maskOf(`rules.${id}.boost`, rule.boost))
  }

  const alphabet = shared ?? alphabetOf([check])
  const spellings = (entry: TermSource) => spellingsOf(entry, check.homophones)

  const labels: string[] = []
  const labelIndex = new Map<string, number>()
  const label = (s: string) => {
    if (s.includes('\n')) problems.push(`"${s}": words cannot contain line breaks`)
    let i = labelIndex.get(s)
    if (i === undefined) labelIndex.set(s, (i = labels.push(s) - 1))
    return i
  }
  const notes: Bilingual[] = []
  const patterns: Pattern[] = []
  const seen = new Map<string, Pattern>()
  const add = (key: string, make: () => Omit<Pattern, 'symbols'>, word: string) => {
    const symbols = toSymbols(alphabet, word, problems)
    if (!symbols) return
    const full = `${key}|${symbols.classes.join(',')}|${symbols.marks}`
    const existing = seen.get(full)
    if (existing) return existing
    const pattern = { ...make(), symbols }
    seen.set(full, pattern)
    patterns.push(pattern)
    return pattern
  }

  for (const { id } of input.rules) {
    const rule = ruleIndex.get(id) as number
    const source = check.rules?.[id] ?? {}
    ;(source.terms ?? []).forEach((entry, e) => {
      const at = `rules.${id}.terms[${e}]`
      unknownKeys(at, entry, KEYS.term, problems)
      if (entry.verdict !== 'block' && entry.verdict !== 'review')
        problems.push(`${at}.verdict: block or review`)
      if (!Array.isArray(entry.words)) return problems.push(`${at}.words: a list of words`)
      const needs = maskOf(`${at}.needs`, entry.needs)
      const note = entry.note ? notes.push(entry.note) - 1 : -1
      const verdict = entry.verdict === 'block' ? VERDICT_BLOCK : VERDICT_REVIEW
      for (const s of spellings(entry)) {
        add(
          `t${rule}.${e}`,
          () => ({
            kind: KIND_TERM,
            rule,
            verdict,
            channel: s.channel,
            needs,
            label: label(s.term),
            form: label(s.word.toLowerCase()),
            note,
          }),
          s.word,
        )
      }
    })
    for (const w of source.allow ?? [])
      add(`a${rule}`, () => contextPattern(KIND_ALLOW, rule, label(w)), w)
  }
  for (const w of check.allow ?? []) add('a*', () => contextPattern(KIND_ALLOW, -1, label(w)), w)
  // Cue words are matched as listed: a group names every form it wants.
  groupNames.forEach((name, g) => {
    for (const word of check.cues?.[name]?.words ?? []) {
      const p = add('c', () => contextPattern(KIND_CUE, 0, label(word)), word)
      if (p) p.rule |= 1 << g
    }
  })
  if (problems.length) throw new RulePackError(where, problems)

  const automaton = buildAutomaton(patterns, alphabet.next)
  const masks: number[] = [0]
  const maskIndex = new Map<string, number>([['0', 0]])
  const masksAt = (...values: number[]) => {
    const key = values.join(',')
    let i = maskIndex.get(key)
    if (i === undefined) maskIndex.set(key, (i = masks.push(...values) - values.length))
    return i
  }
  const flat: number[] = []
  for (const p of patterns) {
    const first = p.symbols.classes[0]
    const last = p.symbols.classes.at(-1)
    const { junctions, breaks, marks } = p.symbols
    flat.push(
      p.kind |
        (p.verdict << 2) |
        (p.channel << 4) |
        (isWord(first) ? FLAG_LATIN_START : 0) |
        (isWord(last) ? FLAG_LATIN_END : 0) |
        (marks ? FLAG_MARKS : 0),
      p.symbols.classes.length,
      p.kind === KIND_CUE ? masksAt(p.rule) : p.rule + 1,
      p.needs ? masksAt(p.needs) : 0,
      marks ? masksAt(junctions, breaks, marks) : junctions ? masksAt(junctions, breaks) : 0,
      p.label,
      p.form === p.label ? 0 : p.form + 1,
      p.note + 1,
    )
  }
  const u16 = (values: number[], what: string) => {
    if (values.some((v) => !(v >= 0 && v <= 0xffff))) throw new Error(`${what} do not fit 16 bits`)
    return Uint16Array.from(values)
  }
  return {
    meta: {
      format: 8,
      notice: input.notice,
      version: input.version,
      rules: input.rules,
      groups,
      rulePass,
      ruleBoost,
      notes,
    },
    tables: {
      ...characterTables(alphabet),
      ...automaton,
      patterns: u16(flat, 'pattern fields'),
      masks: Int32Array.from(masks),
      labels: u16(utf16Units(labels.join('\n')), 'labels'),
    },
  }
}

const utf16Units = (s: string) => Array.from({ length: s.length }, (_, i) => s.charCodeAt(i))

/** A compiled pack before layout: its JSON part and its binary tables. */
export interface CompiledPack {
  meta: Omit<RulePackData, 'tables'>
  tables: { [K in TableName]: InstanceType<(typeof TABLES)[K]> }
}

/** Lays every pack's tables out in one buffer (4-byte aligned) and says where each one is. */
export function layoutPacks(packs: CompiledPack[]): {
  packs: Record<string, RulePackData>
  bytes: Uint8Array
} {
  const out: Record<string, RulePackData> = {}
  const parts: Uint8Array[] = []
  const seen = new Map<string, number>()
  let at = 0
  for (const { meta, tables } of packs) {
    const where = {} as RulePackData['tables']
    for (const name of Object.keys(TABLES) as TableName[]) {
      const t = tables[name]
      const bytes = new Uint8Array(t.buffer, t.byteOffset, t.byteLength)
      // Identical tables (the BMP classes of versions sharing an alphabet) are stored once.
      const key = `${name}:${Buffer.from(bytes).toString('base64')}`
      const same = seen.get(key)
      if (same !== undefined) {
        where[name] = [same, t.length]
        continue
      }
      seen.set(key, at)
      where[name] = [at, t.length]
      parts.push(bytes)
      const pad = (4 - (t.byteLength % 4)) % 4
      if (pad) parts.push(new Uint8Array(pad))
      at += t.byteLength + pad
    }
    out[`${meta.notice}@${meta.version}`] = { ...meta, tables: where }
  }
  const bytes = new Uint8Array(at)
  let offset = 0
  for (const part of parts) {
    bytes.set(part, offset)
    offset += part.length
  }
  return { packs: out, bytes }
}

/**
 * A Wasm module with no code: one exported memory initialised with bytes. Long runs of zeros
 * are left out (memory starts zeroed), which keeps the file small.
 */
export function dataModuleBytes(bytes: Uint8Array): Uint8Array {
  const leb = (n: number) => {
    const out: number[] = []
    do {
      let b = n & 0x7f
      n >>>= 7
      if (n) b |= 0x80
      out.push(b)
    } while (n)
    return out
  }
  const segments: [number, number][] = []
  for (let i = 0; i < bytes.length;) {
    if (bytes[i] === 0) {
      i++
      continue
    }
    let end = i + 1
    for (let zeros = 0; end < bytes.length && zeros < 64; end++) zeros = bytes[end] ? 0 : zeros + 1
    while (bytes[end - 1] === 0) end--
    segments.push([i, end])
    i = end
  }
  const data: number[][] = [leb(segments.length)]
  let size = data[0]!.length
  for (const [from, to] of segments) {
    // Active segment of memory 0 at (i32.const from), then the bytes.
    const head = [0x00, 0x41, ...sleb(from), 0x0b, ...leb(to - from)]
    data.push(head)
    size += head.length + to - from
  }
  const name = [...new TextEncoder().encode('memory')]
  const pages = Math.max(1, Math.ceil(bytes.length / 0x10000))
  const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content]
  const head = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // magic, version 1
    ...section(5, [1, 0x00, ...leb(pages)]), // one memory of that many 64 KiB pages
    ...section(7, [1, name.length, ...name, 0x02, 0]), // exported as "memory"
    11, // the data section
    ...leb(size),
  ]
  const out = new Uint8Array(head.length + size)
  out.set(head)
  let at = head.length
  out.set(data[0]!, at)
  at += data[0]!.length
  segments.forEach(([from, to], i) => {
    out.set(data[i + 1]!, at)
    at += data[i + 1]!.length
    out.set(bytes.subarray(from, to), at)
    at += to - from
  })
  return out

  function sleb(n: number): number[] {
    const out: number[] = []
    for (;;) {
      const b = n & 0x7f
      n >>= 7
      if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b]
      out.push(b | 0x80)
    }
  }
}

/** The packs as the build wrote them (src/generated/rulepacks.json + .wasm), for Node scripts. */
export async function readBuiltPacks(root: string): Promise<Record<string, RulePack>> {
  const { readFile } = await import('node:fs/promises')
  const path = await import('node:path')
  const generated = path.join(root, 'src/generated')
  const packs = JSON.parse(
    await readFile(path.join(generated, 'rulepacks.json'), 'utf8'),
  ) as Record<string, RulePackData>
  const wasm = await readFile(path.join(generated, 'rulepacks.wasm'))
  const buffer = dataModuleBuffer(new WebAssembly.Module(wasm))
  return Object.fromEntries(
    Object.entries(packs).map(([key, data]) => [key, loadRulePack(data, buffer)]),
  )
}

/** Allow words and cue words are plain text patterns that carry no verdict of their own. */
const contextPattern = (
  kind: typeof KIND_ALLOW | typeof KIND_CUE,
  rule: number,
  label: number,
): Omit<Pattern, 'symbols'> => ({
  kind,
  rule,
  verdict: 0,
  channel: CHANNEL_TEXT,
  needs: 0,
  label,
  form: label,
  note: -1,
})

/**
 * The class of every BMP code point, and above the BMP runs of one class or of classes stepping
 * up by one (styled alphabets); unlisted code points are OTHER.
 */
function characterTables(alphabet: Alphabet): Pick<CompiledPack['tables'], 'bmp' | 'astral'> {
  const bmp = new Uint16Array(0x10000)
  for (let cp = 0; cp <= 0xffff; cp++)
    if (cp < 0xd800 || cp > 0xdfff) bmp[cp] = alphabet.classOf(String.fromCodePoint(cp))
  const astral: number[] = []
  // Above the BMP only what disguises text: styled letters and digits, emoji and symbols,
  // compatibility ideographs, tags and variation selectors. The rest separates words (OTHER).
  const ranges = [
    [0x1bca0, 0x1bca3],
    [0x1d173, 0x1d17a],
    [0x1d400, 0x1d7ff],
    [0x1f000, 0x1faff],
    [0x2f800, 0x2fa1f],
    [0xe0000, 0xe01ef],
  ] as const
  for (const [from, to] of ranges) {
    const at = (cp: number) => alphabet.classOf(String.fromCodePoint(cp))
    for (let cp = from; cp <= to;) {
      const cls = at(cp)
      let same = 1
      while (cp + same <= to && at(cp + same) === cls) same++
      let steps = 1
      while (cp + steps <= to && at(cp + steps) === cls + steps) steps++
      if (cls !== OTHER)
        astral.push(cp, Math.max(same, steps), steps > same ? cls | RUN_STEPS : cls)
      cp += Math.max(same, steps)
    }
  }
  return { bmp, astral: Uint32Array.from(astral) }
}

type Automaton = Pick<CompiledPack['tables'], 'base' | 'check' | 'fail' | 'outHead' | 'outs'>

/** Aho-Corasick over symbol classes, laid out as a double array (base + class -> child). */
function buildAutomaton(patterns: Pattern[], classCount: number): Automaton {
  interface Node {
    children: Map<number, Node>
    out: number[]
    fail: Node | null
    slot: number
  }
  const node = (): Node => ({ children: new Map(), out: [], fail: null, slot: -1 })
  const root = node()
  patterns.forEach((p, id) => {
    let n = root
    for (const c of p.symbols.classes) {
      let next = n.children.get(c)
      if (!next) n.children.set(c, (next = node()))
      n = next
    }
    n.out.push(id)
  })

  const order: Node[] = [root]
  for (let i = 0; i < order.length; i++) {
    const n = order[i] as Node
    for (const [c, child] of n.children) {
      let f = n.fail
      while (f && !f.children.has(c)) f = f.fail
      child.fail = f ? (f.children.get(c) as Node) : root
      child.out.push(...child.fail.out)
      order.push(child)
    }
  }

  // Place each node's children at base + class in the first free slots.
  const used: boolean[] = [true]
  const baseOf = new Map<number, number>()
  root.slot = 0
  let firstFree = 1
  for (const n of order) {
    const classes = [...n.children.keys()].sort((a, b) => a - b)
    if (classes.length === 0) continue
    let b = Math.max(0, firstFree - (classes[0] as number))
    while (classes.some((c) => used[b + c])) b++
    baseOf.set(n.slot, b)
    for (const c of classes) {
      used[b + c] = true
      ;(n.children.get(c) as Node).slot = b + c
    }
    while (used[firstFree]) firstFree++
  }
  // Long enough that base[s] + any class stays inside; free slots point at no state.
  const size = Math.max(used.length, ...[...baseOf.values()].map((b) => b + classCount)) + 1
  const base = new Array<number>(size).fill(0)
  const check = new Array<number>(size).fill(size)
  const fail = new Array<number>(size).fill(0)
  const outHead = new Array<number>(size).fill(0)
  const outs: number[] = [0]
  const lists = new Map<string, number>()
  for (const n of order) {
    base[n.slot] = baseOf.get(n.slot) ?? 0
    fail[n.slot] = n.fail?.slot ?? 0
    for (const child of n.children.values()) check[child.slot] = n.slot
    if (n.out.length) {
      const key = n.out.join(',')
      let head = lists.get(key)
      if (head === undefined) {
        head = outs.push(n.out.length, ...n.out) - n.out.length - 1
        lists.set(key, head)
      }
      outHead[n.slot] = head
    }
  }
  if (size > 0xffff || outs.length > 0xffff) throw new Error('the automaton outgrows 16-bit tables')
  return {
    base: Uint16Array.from(base),
    check: Uint16Array.from(check),
    fail: Uint16Array.from(fail),
    outHead: Uint16Array.from(outHead),
    outs: Uint16Array.from(outs),
  }
}

/** Every word the rules list, as written: the term list the benchmark gives other matchers. */
export function plainTerms(check: CheckSource): string[] {
  const words = new Set<string>()
  for (const rule of Object.values(check.rules ?? {}))
    for (const entry of rule.terms ?? [])
      for (const w of [...entry.words, ...(entry.emoji ?? [])]) words.add(w)
  return [...words]
}

const RULE_HEADING = /^##\s+(.*?)\s*\{#([a-z0-9]+(?:-[a-z0-9]+)*)\}\s*$/gm

/** Rule ids and titles, in order, from a version's zh.md and en.md headings. */
export function ruleTitles(zh: string, en: string): { id: string; name: Bilingual }[] {
  const titles = (md: string) => new Map([...md.matchAll(RULE_HEADING)].map((m) => [m[2], m[1]]))
  const enTitles = titles(en)
  return [...titles(zh)].map(([id, title]) => ({
    id: id as string,
    name: { zh: title as string, en: enTitles.get(id) ?? (title as string) },
  }))
}

/** Every content/notices/<id>/v<n>/check.json under root, extends resolved, ready to compile. */
export async function readRulePackInputs(root: string): Promise<RulePackInput[]> {
  const { readdir, readFile } = await import('node:fs/promises')
  const path = await import('node:path')
  const noticesDir = path.join(root, 'content/notices')
  const read = (...parts: string[]) => readFile(path.join(noticesDir, ...parts), 'utf8')
  const inputs: RulePackInput[] = []
  for (const notice of (await readdir(noticesDir)).sort()) {
    const versions = (await readdir(path.join(noticesDir, notice)).catch(() => []))
      .filter((d) => /^v[1-9][0-9]*$/.test(d))
      .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    const resolve = async (dir: string, chain: string[]): Promise<CheckSource> => {
      if (chain.includes(dir))
        throw new RulePackError(notice, [`extends loop: ${chain.join(' -> ')}`])
      const own = JSON.parse(await read(notice, dir, 'check.json')) as CheckSource
      if (own.extends === undefined) return own
      if (!/^v[1-9][0-9]*$/.test(own.extends))
        throw new RulePackError(`${notice}/${dir}`, [
          'extends: the name of a sibling version, like "v1"',
        ])
      return mergeCheck(await resolve(own.extends, [...chain, dir]), own)
    }
    for (const dir of versions) {
      const hasCheck = await read(notice, dir, 'check.json').then(
        () => true,
        () => false,
      )
      if (!hasCheck) continue
      inputs.push({
        notice,
        version: Number(dir.slice(1)),
        check: await resolve(dir, []),
        rules: ruleTitles(await read(notice, dir, 'zh.md'), await read(notice, dir, 'en.md')),
      })
    }
  }
  return inputs
}
