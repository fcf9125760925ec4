/**
 * The rule pack compiler: a notice version's check.json (format: content/README-check.md) -> the
 * compact RulePackData the engine loads. Node only: opencc-js (traditional -> simplified) and
 * pinyin-pro run here, so the Worker ships tables, not libraries.
 */
import * as OpenCC from 'opencc-js'
import { pinyin } from 'pinyin-pro'
import {
  BMP_BLOCK_MASK,
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
  PACK_FORMAT,
  PATTERN_STRIDE,
  RUN_STEPS,
  SCOPE_CLAUSE,
  SCOPE_MESSAGE,
  SCOPE_NEAR,
  SCOPE_SENTENCE,
  SENTENCE,
  SKIP,
  VERDICT_BLOCK,
  VERDICT_REVIEW,
  TABLES,
  packKey,
  type Bilingual,
  type RulePack,
  type RulePackData,
  type RulePackIndexEntry,
  type TableName,
} from '../src/check/pack'
import {
  expandCheck,
  readCheckVersions,
  resolveChecks,
  type CheckSource,
  type CueGroupSource,
  type TermSource,
} from './check-versions'
import type { EngineLoaders } from './checkmodel-pack'
import { readContentFiles } from './content-files'

export type { CheckSource, CueGroupSource, RuleSource, TermSource } from './check-versions'
export { expandCheck, expandItem, mergeCheck } from './check-versions'

export class RulePackError extends Error {
  constructor(
    readonly where: string,
    readonly problems: string[],
  ) {
    super(`${where}: ${problems.length} problem(s):\n- ${problems.join('\n- ')}`)
  }
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
const PICTOGRAPH = /^\p{Extended_Pictographic}$/u
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

  /**
   * Characters patterns use become symbols; emoji and other symbols only when listed as emoji, or
   * in a word made of nothing else (a cue "😏").
   */
  collect(word: string, emoji: boolean): void {
    emoji ||= [...word].every((ch) => [...foldChar(ch)].every((c) => SKIPPABLE.test(c)))
    for (const ch of word)
      for (const c of foldChar(ch)) {
        if (/^[0-9a-z]$/.test(c) || this.symbols.has(c)) continue
        // An emoji written in a word is part of it (🐶东西), never a separator to see through.
        if (emoji || !SKIPPABLE.test(c) || (PICTOGRAPH.test(c) && !MARK_CHARS.has(c)))
          this.symbols.set(c, 0)
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

/** Toneless syllables of an all-Han word, or undefined. */
function syllablesOf(word: string): string[] | undefined {
  const chars = [...word]
  if (chars.length < 2 || !chars.every((c) => HAN.test(c))) return undefined
  const syllables = pinyin(word, { toneType: 'none', type: 'array' }) as string[]
  if (syllables.length !== chars.length || syllables.some((s) => !/^[a-z]+$/.test(s)))
    return undefined
  return syllables
}

/**
 * The ways a Han word is written in pinyin: with `pinyin`, whole, toneless, syllables spaced (six
 * letters or more: shorter ones collide with English words); with `mixed`, for words of two to four
 * characters, one character at a time in pinyin inside the Han (机mi文件, 延chi退休); with
 * `initials`, for four characters or more,
 * the syllables' initials (xczx).
 */
function pinyinSpellings(
  word: string,
  entry: Pick<TermSource, 'pinyin' | 'mixed' | 'initials'>,
): string[] {
  const syllables = syllablesOf(word)
  if (!syllables) return []
  const chars = [...word]
  const out: string[] = []
  const whole = syllables.join(' ')
  if (entry.pinyin && whole.replace(/ /g, '').length >= 6) out.push(whole)
  // Longer phrases are seldom disguised one syllable at a time; their patterns would only add weight.
  if (entry.mixed && chars.length <= 4)
    chars.forEach((_, i) =>
      out.push([...chars.slice(0, i), ` ${syllables[i]} `, ...chars.slice(i + 1)].join('').trim()),
    )
  if (entry.initials && chars.length >= 4) out.push(syllables.map((s) => s[0]).join(''))
  return out
}

// ---------------------------------------------------------------------------------------------

interface Spelling {
  word: string
  channel: number
  /** The word it was made from (for emoji: what the entry means). */
  term: string
}

/** Every way a term entry is spelled: as listed, plural, pinyin, look-alikes, emoji. */
function spellingsOf(
  entry: TermSource,
  { homophones, homophonesMinLength = 1 }: Pick<CheckSource, 'homophones' | 'homophonesMinLength'>,
): Spelling[] {
  const out: Spelling[] = []
  for (const term of entry.words) {
    out.push({ word: term, channel: CHANNEL_TEXT, term })
    const p = plural(term)
    if (p) out.push({ word: p, channel: CHANNEL_TEXT, term })
    for (const py of pinyinSpellings(term, entry))
      out.push({ word: py, channel: CHANNEL_PINYIN, term })
    if (entry.homophones)
      [...term].forEach((ch, i, chars) => {
        for (const alt of homophones?.[ch] ?? []) {
          const word = [...chars.slice(0, i), alt, ...chars.slice(i + 1)].join('')
          if ([...word].length >= homophonesMinLength)
            out.push({ word, channel: CHANNEL_HOMOPHONE, term })
        }
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
        for (const s of spellingsOf(entry, check))
          alphabet.collect(s.word, s.channel === CHANNEL_EMOJI)
      for (const w of rule.allow ?? []) alphabet.collect(w, false)
    }
    for (const g of Object.values(check.cues ?? {}))
      for (const w of g.words ?? []) alphabet.collect(w, false)
    for (const w of check.allow ?? []) alphabet.collect(w, false)
    for (const symbol of check.symbols ?? []) alphabet.collect(symbol, true)
  }
  alphabet.freeze()
  return alphabet
}

/**
 * Compiles every (notice version, check version) pair. The packs of one check version share an
 * alphabet (and so a BMP table); each check version has its own, so a new one never changes how
 * an older one reads text.
 */
export function compileRulePacks(sources: RulePackInput[]): CompiledPack[] {
  const inputs = sources.map((input) => {
    const problems: string[] = []
    const check = expandCheck(input.check, problems)
    if (problems.length) throw new RulePackError(whereOf(input), problems)
    return { ...input, check }
  })
  const alphabets = new Map<string, Alphabet>()
  const alphabetKey = (i: RulePackInput) => `${i.notice}/c${i.checkVersion}`
  for (const key of new Set(inputs.map(alphabetKey)))
    alphabets.set(key, alphabetOf(inputs.filter((i) => alphabetKey(i) === key).map((i) => i.check)))
  return inputs.map((input) => compileRulePack(input, alphabets.get(alphabetKey(input))))
}

interface Pattern {
  kind: number
  /** Terms and allow words: rule index (-1: every rule). Cues: mask of their groups. */
  rule: number
  channel: number
  /** Terms: the entries (of RulePackData.entries) that list this spelling, in order. */
  entries: number[]
  symbols: Symbols
  label: number
  form: number
}

const DIRS = { around: DIR_AROUND, before: DIR_BEFORE, after: DIR_AFTER } as const
const SCOPES = {
  clause: SCOPE_CLAUSE,
  sentence: SCOPE_SENTENCE,
  near: SCOPE_NEAR,
  message: SCOPE_MESSAGE,
} as const
const KEYS = {
  top: [
    'extends',
    'lexicons',
    'symbols',
    'homophones',
    'homophonesMinLength',
    'pass',
    'lower',
    'negate',
    'allow',
    'cues',
    'rules',
    'fusion',
  ],
  group: ['dir', 'scope', 'window', 'words', 'barrier', 'pinyin', 'mixed'],
  rule: ['terms', 'allow', 'pass', 'boost', 'lower'],
  term: [
    'words',
    'emoji',
    'means',
    'verdict',
    'needs',
    'all',
    'pass',
    'lower',
    'pinyin',
    'mixed',
    'initials',
    'homophones',
    'note',
  ],
}

function unknownKeys(where: string, value: object, allowed: string[], problems: string[]): void {
  for (const key of Object.keys(value))
    if (!allowed.includes(key)) problems.push(`${where}: unknown key "${key}"`)
}

export interface RulePackInput {
  notice: string
  version: number
  /** The check version (c1, c2...) this pack belongs to. */
  checkVersion: number
  /** The file it was read from, for error messages. */
  where?: string
  /** The merged check (extends already applied). */
  check: CheckSource
  /** Rule ids in the notice's order, with their titles from zh.md and en.md. */
  rules: { id: string; name: Bilingual }[]
}

const whereOf = (input: RulePackInput) =>
  input.where ?? `content/notices/${input.notice} c${input.checkVersion} v${input.version}`

/**
 * Compiles one (notice version, check version) pair whose lexicons and patterns are already
 * expanded (expandCheck). Pass the alphabet shared by the packs of its check version (see
 * compileRulePacks) to get character tables identical to theirs.
 */
export function compileRulePack(input: RulePackInput, shared?: Alphabet): CompiledPack {
  const { check } = input
  const where = whereOf(input)
  const problems: string[] = []
  unknownKeys(where, check, KEYS.top, problems)
  const minLength = check.homophonesMinLength
  if (minLength !== undefined && !(Number.isInteger(minLength) && minLength >= 1))
    problems.push('homophonesMinLength: a whole number of characters, 1 or more')

  const ruleIndex = new Map(input.rules.map((r, i) => [r.id, i]))
  for (const id of Object.keys(check.rules ?? {}))
    if (!ruleIndex.has(id)) problems.push(`rules.${id}: not a rule of this notice version`)

  const groupNames = Object.keys(check.cues ?? {})
  if (groupNames.length > 32) problems.push('at most 32 cue groups')
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
    if (scope === undefined) problems.push(`cues.${id}.scope: clause, sentence, near or message`)
    if (g.barrier !== undefined && typeof g.barrier !== 'boolean')
      problems.push(`cues.${id}.barrier: true or false`)
    return { id, dir, scope, window: g.window ?? 8, barrier: g.barrier === true }
  })
  const globalPass = maskOf('pass', check.pass)
  const globalLower = maskOf('lower', check.lower)
  const negate = maskOf('negate', check.negate)
  const rulePass: number[] = []
  const ruleBoost: number[] = []
  const ruleLower: number[] = []
  for (const { id } of input.rules) {
    const rule = check.rules?.[id] ?? {}
    unknownKeys(`rules.${id}`, rule, KEYS.rule, problems)
    rulePass.push(globalPass | maskOf(`rules.${id}.pass`, rule.pass))
    ruleBoost.push(maskOf(`rules.${id}.boost`, rule.boost))
    ruleLower.push(globalLower | maskOf(`rules.${id}.lower`, rule.lower))
  }

  // Fusion: which context lets a review hit go when the model's score for its rule is low.
  let fusion: RulePackData['fusion']
  if (check.fusion) {
    unknownKeys(
      'fusion',
      check.fusion,
      ['context', 'floor', 'veto', 'vetoLength', 'vetoTokens', 'blockFloor'],
      problems,
    )
    // Per rule, a model score: 0 (or absent) for a rule it never drops.
    const perRule = (key: 'floor' | 'veto' | 'blockFloor') => {
      const scores = check.fusion?.[key] ?? {}
      for (const [id, p] of Object.entries(scores)) {
        if (!ruleIndex.has(id))
          problems.push(`fusion.${key}.${id}: not a rule of this notice version`)
        if (typeof p !== 'number' || !(p >= 0 && p < 1))
          problems.push(`fusion.${key}.${id}: a score from 0 up to (not including) 1`)
      }
      return input.rules.map(({ id }) => scores[id] ?? 0)
    }
    const context = maskOf('fusion.context', check.fusion.context)
    if (context === 0) problems.push('fusion.context: name at least one cue group')
    const vetoLength = check.fusion.vetoLength ?? 0
    if (!Number.isInteger(vetoLength) || vetoLength < 0 || vetoLength > 10_000)
      problems.push('fusion.vetoLength: a whole number of characters from 0 to 10000')
    const vetoTokens = check.fusion.vetoTokens ?? 0
    if (!Number.isInteger(vetoTokens) || vetoTokens < 0 || vetoTokens > 10_000)
      problems.push('fusion.vetoTokens: a whole number of tokens from 0 to 10000')
    fusion = {
      context,
      floor: perRule('floor'),
      ...(check.fusion.veto && {
        veto: perRule('veto'),
        vetoLength,
        ...(vetoTokens > 0 && { vetoTokens }),
      }),
      ...(check.fusion.blockFloor && { blockFloor: perRule('blockFloor') }),
    }
  }

  const alphabet = shared ?? alphabetOf([check])
  const spellings = (entry: TermSource) => spellingsOf(entry, check)

  const labels: string[] = []
  const labelIndex = new Map<string, number>()
  const label = (s: string) => {
    if (s.includes('\n')) problems.push(`"${s}": words cannot contain line breaks`)
    let i = labelIndex.get(s)
    if (i === undefined) labelIndex.set(s, (i = labels.push(s) - 1))
    return i
  }
  const notes: Bilingual[] = []
  const entries: RulePackData['entries'] = {
    verdict: [],
    needs: [],
    all: [],
    pass: [],
    lower: [],
    note: [],
  }
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
      const index = entries.needs.length
      entries.verdict.push(entry.verdict === 'block' ? VERDICT_BLOCK : VERDICT_REVIEW)
      entries.needs.push(maskOf(`${at}.needs`, entry.needs))
      entries.all.push(maskOf(`${at}.all`, entry.all))
      entries.pass.push(maskOf(`${at}.pass`, entry.pass))
      entries.lower.push(maskOf(`${at}.lower`, entry.lower))
      entries.note.push(entry.note ? notes.push(entry.note) - 1 : -1)
      // Within an entry the first spelling of some symbols stands; entries of one rule that
      // spell a word alike share its pattern, so a text matches it once, not once per entry.
      const inEntry = new Set<string>()
      for (const s of spellings(entry)) {
        const symbols = toSymbols(alphabet, s.word, problems)
        if (!symbols) continue
        const spelled = `${symbols.classes.join(',')}|${symbols.marks}`
        if (inEntry.has(spelled)) continue
        inEntry.add(spelled)
        const termLabel = label(s.term)
        // Only a spelling as listed can be exact; its lower-case form tells exact from folded.
        const form =
          s.channel === CHANNEL_TEXT && s.word.toLowerCase() !== s.term
            ? label(s.word.toLowerCase())
            : termLabel
        const pattern = add(
          `t${rule}|${s.channel}|${termLabel}|${form}`,
          () => ({
            kind: KIND_TERM,
            rule,
            channel: s.channel,
            entries: [],
            label: termLabel,
            form,
          }),
          s.word,
        )
        if (pattern && !pattern.entries.includes(index)) pattern.entries.push(index)
      }
    })
    for (const w of source.allow ?? [])
      add(`a${rule}`, () => contextPattern(KIND_ALLOW, rule, label(w)), w)
  }
  for (const w of check.allow ?? []) add('a*', () => contextPattern(KIND_ALLOW, -1, label(w)), w)
  // Cue words are matched as listed (a group names every form it wants), and in pinyin if asked.
  groupNames.forEach((name, g) => {
    const group = check.cues?.[name] as CueGroupSource
    for (const word of group.words ?? [])
      for (const form of [word, ...pinyinSpellings(word, { ...group, initials: false })]) {
        const p = add('c', () => contextPattern(KIND_CUE, 0, label(word)), form)
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
        (p.channel << 4) |
        (isWord(first) ? FLAG_LATIN_START : 0) |
        (isWord(last) ? FLAG_LATIN_END : 0) |
        (marks ? FLAG_MARKS : 0),
      p.symbols.classes.length,
      p.kind === KIND_CUE ? masksAt(p.rule) : p.rule + 1,
      p.entries.length ? masksAt(p.entries.length, ...p.entries) : 0,
      marks ? masksAt(junctions, breaks, marks) : junctions ? masksAt(junctions, breaks) : 0,
      p.label,
      p.form === p.label ? 0 : p.form + 1,
    )
  }
  // Per cue group, its longest cue in symbols (how far back from its end a cue can start), so the
  // engine need not walk every pattern on a pack's first answer.
  const longestCue = groupNames.map(() => 0)
  for (const p of patterns)
    if (p.kind === KIND_CUE)
      for (let g = 0; g < groupNames.length; g++)
        if (p.rule & (1 << g))
          longestCue[g] = Math.max(longestCue[g] as number, p.symbols.classes.length)
  // Where each label starts in labels (one more at the end), so showing a label reads only it.
  const labelStarts: number[] = []
  for (let at = 0, i = 0; i <= labels.length; i++) {
    labelStarts.push(at)
    at += (labels[i]?.length ?? 0) + 1
  }
  const u16 = (values: number[], what: string) => {
    if (values.some((v) => !(v >= 0 && v <= 0xffff))) throw new Error(`${what} do not fit 16 bits`)
    return Uint16Array.from(values)
  }
  return {
    meta: {
      format: PACK_FORMAT,
      notice: input.notice,
      version: input.version,
      check: input.checkVersion,
      rules: input.rules,
      groups,
      rulePass,
      ruleBoost,
      ruleLower,
      negate,
      longestCue,
      ...(fusion && { fusion }),
      entries,
      notes,
    },
    tables: {
      ...characterTables(alphabet),
      ...automaton,
      patterns: u16(flat, 'pattern fields'),
      masks: Int32Array.from(masks),
      labels: u16(utf16Units(labels.join('\n')), 'labels'),
      labelStarts: Uint32Array.from(labelStarts),
    },
  }
}

const utf16Units = (s: string) => Array.from({ length: s.length }, (_, i) => s.charCodeAt(i))

/** A compiled pack before layout: its JSON part and its binary tables. */
export interface CompiledPack {
  meta: Omit<RulePackData, 'tables'>
  tables: { [K in TableName]: InstanceType<(typeof TABLES)[K]> }
}

/**
 * Lays every pack's tables out in one buffer (4-byte aligned) and says where each one is; after
 * the tables, each pack's description (RulePackData, with its tables' places) as ASCII JSON,
 * which index (what src/generated/rulepacks.json holds) points at.
 */
export function layoutPacks(packs: CompiledPack[]): {
  packs: Record<string, RulePackData>
  index: Record<string, RulePackIndexEntry>
  bytes: Uint8Array
} {
  const out: Record<string, RulePackData> = {}
  const parts: Uint8Array[] = []
  const seen = new Map<string, number>()
  let at = 0
  const append = (bytes: Uint8Array) => {
    const start = at
    parts.push(bytes)
    const pad = (4 - (bytes.byteLength % 4)) % 4
    if (pad) parts.push(new Uint8Array(pad))
    at += bytes.byteLength + pad
    return start
  }
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
      where[name] = [append(bytes), t.length]
    }
    out[packKey(meta.notice, meta.version, meta.check)] = { ...meta, tables: where }
  }
  const index: Record<string, RulePackIndexEntry> = {}
  for (const [key, data] of Object.entries(out)) {
    // ASCII, so that a byte is a UTF-16 unit (see packDataAt).
    const ascii = JSON.stringify(data).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    )
    const json = Uint8Array.from(ascii, (c) => c.charCodeAt(0))
    index[key] = {
      notice: data.notice,
      version: data.version,
      check: data.check,
      meta: [append(json), json.byteLength],
    }
  }
  const bytes = new Uint8Array(at)
  let offset = 0
  for (const part of parts) {
    bytes.set(part, offset)
    offset += part.length
  }
  return { packs: out, index, bytes }
}

/**
 * The packs as the build wrote them, for Node scripts: the bundle's (src/generated/rulepacks.json
 * + .bin) and the archive's (scripts/check-archive.ts), loaded by src/'s code or, for the bench,
 * by its bundle's.
 */
export async function readBuiltPacks(
  root: string,
  { models = true, loaders }: { models?: boolean; loaders?: EngineLoaders } = {},
): Promise<Record<string, RulePack>> {
  const { readFile } = await import('node:fs/promises')
  const path = await import('node:path')
  const { readBuiltModels, SRC_LOADERS } = await import('./checkmodel-pack')
  const { readArchive } = await import('./check-archive')
  const load = loaders ?? SRC_LOADERS
  const generated = path.join(root, 'src/generated')
  const index = JSON.parse(
    await readFile(path.join(generated, 'rulepacks.json'), 'utf8'),
  ) as Record<string, RulePackIndexEntry>
  const bytes = await readFile(path.join(generated, 'rulepacks.bin'))
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)
  const archive = await readArchive(root)
  // Each pack with its check version's model, as src/check/packs.ts gives them to the Worker.
  const built = models ? await readBuiltModels(root, { loaders: load, archive }) : {}
  const packOf = (entry: RulePackIndexEntry, from: ArrayBuffer) =>
    load.withModel(
      load.loadRulePack(load.packDataAt(entry, from), from),
      built[`${entry.notice}@c${entry.check}`],
    )
  const out: Record<string, RulePack> = {}
  for (const [key, entry] of Object.entries(index)) out[key] = packOf(entry, buffer)
  for (const { held, buffer: file } of archive)
    for (const [key, entry] of Object.entries(held.packs)) out[key] = packOf(entry, file)
  return out
}

/** Allow words and cue words are plain text patterns that carry no verdict of their own. */
const contextPattern = (
  kind: typeof KIND_ALLOW | typeof KIND_CUE,
  rule: number,
  label: number,
): Omit<Pattern, 'symbols'> => ({
  kind,
  rule,
  channel: CHANNEL_TEXT,
  entries: [],
  label,
  form: label,
})

/**
 * The class of every BMP code point, and above the BMP runs of one class or of classes stepping
 * up by one (styled alphabets); unlisted code points are OTHER.
 */
function characterTables(
  alphabet: Alphabet,
): Pick<CompiledPack['tables'], 'bmpBlocks' | 'bmpClasses' | 'astral'> {
  const bmp = new Uint16Array(0x10000)
  for (let cp = 0; cp <= 0xffff; cp++)
    if (cp < 0xd800 || cp > 0xdfff) bmp[cp] = alphabet.classOf(String.fromCodePoint(cp))
  // Two levels: each block of BMP_BLOCK_MASK + 1 code points points at its classes, and blocks
  // that classify alike share them.
  const blockSize = BMP_BLOCK_MASK + 1
  const bmpBlocks = new Uint32Array(0x10000 / blockSize)
  const classes: number[] = []
  const blockAt = new Map<string, number>()
  for (let b = 0; b < bmpBlocks.length; b++) {
    const block = bmp.subarray(b * blockSize, (b + 1) * blockSize)
    const key = block.join(',')
    let at = blockAt.get(key)
    if (at === undefined) {
      at = classes.length
      classes.push(...block)
      blockAt.set(key, at)
    }
    bmpBlocks[b] = at
  }
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
  return { bmpBlocks, bmpClasses: Uint16Array.from(classes), astral: Uint32Array.from(astral) }
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

/**
 * Every (notice version, check version) pair under root's content/notices/<id>/checks/, extends
 * resolved, with the rule titles of the notice version it checks, ready to compile.
 */
export async function readRulePackInputs(root: string): Promise<RulePackInput[]> {
  const files = await readContentFiles(root)
  const problems: string[] = []
  const inputs: RulePackInput[] = []
  for (const [notice, checks] of [...readCheckVersions(files, problems)].sort(([a], [b]) =>
    a.localeCompare(b),
  ))
    for (const resolved of resolveChecks(notice, checks, problems)) {
      const dir = `content/notices/${notice}/v${resolved.version}`
      const zh = files[`${dir}/zh.md`]
      const en = files[`${dir}/en.md`]
      if (typeof zh !== 'string' || typeof en !== 'string') {
        problems.push(`${resolved.where}: checks version ${resolved.version}, which has no text`)
        continue
      }
      inputs.push({
        notice,
        version: resolved.version,
        checkVersion: resolved.check,
        where: resolved.where,
        check: resolved.source,
        rules: ruleTitles(zh, en),
      })
    }
  if (problems.length) throw new RulePackError('content/notices', problems)
  return inputs
}
