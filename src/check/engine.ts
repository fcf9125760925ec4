/**
 * The message check: one pass of an Aho-Corasick automaton over the folded text finds every term,
 * allow word and context cue at once; context then decides which term matches are hits.
 *
 * Folding is a table lookup per code point (pack.bmpClasses, in two levels): skipped characters never reach the
 * automaton, so `红 包`, `紅包` and `红\u200b包` all walk the same path. Ring buffers remember where
 * each of the last 64 symbols sat in the original text, so every hit maps back to exact UTF-16
 * offsets. Pure TypeScript: runs in Node (benchmarks, scripts) and in workerd.
 */
import {
  BMP_BLOCK_BITS,
  BMP_BLOCK_MASK,
  CHANNEL_EMOJI,
  CHANNEL_HOMOPHONE,
  CHANNEL_PINYIN,
  DIGIT,
  DIR_AFTER,
  DIR_BEFORE,
  FLAG_LATIN_END,
  FLAG_LATIN_START,
  FLAG_MARKS,
  INVISIBLE,
  KIND_ALLOW,
  KIND_CUE,
  KIND_TERM,
  LETTER_Z,
  MARK,
  MAX_PATTERN,
  OTHER,
  PATTERN_STRIDE,
  SCOPE_CLAUSE,
  SCOPE_MESSAGE,
  SCOPE_NEAR,
  SENTENCE,
  SKIP,
  VERDICT_BLOCK,
  VERDICT_REVIEW,
  astralClass,
  classAt,
  type RulePack,
} from './pack'
import { bestLogit, bestSpan, scoreInto, tokensScanned } from './model'
import {
  CUE,
  DROPPED,
  ECLAUSE,
  ENTRY,
  EOFF,
  ESENT,
  ESYM,
  ETOK,
  FIELDS,
  GAP,
  GLUED,
  IN_TERM,
  MASK,
  NEGATED,
  PAT,
  R_CLAUSE,
  R_FLAGS,
  R_SENTENCE,
  R_START,
  R_TOKEN,
  RING,
  RING_STRIDE,
  SCLAUSE,
  SOFF,
  SSENT,
  SSYM,
  STATE,
  STOK,
  VERDICT,
} from './layout'
import { modelReason, reason, type Channel, type Lang } from './reason'

export type { Channel, Lang } from './reason'
export {
  loadRulePack,
  packDataAt,
  withModel,
  type RulePack,
  type RulePackData,
  type RulePackIndexEntry,
} from './pack'

export type Verdict = 'pass' | 'review' | 'block'

export interface Hit {
  rule: string
  /** UTF-16 offsets into the text as sent: text.slice(start, end) === match. */
  start: number
  end: number
  match: string
  /**
   * The term as the rule lists it (simplified characters, the word a pinyin or emoji stands for);
   * empty for channel model, which reads the sentence, not a term.
   */
  term: string
  channel: Channel
  verdict: 'review' | 'block'
  reason: string
  /** Channel model only: the model's score (0-1) for the rule; the span is its best sentence. */
  score?: number
}

export interface CheckResult {
  verdict: Verdict
  /**
   * In text order; at most MAX_HITS. The rules' hits quote together no more than the text's
   * length, the model's no more than modelQuoteBudget(text.length).
   */
  hits: Hit[]
  /** Present only when hits lists fewer than were found: then totalHits counts them all. */
  truncated?: true
  totalHits?: number
  /**
   * Per rule id (every rule of the pack), how strongly the message crosses it, 0-1: 1 for a block
   * hit; for a review hit from the rules 0.6, raised toward 1 by the model's score (0.6 + 0.4 p);
   * with no hit from the rules, the model's score p (0 without a model). Only with options.scores.
   */
  scores?: Record<string, number>
}

export interface CheckOptions {
  /** Which channels decide: the rules, the learned model (when the pack has one), or both. */
  channels?: 'rules' | 'model' | 'both'
  /** Also score every rule from 0 to 1 (CheckResult.scores); the API's answers always do. */
  scores?: boolean
}

// A ring buffer over the last RING symbols (RING > MAX_PATTERN, so a match's symbols are all
// there), RING_STRIDE values per symbol (R_FLAGS, R_START...: see ./layout; one array, where
// five were five sets of checks at each symbol), and the fields of a match are in ./layout.
const ring = new Int32Array(RING * RING_STRIDE)
// Matches found by the scan, FIELDS int32s each, in the order they end.
let found = new Int32Array(FIELDS * 256)

if (RING <= MAX_PATTERN) throw new Error('ring buffers must outgrow the longest pattern')

/** Checks one message. lang picks the language of the reasons. */
export function checkMessage(
  pack: RulePack,
  text: string,
  lang: Lang,
  options: CheckOptions = {},
): CheckResult {
  return run(pack, text, lang, options, false)
}

/**
 * checkMessage as the rules define it: whether a cue is in range is decided by walking every cue
 * near each term. Slow on dense texts; tests hold checkMessage's shortcuts to it.
 */
export function checkMessageByDefinition(
  pack: RulePack,
  text: string,
  lang: Lang,
  options: CheckOptions = {},
): CheckResult {
  return run(pack, text, lang, options, true)
}

function run(
  pack: RulePack,
  text: string,
  lang: Lang,
  options: CheckOptions,
  byDefinition: boolean,
): CheckResult {
  const ruleCount = pack.rules.length
  if (ruleScores.length < ruleCount) ruleScores = new Float64Array(ruleCount)
  ruleScores.fill(0, 0, ruleCount)
  let result: CheckResult = { verdict: 'pass', hits: [] }
  contextSeen = 0
  if (options.channels !== 'model') {
    const count = scan(pack, text)
    if (termsFound > 0) result = decide(pack, text, lang, count, byDefinition)
  }
  if (options.channels !== 'rules' && pack.model)
    result = withModelHits(pack, text, lang, result, options.channels === 'model')
  if (options.scores) {
    const byRule: Record<string, number> = {}
    for (let i = 0; i < ruleCount; i++)
      byRule[(pack.rules[i] as RulePack['rules'][number]).id] = rounded(ruleScores[i] as number)
    result.scores = byRule
  }
  return result
}

/** The score a rule gets from the rules' own hits (see CheckResult.scores). */
const SCORE_BLOCK = 1
const SCORE_REVIEW = 0.6
/** Per rule index: the best score of the last message so far. */
let ruleScores = new Float64Array(16)
const rounded = (score: number) => Math.round(score * 1000) / 1000

/**
 * The learned channel: scores the message for every rule the model knows, folds its score into
 * the rule's, and lists a review hit (span: the sentence that scored highest) for a rule the model
 * flags and the rules found nothing of. It never blocks, and a rule's own hit keeps its verdict.
 * Its hits are at most one per rule and together quote at most modelQuoteBudget(text.length)
 * (the rules' hits have a budget of their own), within MAX_HITS in all.
 */
function withModelHits(
  pack: RulePack,
  text: string,
  lang: Lang,
  result: CheckResult,
  modelOnly: boolean,
): CheckResult {
  const model = pack.model as NonNullable<RulePack['model']>
  const map = pack.modelRules as Int32Array
  const flagged = scoreInto(model, text)
  if (pack.fusion && !modelOnly) result = fused(pack, text, result, pack.fusion)
  // Flagged rules the rules found nothing of, strongest first: they share one quote budget.
  let flags: number[] | undefined
  for (let r = 0; r < map.length; r++) {
    const i = map[r] as number
    if (i < 0) continue
    const p = 1 / (1 + Math.exp(-(bestLogit[r] as number)))
    const ruled = ruleScores[i] as number
    ruleScores[i] = ruled >= SCORE_BLOCK ? SCORE_BLOCK : ruled > 0 ? SCORE_REVIEW + 0.4 * p : p
    if ((flagged & (1 << r)) !== 0 && ruled === 0) (flags ??= []).push(r)
  }
  if (!flags) return modelOnly ? { verdict: 'pass', hits: [] } : result
  flags.sort((a, b) => (bestLogit[b] as number) - (bestLogit[a] as number))
  const added: Hit[] = []
  let quoted = 0
  const budget = modelQuoteBudget(text.length)
  for (const r of flags) {
    let start = bestSpan[2 * r] as number
    let end = bestSpan[2 * r + 1] as number
    if (end <= start) [start, end] = [0, text.length]
    quoted += end - start
    if (quoted > budget) break
    const rule = pack.rules[map[r] as number] as RulePack['rules'][number]
    const match = text.slice(start, end)
    const score = rounded(1 / (1 + Math.exp(-(bestLogit[r] as number))))
    added.push({
      rule: rule.id,
      start,
      end,
      match,
      term: '',
      channel: 'model',
      verdict: 'review',
      reason: modelReason(lang, rule.name, score),
      score,
    })
  }
  const base = modelOnly ? [] : result.hits
  const total = (modelOnly ? 0 : (result.totalHits ?? result.hits.length)) + flags.length
  const hits = [...base, ...added].sort((a, b) => a.start - b.start || b.end - a.end)
  if (hits.length > MAX_HITS) {
    // Keep the model's hits (at most one per rule) and the first of the rules' hits.
    const keep = new Set([...added, ...base.slice(0, MAX_HITS - added.length)])
    hits.splice(0, hits.length, ...hits.filter((h) => keep.has(h)))
  }
  const out: CheckResult = {
    verdict: !modelOnly && result.verdict === 'block' ? 'block' : 'review',
    hits,
  }
  if (hits.length < total) {
    out.truncated = true
    out.totalHits = total
  }
  return out
}

/**
 * Fusion (a check version's `fusion`): a review hit from the rules is dropped when the model
 * scores its rule below the rule's floor and the message carries a cue of a clearing-context
 * group (it studies or quotes the rules, warns, reports a case, refuses, promotes...). Such a
 * hit is a word the rules could not place, in a message that looks like talk about the rules,
 * and the model that read the whole message finds no violation of that rule in it. From c4, a
 * review hit also goes wherever it stands when the model scores its rule below the rule's veto
 * (far lower: the model is all but sure) in a message long enough for that (vetoLength characters
 * and, from c5, vetoTokens tokens), and a block hit goes, with a context cue, below the
 * rule's block floor. Everything in an answer whose hits were capped stays (its unlisted hits
 * are unknown). The rule then scores as if the rules had found nothing of it (the model's own
 * score).
 */
function fused(
  pack: RulePack,
  text: string,
  result: CheckResult,
  fusion: NonNullable<RulePack['fusion']>,
): CheckResult {
  if (result.hits.length === 0 || result.truncated) return result
  const inContext = (contextSeen & fusion.context) !== 0
  // Whether the veto applies is asked only for a rule with a review hit the model scores under
  // its veto (tokens are counted at most once, and only then). -1: not yet asked. (Not a
  // closure: wrangler bundles with keepNames, so one made per call is also named per call.)
  let vetoes = -1
  let reviewed = 0 // pack rule indices (bits) with a review hit of the rules
  for (const hit of result.hits)
    if (hit.verdict === 'review' && hit.channel !== 'model')
      reviewed |= 1 << ruleIndexOf(pack, hit.rule)
  const map = pack.modelRules as Int32Array
  let lowReview = 0 // pack rule indices (bits) whose review hits go
  let lowBlock = 0 // ... and whose block hits go
  for (let r = 0; r < map.length; r++) {
    const i = map[r] as number
    if (i < 0) continue
    const l = bestLogit[r] as number
    if (
      (inContext && l < (fusion.floorLogit[i] as number)) ||
      ((reviewed >> i) & 1 &&
        l < (fusion.vetoLogit[i] as number) &&
        (vetoes < 0 ? (vetoes = vetoApplies(text, fusion) ? 1 : 0) : vetoes) === 1)
    )
      lowReview |= 1 << i
    if (inContext && l < (fusion.blockFloorLogit[i] as number)) lowBlock |= 1 << i
  }
  if ((lowReview | lowBlock) === 0) return result
  const kept: Hit[] = []
  let dropped = 0
  let block = false
  for (const hit of result.hits) {
    const i = ruleIndexOf(pack, hit.rule)
    const low = hit.verdict === 'review' ? lowReview : lowBlock
    if (hit.channel !== 'model' && (low >> i) & 1) {
      dropped |= 1 << i
      continue
    }
    kept.push(hit)
    if (hit.verdict === 'block') block = true
  }
  if (dropped === 0) return result
  // A rule with a hit left keeps its score; one whose every hit went scores from the model.
  for (const hit of kept) dropped &= ~(1 << ruleIndexOf(pack, hit.rule))
  for (let i = 0; dropped >> i !== 0; i++) if ((dropped >> i) & 1) ruleScores[i] = 0
  if (kept.length === 0) return { verdict: 'pass', hits: [] }
  return { verdict: block ? 'block' : 'review', hits: kept }
}

/**
 * Is text long enough, in characters and in the model's tokens, for fusion's veto? (Asked only
 * right after scoreInto read text, whose scan counted its tokens.)
 */
function vetoApplies(text: string, fusion: NonNullable<RulePack['fusion']>) {
  return (
    text.length >= fusion.vetoLength &&
    (fusion.vetoTokens === 0 || tokensScanned() >= fusion.vetoTokens)
  )
}

const ruleIndexOf = (pack: RulePack, id: string): number =>
  pack.rules.findIndex((rule) => rule.id === id)

/** Cue groups (bits) of the cues the last decide saw, for fusion; 0 when it found no term. */
let contextSeen = 0

/** Term matches in the last scan: with none, nothing can be a hit. */
let termsFound = 0

function scan(pack: RulePack, text: string): number {
  const { bmpBlocks, bmpClasses, base, check, fail, outHead, outs, patterns, masks } = pack
  // The matches and their count in locals: a module's `let` is read from (or written to) its
  // context, with a check that it is initialised, at every use in the loop.
  let matches = found
  const symbols = ring
  let terms = 0
  const n = text.length
  let count = 0
  let state = 0
  let sym = -1
  let lastClass = -1
  let gap = true
  let prevWord = false
  let token = 0
  let clause = 0
  let sentence = 0
  let endingHere = 0 // first match ending at the current symbol
  for (let i = 0; i < n;) {
    const c = text.charCodeAt(i)
    let next = i + 1
    let cls: number
    if ((c & 0xf800) !== 0xd800)
      cls = bmpClasses[(bmpBlocks[c >> BMP_BLOCK_BITS] as number) + (c & BMP_BLOCK_MASK)] as number
    else {
      const lo = next < n ? text.charCodeAt(next) : 0
      if (c < 0xdc00 && (lo & 0xfc00) === 0xdc00) {
        cls = astralClass(pack.astral, ((c - 0xd800) << 10) + (lo - 0xdc00) + 0x10000)
        next++
      } else cls = SKIP // a lone surrogate is noise, like a zero-width space
    }
    if (cls < DIGIT) {
      // An invisible mark is as if absent: it does not even part the letters of a Latin word.
      if (cls === INVISIBLE) {
        i = next
        continue
      }
      if (cls === OTHER) {
        // An unlisted character: no pattern runs through it, and it separates Latin words.
        state = 0
        token++
        prevWord = false
        lastClass = -1
      } else if (cls > MARK) {
        // SKIP and MARK only part Latin letters; CLAUSE and SENTENCE also end a clause.
        clause++
        if (cls === SENTENCE) sentence++
        // A digit run stays one run across "3,000"; a repeated Han character does not cross a clause.
        if (lastClass !== DIGIT) lastClass = -1
      }
      gap = true
      i = next
      continue
    }
    const word = cls <= LETTER_Z
    if (cls === lastClass && (cls === DIGIT || !word)) {
      // 内部部部文件: a repeated symbol extends the previous one instead of advancing.
      for (let m = endingHere; m < count; m++) matches[m * FIELDS + EOFF] = next
      gap = false
      i = next
      continue
    }
    sym++
    endingHere = count
    const r = sym & MASK
    const glued = word && prevWord && !gap
    if (!glued) token++
    const symbolFlags = (glued ? GLUED : 0) | (gap ? GAP : 0)
    prevWord = word
    gap = false
    lastClass = cls
    for (;;) {
      const t = (base[state] as number) + cls
      if (check[t] === state) {
        state = t
        break
      }
      if (state === 0) break
      state = fail[state] as number
    }
    if (state === 0) {
      // No pattern runs through this symbol, so no match can start or end on it.
      i = next
      continue
    }
    const at = r * RING_STRIDE
    symbols[at + R_FLAGS] = symbolFlags
    symbols[at + R_START] = i
    symbols[at + R_TOKEN] = token
    symbols[at + R_CLAUSE] = clause
    symbols[at + R_SENTENCE] = sentence
    const head = outHead[state] as number
    if (head !== 0) {
      const last = head + (outs[head] as number)
      for (let o = head + 1; o <= last; o++) {
        const p = outs[o] as number
        const at = p * PATTERN_STRIDE
        const flags = patterns[at] as number
        const len = patterns[at + 1] as number
        const first = sym - len + 1
        const fr = (first & MASK) * RING_STRIDE
        // No match inside a Latin word: its first letter must not be glued to the one before.
        if (flags & FLAG_LATIN_START && (symbols[fr + R_FLAGS] as number) & GLUED) continue
        if (flags & FLAG_LATIN_END && next < n) {
          let after = classAt(pack, text, next)
          // A pattern ending in a digit (每票1) ends with the whole run of digits (每票200).
          if (cls === DIGIT && after === DIGIT) after = classAfterDigits(pack, text, next)
          if (after >= DIGIT && after <= LETTER_Z) continue
        }
        const spacing = patterns[at + 4] as number
        if (spacing !== 0) {
          const junctions = masks[spacing] as number
          // Separators inside Latin: where the word has spaces, or between every letter (p o r n).
          let gaps = 0
          for (let k = 1; k < len; k++)
            if ((symbols[((first + k) & MASK) * RING_STRIDE + R_FLAGS] as number) & GAP)
              gaps |= 1 << k
          gaps &= junctions
          if (gaps !== 0 && gaps !== junctions && (gaps & ~(masks[spacing + 1] as number)) !== 0)
            continue
          // A mark the pattern spells (秘密★1年) must be there: 秘密10年 is no classification.
          if (flags & FLAG_MARKS && !marksPresent(pack, text, first, masks[spacing + 2] as number))
            continue
        }
        if ((count + 1) * FIELDS > matches.length) {
          const grown = new Int32Array(matches.length * 2)
          grown.set(matches)
          found = matches = grown
        }
        const m = count * FIELDS
        matches[m + PAT] = p
        matches[m + SSYM] = first
        matches[m + ESYM] = sym
        matches[m + SOFF] = symbols[fr + R_START] as number
        matches[m + EOFF] = next
        matches[m + STOK] = symbols[fr + R_TOKEN] as number
        matches[m + ETOK] = token
        matches[m + SCLAUSE] = symbols[fr + R_CLAUSE] as number
        matches[m + ECLAUSE] = clause
        matches[m + SSENT] = symbols[fr + R_SENTENCE] as number
        matches[m + ESENT] = sentence
        matches[m + STATE] = 0
        matches[m + NEGATED] = 0
        if ((flags & 3) === KIND_TERM) terms++
        count++
      }
    }
    i = next
  }
  termsFound = terms
  return count
}

/** The class of the first character after the run of digits starting at i (OTHER at the end). */
function classAfterDigits(pack: RulePack, text: string, i: number): number {
  let cls = DIGIT
  while (cls === DIGIT && i < text.length) {
    cls = classAt(pack, text, i)
    i += (text.charCodeAt(i) & 0xfc00) === 0xd800 ? 2 : 1
  }
  return cls === DIGIT ? OTHER : cls
}

/**
 * Is a MARK character skipped before each symbol of a match that the pattern wants one before?
 * Only patterns that spell a mark ask, so the scan itself never tracks marks.
 */
function marksPresent(pack: RulePack, text: string, first: number, junctions: number): boolean {
  for (let k = 1; k < 32 && junctions >>> k !== 0; k++) {
    if (((junctions >>> k) & 1) === 0) continue
    // Between the start of the symbol before the junction and the start of the one after it.
    const to = ring[((first + k) & MASK) * RING_STRIDE + R_START] as number
    const from = ring[((first + k - 1) & MASK) * RING_STRIDE + R_START] as number
    let found = false
    for (let i = from + 1; i < to && !found; i++) found = classAt(pack, text, i) === MARK
    if (!found) return false
  }
  return true
}

const f = (m: number, field: number) => found[m * FIELDS + field] as number
const field = (pack: RulePack, m: number, k: number) =>
  pack.patterns[f(m, PAT) * PATTERN_STRIDE + k] as number
const kindOf = (pack: RulePack, m: number) => field(pack, m, 0) & 3
/** A term's or allow word's rule index; -1 for an allow word of every rule. */
const ruleOf = (pack: RulePack, m: number) => field(pack, m, 2) - 1
const groupsOf = (pack: RulePack, cue: number) => pack.masks[field(pack, cue, 2)] as number
/** Where a term pattern's entries are listed in masks: masks[k] = how many, then the entries. */
const entriesOf = (pack: RulePack, term: number) => field(pack, term, 3)
const passOf = (pack: RulePack, rule: number, entry: number) =>
  (pack.rulePass[rule] as number) | (pack.entryPass[entry] as number)
const lowerOf = (pack: RulePack, rule: number, entry: number) =>
  (pack.ruleLower[rule] as number) | (pack.entryLower[entry] as number)

/**
 * Columns that decide copies out of `found` (the ends and earliest starts of Spans, the fields of
 * GroupCues), all in one buffer reused from message to message: typed arrays made per message
 * (and their subarrays) cost more than the work done with them. Emptied when decide starts;
 * anything holding an offset into it reads `columns` afresh, since claiming room may grow it.
 */
let columns = new Int32Array(4096)
let columnsUsed = 0
/** Room for n values in columns; returns where it starts. */
function claimColumns(n: number): number {
  if (columnsUsed + n > columns.length) {
    const grown = new Int32Array(Math.max(2 * columns.length, columnsUsed + n))
    grown.set(columns.subarray(0, columnsUsed))
    columns = grown
  }
  const at = columnsUsed
  columnsUsed += n
  return at
}

/**
 * Which matches of a list (ordered by end) span a given one: from each position on, the earliest
 * start among the matches ending there or later. A match ending at or after e and starting at or
 * before s exists when that minimum, from the first one ending at or after e, is at most s.
 * Asked in order of end (as the scan emits matches), each query moves a cursor a little.
 */
class Spans {
  /** In columns: the ends at ends, the earliest starts from each on at ends + length. */
  private readonly ends: number
  private readonly length: number
  private at = 0
  private atAfter = 0
  constructor(list: readonly number[]) {
    const n = list.length
    this.length = n
    this.ends = claimColumns(2 * n)
    const cols = columns
    let min = 0x7fffffff
    for (let i = n - 1; i >= 0; i--) {
      const m = (list[i] as number) * FIELDS
      cols[this.ends + i] = found[m + ESYM] as number
      min = Math.min(min, found[m + SSYM] as number)
      cols[this.ends + n + i] = min
    }
  }

  private startsBy(i: number, s: number): boolean {
    return i < this.length && (columns[this.ends + this.length + i] as number) <= s
  }

  /** Some match of the list starts at or before m and ends at or after it. */
  around(m: number): boolean {
    this.at = seekSorted(columns, this.ends, this.length, this.at, f(m, ESYM))
    return this.startsBy(this.at, f(m, SSYM))
  }

  /** Some match of the list spans m and is longer (starts earlier, or ends later). */
  aroundAndLonger(m: number): boolean {
    const s = f(m, SSYM)
    const e = f(m, ESYM)
    this.at = seekSorted(columns, this.ends, this.length, this.at, e)
    this.atAfter = seekSorted(columns, this.ends, this.length, this.atAfter, e + 1)
    return this.startsBy(this.at, s - 1) || this.startsBy(this.atAfter, s)
  }
}

/** First index i in [lo, hi) with values[base + i] >= key (values[base..base + hi) sorted). */
function lowerBound(values: Int32Array, base: number, key: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((values[base + mid] as number) < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * lowerBound over all of values[base..base + length), starting from the answer to a nearby
 * earlier question: a few steps either way, else a binary search. Questions about matches in scan
 * order move it little.
 */
function seekSorted(
  values: Int32Array,
  base: number,
  length: number,
  from: number,
  key: number,
): number {
  let i = from
  if (i > 0 && (values[base + i - 1] as number) >= key) {
    for (let steps = 0; i > 0 && (values[base + i - 1] as number) >= key; steps++, i--)
      if (steps === 8) return lowerBound(values, base, key, 0, i)
    return i
  }
  for (let steps = 0; i < length && (values[base + i] as number) < key; steps++, i++)
    if (steps === 8) return lowerBound(values, base, key, i, length)
  return i
}

/**
 * The cues of one group (all of them, or those that may clear a hit), and whether one stands
 * where the group wants it relative to a term. Together the two tests answer what walking every
 * cue near the term would, in a few steps: cursors follow the terms, which come in scan order.
 * The fields the tests read are copied out of `found` into columns (one run of n values each, in
 * the cues' order) when the first question is asked.
 */
class GroupCues {
  readonly list: number[] = []
  readonly before: boolean
  readonly after: boolean
  private beforeAt = 0
  private afterAt = 0
  private readonly window: number
  private readonly clause: boolean
  /** False for scope near: a cue counts across clause and sentence ends. */
  private readonly scoped: boolean
  /** The longest cue of the group, less one: how far before its end a cue can start. */
  private readonly reach: number
  /**
   * Where the columns start in `columns` (-1: not yet copied): start symbols, end symbols, start
   * tokens, end tokens, start scopes, end scopes (the clause, or sentence by the group's scope).
   */
  private at = -1

  constructor(group: RulePack['groups'][number], longest: number) {
    this.window = group.window
    this.clause = group.scope === SCOPE_CLAUSE
    this.scoped = group.scope !== SCOPE_NEAR
    this.reach = longest - 1
    this.before = group.dir !== DIR_AFTER
    this.after = group.dir !== DIR_BEFORE
  }

  /** Copies the cues' fields out (all are listed by the first question); returns where. */
  private seal(): number {
    const { list } = this
    const n = list.length
    const at = (this.at = claimColumns(6 * n))
    const cols = columns
    const startScope = this.clause ? SCLAUSE : SSENT
    const endScope = this.clause ? ECLAUSE : ESENT
    for (let k = 0; k < n; k++) {
      const m = (list[k] as number) * FIELDS
      cols[at + k] = found[m + SSYM] as number
      cols[at + n + k] = found[m + ESYM] as number
      cols[at + 2 * n + k] = found[m + STOK] as number
      cols[at + 3 * n + k] = found[m + ETOK] as number
      cols[at + 4 * n + k] = found[m + startScope] as number
      cols[at + 5 * n + k] = found[m + endScope] as number
    }
    return at
  }

  /**
   * A cue starting before the term (ts: its first symbol, token: its first token), ending near
   * enough before it, in the clause and sentence it starts in. With partedFrom (the term; -1:
   * none), a cue that a barrier parts from the term does not count. (A term, not a closure that
   * asks separated: one made per question was most of what deciding allocated.)
   */
  standsBefore(
    ts: number,
    token: number,
    clause: number,
    sentence: number,
    partedFrom: number,
  ): boolean {
    const at = this.at < 0 ? this.seal() : this.at
    const cols = columns
    const n = this.list.length
    const endSym = at + n
    const endTok = at + 3 * n
    const endScope = at + 5 * n
    const { scoped } = this
    const from = token - this.window
    const scope = this.clause ? clause : sentence
    const i = (this.beforeAt = seekSorted(cols, endSym, n, this.beforeAt, ts))
    // Of the cues ending before the term, the last is the nearest and in the latest scope (and
    // if a barrier parts it from the term, it parts every earlier one too).
    if (
      i > 0 &&
      (!scoped || cols[endScope + i - 1] === scope) &&
      (cols[endTok + i - 1] as number) >= from &&
      (partedFrom < 0 || !separated(this.list[i - 1] as number, partedFrom))
    )
      return true
    // A cue ending inside or after the term may still start before it (no barrier between).
    for (let k = i; k < n; k++) {
      if ((cols[endSym + k] as number) - this.reach >= ts) break
      if (
        (cols[at + k] as number) < ts &&
        (!scoped || cols[endScope + k] === scope) &&
        (cols[endTok + k] as number) >= from
      )
        return true
    }
    return false
  }

  /** A cue ending after the term (te, token: its last symbol and token), starting near enough after it, in its scope. */
  standsAfter(te: number, token: number, clause: number, sentence: number): boolean {
    const at = this.at < 0 ? this.seal() : this.at
    const cols = columns
    const n = this.list.length
    const endSym = at + n
    const startTok = at + 2 * n
    const startScope = at + 4 * n
    const to = token + this.window
    const scope = this.clause ? clause : sentence
    // Past a cue that starts too far or in a later scope, every cue starting later fails too.
    let failsFrom = 0x7fffffff
    this.afterAt = seekSorted(cols, endSym, n, this.afterAt, te + 1)
    for (let k = this.afterAt; k < n; k++) {
      if ((cols[endSym + k] as number) - this.reach >= failsFrom) break
      const start = cols[startTok + k] as number
      const cueScope = cols[startScope + k] as number
      if (start <= to && (!this.scoped || cueScope === scope)) return true
      if (start > to || (this.scoped && cueScope > scope))
        failsFrom = Math.min(failsFrom, cols[at + k] as number)
    }
    return false
  }
}

/** At most this many hits are listed per message; the result says when it cut the list. */
export const MAX_HITS = 100

/**
 * How much of a text the model's hits may quote together, in UTF-16 units: the text's length,
 * or MODEL_QUOTE_FLOOR for a shorter text. A budget of the length alone lets a one-sentence
 * message list one model hit, the strongest: a vote bought with a promised road, flagged by
 * the model for vote rigging and for inappropriate statements, was listed only for the latter.
 * The floor lets a short message list every rule the model flags on its sentence (eight rules
 * on up to 250 characters), and leaves the bound of a long text, the one a batch's answer is
 * sized by, as it was.
 */
export const MODEL_QUOTE_FLOOR = 2_000
export const modelQuoteBudget = (length: number) => Math.max(length, MODEL_QUOTE_FLOOR)

// What decides the cue a hit's reason names, kept in its CUE field until the hit is listed.
const CUE_NONE = -1
const CUE_NEEDED = -2 // the first cue in range of the term's needs
const CUE_BOOST = -3 // the first cue in range of the rule's boost
const CUE_ALL = -4 // the first cue in range of the entry's all

/** Per message-wide group (2 slots each): scratch for decide. */
const latestPass = new Int32Array(64)
const firstFree = new Int32Array(64)

function decide(
  pack: RulePack,
  text: string,
  lang: Lang,
  count: number,
  byDefinition: boolean,
): CheckResult {
  columnsUsed = 0
  // The groups whose scope is not the whole message. (Worked out here, on every call: an
  // operation first met on a rare path after the function was optimised has no type feedback,
  // and V8 then leaves the optimised code there on every call until it recompiles it.)
  deciding = pack
  decidingByDefinition = byDefinition
  localGroups = ~pack.messageGroups
  // (Loops here index their arrays: for...of left an iterator result per element in what
  // decide allocated, which on a dense text of 10,000 characters was megabytes per message.)
  const terms: number[] = []
  const cues: number[] = []
  const allows: number[] = []
  for (let m = 0; m < count; m++) {
    const kind = kindOf(pack, m)
    if (kind === KIND_TERM) terms.push(m)
    else if (kind === KIND_CUE) cues.push(m)
    else if (kind === KIND_ALLOW) allows.push(m)
  }
  if (terms.length === 0) return { verdict: 'pass', hits: [] }

  // Look-alike words: 红包装 hides 红包, 不得不 hides the cue 不得.
  if (allows.length) {
    // Per rule + 1 (0: the allow words of every rule), its allow words, then their spans.
    const byRule: (number[] | undefined)[] = []
    for (let ia = 0; ia < allows.length; ia++) {
      const a = allows[ia] as number
      ;(byRule[ruleOf(pack, a) + 1] ??= []).push(a)
    }
    const spans = byRule.map((list) => (list ? new Spans(list) : undefined))
    const everyRule = spans[0]
    for (let it = 0; it < terms.length; it++) {
      const t = terms[it] as number
      if (everyRule?.around(t) || spans[ruleOf(pack, t) + 1]?.around(t))
        found[t * FIELDS + STATE] = DROPPED
    }
    if (everyRule)
      for (let ic = 0; ic < cues.length; ic++) {
        const c = cues[ic] as number
        if (everyRule.around(c)) found[c * FIELDS + STATE] = DROPPED
      }
  }
  const live = terms.filter((t) => f(t, STATE) !== DROPPED)
  if (live.length === 0) return { verdict: 'pass', hits: [] }

  // A term whose every entry needs context of groups that no cue in the text has cannot be a hit
  // (the test below, with every group the text has in place of those in range). Most terms in
  // ordinary text are such (领导 needs money or favours nearby): with no other, the text passes
  // without placing a single cue.
  let textGroups = 0
  for (let ic = 0; ic < cues.length; ic++) {
    const c = cues[ic] as number
    if (f(c, STATE) !== DROPPED) textGroups |= groupsOf(pack, c)
  }
  let possible = false
  for (let i = 0; i < live.length && !possible; i++) {
    const k = entriesOf(pack, live[i] as number)
    for (let j = 1, n = pack.masks[k] as number; j <= n && !possible; j++) {
      const e = pack.masks[k + j] as number
      const needs = pack.entryNeeds[e] as number
      const all = pack.entryAll[e] as number
      possible = (needs === 0 || (needs & textGroups) !== 0) && (all & textGroups) === all
    }
  }
  if (!possible) return { verdict: 'pass', hits: [] }

  // A cue inside a longer term is part of that term: 不要 in 不要外传 clears nothing.
  messagePass = 0
  messageAny = 0
  liveCues = []
  barriers = []
  const liveTerms = new Spans(live)
  for (let ic = 0; ic < cues.length; ic++) {
    const c = cues[ic] as number
    if (f(c, STATE) === DROPPED) continue
    if (liveTerms.aroundAndLonger(c)) found[c * FIELDS + STATE] = IN_TERM
    const groups = groupsOf(pack, c)
    messageAny |= groups
    if (f(c, STATE) !== IN_TERM) messagePass |= groups
    if (groups & pack.barrierGroups) barriers.push(c)
    liveCues.push(c)
  }
  contextSeen = messagePass
  messageAny &= pack.messageGroups
  messagePass &= pack.messageGroups
  widest = pack.widestWindow
  negation = pack.negateGroups

  // hasCue answers cueInRange(...) >= 0 without walking every cue near every term, which is what
  // made dense texts slow: per group, its cues (see GroupCues). Only the groups some term asks
  // about are gathered.
  // (The groups a term's entries may ask about: to clear it, and as context: needs, all, lower
  // and the rule's boost. Worked out per term, from its few entries, not per pack up front.)
  let wantPass = negation
  let wantAny = 0
  for (let it = 0; it < live.length; it++) {
    const t = live[it] as number
    const rule = ruleOf(pack, t)
    const k = entriesOf(pack, t)
    wantAny |= pack.ruleBoost[rule] as number
    for (let j = 1, n = pack.masks[k] as number; j <= n; j++) {
      const e = pack.masks[k + j] as number
      wantPass |= passOf(pack, rule, e)
      wantAny |=
        (pack.entryNeeds[e] as number) | (pack.entryAll[e] as number) | lowerOf(pack, rule, e)
    }
  }
  wantPass &= localGroups
  wantAny &= localGroups
  passCues = []
  anyCues = []
  passGathered = 0
  anyGathered = 0
  if (wantPass)
    for (let ic = 0; ic < liveCues.length; ic++) {
      const c = liveCues[ic] as number
      const forPass = f(c, STATE) === IN_TERM ? 0 : groupsOf(pack, c) & wantPass
      passGathered |= forPass
      for (let bits = forPass; bits !== 0; bits &= bits - 1)
        add(passCues, 31 - Math.clz32(bits & -bits), c)
    }
  // Context under a negation (严禁…发红包) is no context: only free cues are gathered.
  if (wantAny)
    for (let ic = 0; ic < liveCues.length; ic++) {
      const c = liveCues[ic] as number
      const groups = groupsOf(pack, c) & wantAny
      if (groups === 0 || (negation !== 0 && negated(c))) continue
      anyGathered |= groups
      for (let bits = groups; bits !== 0; bits &= bits - 1)
        add(anyCues, 31 - Math.clz32(bits & -bits), c)
    }
  // Message-wide groups: per group, the two latest clearing cues and the first two free context
  // cues. A term is asked about one that is not inside it, so two always suffice.
  latestPass.fill(-1)
  firstFree.fill(-1)
  if (pack.messageGroups !== 0)
    for (let ic = 0; ic < liveCues.length; ic++) {
      const c = liveCues[ic] as number
      const wide = groupsOf(pack, c) & pack.messageGroups
      if (wide === 0) continue
      const clears = f(c, STATE) !== IN_TERM
      const free = negation === 0 || !negated(c)
      for (let bits = wide; bits !== 0; bits &= bits - 1) {
        const g = 2 * (31 - Math.clz32(bits & -bits))
        // liveCues are in order of end: later ones replace earlier ones.
        if (clears) {
          latestPass[g + 1] = latestPass[g] as number
          latestPass[g] = c
        }
        if (free && (firstFree[g + 1] as number) < 0) {
          if ((firstFree[g] as number) < 0) firstFree[g] = c
          else firstFree[g + 1] = c
        }
      }
    }
  // Decide each term match: cleared, missing its context, or a hit (and how strong). A spelling
  // listed by several entries of its rule is decided per entry: the strongest hit stands, and of
  // equals the later entry (a newer version's clarification comes after the rule it clarifies).
  const hits: number[] = []
  // Groups with no cue in this text can neither clear a term nor give it context.
  const clearing = passGathered | messagePass
  const present = anyGathered | messageAny
  for (let it = 0; it < live.length; it++) {
    const t = live[it] as number
    const rule = ruleOf(pack, t)
    const k = entriesOf(pack, t)
    const flags = field(pack, t, 0)
    const channel = (flags >> 4) & 7
    const spelledOut = channel !== CHANNEL_PINYIN && channel !== CHANNEL_HOMOPHONE
    let bestEntry = -1
    let bestVerdict = 0
    let bestCue = CUE_NONE
    for (let j = 1, n = pack.masks[k] as number; j <= n; j++) {
      const e = pack.masks[k + j] as number
      const needs = pack.entryNeeds[e] as number
      const all = pack.entryAll[e] as number
      if ((needs !== 0 && (needs & present) === 0) || (all & present) !== all) continue
      const pass = passOf(pack, rule, e) & clearing
      if (pass !== 0 && (clearedInMessage(t, pass) || hasCue(t, pass & localGroups, true))) continue
      let cue = CUE_NONE
      if (needs !== 0 && !inMessage(t, needs & pack.messageGroups)) {
        if (!hasCue(t, needs & localGroups, false)) continue
        cue = CUE_NEEDED
      }
      let missing = false
      for (let bits = all; bits !== 0 && !missing; bits &= bits - 1)
        missing = !context(t, bits & -bits)
      if (missing) continue
      if (cue === CUE_NONE && all & localGroups) cue = CUE_ALL
      let verdict = pack.entryVerdict[e] as number
      if (verdict !== VERDICT_BLOCK) {
        const boost = pack.ruleBoost[rule] as number
        const wide = inMessage(t, boost & pack.messageGroups)
        if (wide || hasCue(t, boost & localGroups, false)) {
          if (!wide) cue = CUE_BOOST
          if (spelledOut) verdict = VERDICT_BLOCK
        }
      } else if (!spelledOut) verdict = VERDICT_REVIEW
      if (verdict === VERDICT_BLOCK && context(t, lowerOf(pack, rule, e))) verdict = VERDICT_REVIEW
      if (verdict >= bestVerdict) {
        bestEntry = e
        bestVerdict = verdict
        bestCue = cue
      }
    }
    if (bestEntry < 0) continue
    hits.push(t)
    found[t * FIELDS + VERDICT] = bestVerdict
    found[t * FIELDS + CUE] = bestCue
    found[t * FIELDS + ENTRY] = bestEntry
  }
  if (hits.length === 0) return { verdict: 'pass', hits: [] }

  // Overlapping hits of one rule: keep the strongest, then the longest.
  hits.sort(byPlace)
  const kept: number[] = []
  const lastOfRule: (number | undefined)[] = []
  for (let ih = 0; ih < hits.length; ih++) {
    const h = hits[ih] as number
    const rule = ruleOf(pack, h)
    const at = lastOfRule[rule]
    const prev = at === undefined ? undefined : (kept[at] as number)
    if (prev === undefined || f(h, SSYM) > f(prev, ESYM)) {
      lastOfRule[rule] = kept.push(h) - 1
      continue
    }
    // Stronger, then longer, then the later entry: later entries refine earlier ones (a new
    // version's clarification comes after the rule it clarifies).
    const better =
      f(h, VERDICT) - f(prev, VERDICT) ||
      f(h, ESYM) - f(h, SSYM) - (f(prev, ESYM) - f(prev, SSYM)) ||
      f(h, ENTRY) - f(prev, ENTRY) ||
      f(h, PAT) - f(prev, PAT)
    if (better > 0) kept[at as number] = h
  }
  const block = kept.some((h) => f(h, VERDICT) === VERDICT_BLOCK)
  for (let ih = 0; ih < kept.length; ih++) {
    const h = kept[ih] as number
    const rule = ruleOf(pack, h)
    const score = f(h, VERDICT) === VERDICT_BLOCK ? SCORE_BLOCK : SCORE_REVIEW
    if (score > (ruleScores[rule] as number)) ruleScores[rule] = score
  }

  // Only the hits listed become objects: the first MAX_HITS in text order, and no more than
  // quote the text's own length in all (hits of different rules may share a long span).
  kept.sort(byPlace)
  const listed: Hit[] = []
  let quoted = 0
  for (let ih = 0; ih < kept.length; ih++) {
    const h = kept[ih] as number
    const start = f(h, SOFF)
    const end = f(h, EOFF)
    quoted += end - start
    if (listed.length === MAX_HITS || quoted > text.length) break
    listed.push(hitOf(pack, text, lang, h, start, end, cueOf(h)))
  }
  const result: CheckResult = { verdict: block ? 'block' : 'review', hits: listed }
  if (listed.length < kept.length) {
    result.truncated = true
    result.totalHits = kept.length
  }
  return result
}

/**
 * The message decide is working on, for the helpers after it: module state rather than closures
 * made in decide for every message (wrangler bundles with keepNames, so each such closure also
 * costs an Object.defineProperty naming it).
 */
let deciding: RulePack
let decidingByDefinition = false
/** The groups whose scope is not the whole message. */
let localGroups = 0
let liveCues: number[] = []
let barriers: number[] = []
let widest = 0
let negation = 0
/** Message-wide groups with a clearing cue, and with any cue. */
let messagePass = 0
let messageAny = 0
let passCues: (GroupCues | undefined)[] = []
let anyCues: (GroupCues | undefined)[] = []
/** The groups that have cues in passCues, and in anyCues. */
let passGathered = 0
let anyGathered = 0

/**
 * Does a barrier (但是, however) stand between cue c and the term t after it? What comes after
 * a contrast is not under the prohibition before it (严禁…，但这个红包你收下吧); a refusal after
 * it still clears what came before (红包收到了，但已经退回).
 */
function separated(c: number, t: number): boolean {
  const from = f(c, ESYM)
  const to = f(t, SSYM)
  if (from >= to) return false
  for (let i = firstEnding(barriers, from + 1); i < barriers.length; i++) {
    const b = barriers[i] as number
    if (f(b, ESYM) >= to) break
    if (b !== c && f(b, SSYM) > from) return true
  }
  return false
}

/**
 * The first cue (in liveCues order) of one of the groups in mask, placed as its group requires;
 * -1 if none: the definition. Listed hits ask it for the cue their reason names; deciding
 * uses hasCue, which gives the same answers faster (checkMessageByDefinition decides with this).
 * A clearing cue (forPass) counts only if no barrier parts it from the term; a context cue only
 * if no negation stands before it.
 */
function cueInRange(t: number, mask: number, forPass: boolean): number {
  if (mask === 0) return -1
  const ts = f(t, SSYM)
  const te = f(t, ESYM)
  const from = f(t, STOK) - widest
  const to = f(t, ETOK) + widest + MAX_PATTERN
  let lo = 0
  let hi = liveCues.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (f(liveCues[mid] as number, ETOK) < from) lo = mid + 1
    else hi = mid
  }
  for (let i = lo; i < liveCues.length; i++) {
    const c = liveCues[i] as number
    if (f(c, ETOK) > to) break
    const groups = groupsOf(deciding, c) & mask
    if (groups === 0 || (forPass && f(c, STATE) === IN_TERM)) continue
    const cs = f(c, SSYM)
    const ce = f(c, ESYM)
    if (cs >= ts && ce <= te) continue // inside the term itself: not context
    if (forPass ? barriers.length !== 0 && separated(c, t) : negation !== 0 && negated(c)) continue
    const before = cs < ts
    const after = ce > te
    for (let g = 0, bits = groups; bits !== 0; g++, bits >>>= 1) {
      if ((bits & 1) === 0) continue
      const group = deciding.groups[g] as RulePack['groups'][number]
      if (before && group.dir !== DIR_AFTER) {
        const near = f(t, STOK) - f(c, ETOK) <= group.window
        const same =
          group.scope === SCOPE_CLAUSE
            ? f(c, ECLAUSE) === f(t, SCLAUSE)
            : group.scope === SCOPE_NEAR || f(c, ESENT) === f(t, SSENT)
        if (near && same) return c
      }
      if (after && group.dir !== DIR_BEFORE) {
        const near = f(c, STOK) - f(t, ETOK) <= group.window
        const same =
          group.scope === SCOPE_CLAUSE
            ? f(t, ECLAUSE) === f(c, SCLAUSE)
            : group.scope === SCOPE_NEAR || f(t, ESENT) === f(c, SSENT)
        if (near && same) return c
      }
    }
  }
  return -1
}

/** Lists cue c among the cues of group g. */
function add(lists: (GroupCues | undefined)[], g: number, c: number): void {
  ;(lists[g] ??= new GroupCues(
    deciding.groups[g] as RulePack['groups'][number],
    deciding.longestCue[g] as number,
  )).list.push(c)
}

/** cueInRange(t, mask, forPass) >= 0, asked group by group. */
function hasCue(t: number, mask: number, forPass: boolean): boolean {
  if (decidingByDefinition) return cueInRange(t, mask, forPass) >= 0
  let bits = mask & (forPass ? passGathered : anyGathered)
  if (bits === 0) return false
  const lists = forPass ? passCues : anyCues
  const ts = f(t, SSYM)
  const startToken = f(t, STOK)
  const startClause = f(t, SCLAUSE)
  const startSentence = f(t, SSENT)
  const te = f(t, ESYM)
  const endToken = f(t, ETOK)
  const endClause = f(t, ECLAUSE)
  const endSentence = f(t, ESENT)
  const parted = forPass && barriers.length !== 0 ? t : -1
  while (bits !== 0) {
    const lowest = bits & -bits
    bits ^= lowest
    const cues = lists[31 - Math.clz32(lowest)] as GroupCues
    if (cues.before && cues.standsBefore(ts, startToken, startClause, startSentence, parted))
      return true
    if (cues.after && cues.standsAfter(te, endToken, endClause, endSentence)) return true
  }
  return false
}
/** Is cue c under a negation? Asked once per cue, then remembered. */
function negated(c: number): boolean {
  let known = f(c, NEGATED)
  if (known === 0) {
    known = hasCue(c, negation & localGroups, true) ? 2 : 1
    found[c * FIELDS + NEGATED] = known
  }
  return known === 2
}

const inside = (c: number, t: number): boolean =>
  f(c, SSYM) >= f(t, SSYM) && f(c, ESYM) <= f(t, ESYM)

/**
 * A message-wide cue of the groups in mask clears t, unless a barrier parts it from t. The
 * latest such cue decides: a barrier that parts it parts every earlier one too.
 */
function clearedInMessage(t: number, mask: number): boolean {
  if ((mask & messagePass) === 0) return false
  if (barriers.length === 0) return true
  for (let bits = mask & messagePass; bits !== 0; bits &= bits - 1) {
    const g = 2 * (31 - Math.clz32(bits & -bits))
    let c = latestPass[g] as number
    if (c >= 0 && inside(c, t)) c = latestPass[g + 1] as number
    if (c >= 0 && !separated(c, t)) return true
  }
  return false
}
/** A free message-wide cue of the groups in mask, outside t. */
function inMessage(t: number, mask: number): boolean {
  if ((mask & messageAny) === 0) return false
  for (let bits = mask & messageAny; bits !== 0; bits &= bits - 1) {
    const g = 2 * (31 - Math.clz32(bits & -bits))
    let c = firstFree[g] as number
    if (c >= 0 && inside(c, t)) c = firstFree[g + 1] as number
    if (c >= 0) return true
  }
  return false
}
/** Context of the groups in mask for t, wherever their scope puts it. */
function context(t: number, mask: number): boolean {
  return inMessage(t, mask & deciding.messageGroups) || hasCue(t, mask & localGroups, false)
}

const byPlace = (a: number, b: number) => f(a, SOFF) - f(b, SOFF) || f(b, EOFF) - f(a, EOFF)

function cueOf(h: number): number {
  const lookup = f(h, CUE)
  if (lookup === CUE_NONE) return -1
  const entry = f(h, ENTRY)
  const mask =
    lookup === CUE_NEEDED
      ? (deciding.entryNeeds[entry] as number)
      : lookup === CUE_ALL
        ? (deciding.entryAll[entry] as number)
        : (deciding.ruleBoost[ruleOf(deciding, h)] as number)
  return cueInRange(h, mask & localGroups, false)
}

/** First index in list (ordered by ESYM, as the scan emits) whose ESYM >= sym. */
function firstEnding(list: number[], sym: number): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (f(list[mid] as number, ESYM) < sym) lo = mid + 1
    else hi = mid
  }
  return lo
}

function hitOf(
  pack: RulePack,
  text: string,
  lang: Lang,
  h: number,
  start: number,
  end: number,
  c: number,
): Hit {
  const flags = field(pack, h, 0)
  const rule = pack.rules[ruleOf(pack, h)] as RulePack['rules'][number]
  const term = pack.label(field(pack, h, 5))
  const formAt = field(pack, h, 6)
  const form = formAt === 0 ? term : pack.label(formAt - 1)
  const note = pack.entryNote[f(h, ENTRY)] as number
  const match = text.slice(start, end)
  const code = (flags >> 4) & 7
  const channel: Channel =
    code === CHANNEL_PINYIN
      ? 'pinyin'
      : code === CHANNEL_HOMOPHONE
        ? 'homophone'
        : code === CHANNEL_EMOJI
          ? 'emoji'
          : match === term || match.toLowerCase() === form
            ? 'exact'
            : 'folded'
  const isBlock = f(h, VERDICT) === VERDICT_BLOCK
  const cue = c < 0 ? undefined : pack.label(field(pack, c, 5))
  return {
    rule: rule.id,
    start,
    end,
    match,
    term,
    channel,
    verdict: isBlock ? 'block' : 'review',
    reason: reason(lang, rule.name, channel, term, isBlock, cue, pack.notes[note]),
  }
}
