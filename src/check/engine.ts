/**
 * The message check: one pass of an Aho-Corasick automaton over the folded text finds every term,
 * allow word and context cue at once; context then decides which term matches are hits.
 *
 * Folding is a table lookup per code point (pack.bmp): skipped characters never reach the
 * automaton, so `红 包`, `紅包` and `红\u200b包` all walk the same path. Ring buffers remember where
 * each of the last 64 symbols sat in the original text, so every hit maps back to exact UTF-16
 * offsets. Pure TypeScript: runs in Node (benchmarks, scripts) and in workerd.
 */
import {
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
import { reason, type Channel, type Lang } from './reason'

export type { Channel, Lang } from './reason'
export { loadRulePack, type RulePack, type RulePackData } from './pack'

export type Verdict = 'pass' | 'review' | 'block'

export interface Hit {
  rule: string
  /** UTF-16 offsets into the text as sent: text.slice(start, end) === match. */
  start: number
  end: number
  match: string
  /** The term as the rule lists it (simplified characters, the word a pinyin or emoji stands for). */
  term: string
  channel: Channel
  verdict: 'review' | 'block'
  reason: string
}

export interface CheckResult {
  verdict: Verdict
  hits: Hit[]
  /**
   * With options.scores: per rule id, how strongly the message crosses it, 0-1 (1 for a block hit,
   * 0.6 for a review hit from the rules, a model's probability where it scores higher).
   */
  scores?: Record<string, number>
}

export interface CheckOptions {
  /** Which channels decide: the rules, the learned model (when the pack has one), or both. */
  channels?: 'rules' | 'model' | 'both'
  /** Also score every rule from 0 to 1 (CheckResult.scores). */
  scores?: boolean
}

// Ring buffers over the last RING symbols (RING > MAX_PATTERN, so a match's symbols are all there).
const RING = 64
const MASK = RING - 1
const ringStart = new Int32Array(RING) // UTF-16 offset where the symbol starts
const ringToken = new Int32Array(RING) // token number: a Han character or a Latin word is a token
const ringClause = new Int32Array(RING)
const ringSentence = new Int32Array(RING)
const ringFlags = new Uint8Array(RING) // GAP: skipped chars before it; GLUED: see below
const GAP = 1
const GLUED = 2 // a Latin letter or digit right after another: no word boundary before it

// Matches found by the scan, FIELDS int32s each, in the order they end.
const PAT = 0
const SSYM = 1
const ESYM = 2
const SOFF = 3
const EOFF = 4
const STOK = 5
const ETOK = 6
const SCLAUSE = 7
const ECLAUSE = 8
const SSENT = 9
const ESENT = 10
const STATE = 11 // per match: DROPPED, or IN_TERM for a cue inside a longer term
const VERDICT = 12 // per hit: how strong it is
const CUE = 13 // per hit: the cue that decided it, or -1
const NEGATED = 14 // per cue: 0 not yet known, 1 free, 2 under a negation (no context)
const FIELDS = 15
const DROPPED = 1
const IN_TERM = 2
let found = new Int32Array(FIELDS * 256)

if (RING <= MAX_PATTERN) throw new Error('ring buffers must outgrow the longest pattern')

/** Checks one message. lang picks the language of the reasons. */
export function checkMessage(
  pack: RulePack,
  text: string,
  lang: Lang,
  options: CheckOptions = {},
): CheckResult {
  if (options.channels === 'model') return withScores(pack, PASS, options)
  const count = scan(pack, text)
  const result = termsFound === 0 ? PASS : decide(pack, text, lang, count)
  return withScores(pack, result, options)
}

/** Term matches in the last scan: with none, nothing can be a hit. */
let termsFound = 0

function scan(pack: RulePack, text: string): number {
  const { bmp, base, check, fail, outHead, outs, patterns, masks } = pack
  const n = text.length
  termsFound = 0
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
    if ((c & 0xf800) !== 0xd800) cls = bmp[c] as number
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
      for (let m = endingHere; m < count; m++) found[m * FIELDS + EOFF] = next
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
    ringFlags[r] = symbolFlags
    ringStart[r] = i
    ringToken[r] = token
    ringClause[r] = clause
    ringSentence[r] = sentence
    const head = outHead[state] as number
    if (head !== 0) {
      const last = head + (outs[head] as number)
      for (let o = head + 1; o <= last; o++) {
        const p = outs[o] as number
        const at = p * PATTERN_STRIDE
        const flags = patterns[at] as number
        const len = patterns[at + 1] as number
        const first = sym - len + 1
        const fr = first & MASK
        // No match inside a Latin word: its first letter must not be glued to the one before.
        if (flags & FLAG_LATIN_START && (ringFlags[fr] as number) & GLUED) continue
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
            if ((ringFlags[(first + k) & MASK] as number) & GAP) gaps |= 1 << k
          gaps &= junctions
          if (gaps !== 0 && gaps !== junctions && (gaps & ~(masks[spacing + 1] as number)) !== 0)
            continue
          // A mark the pattern spells (秘密★1年) must be there: 秘密10年 is no classification.
          if (flags & FLAG_MARKS && !marksPresent(pack, text, first, masks[spacing + 2] as number))
            continue
        }
        if ((count + 1) * FIELDS > found.length) {
          const grown = new Int32Array(found.length * 2)
          grown.set(found)
          found = grown
        }
        const m = count * FIELDS
        found[m + PAT] = p
        found[m + SSYM] = first
        found[m + ESYM] = sym
        found[m + SOFF] = ringStart[fr] as number
        found[m + EOFF] = next
        found[m + STOK] = ringToken[fr] as number
        found[m + ETOK] = token
        found[m + SCLAUSE] = ringClause[fr] as number
        found[m + ECLAUSE] = clause
        found[m + SSENT] = ringSentence[fr] as number
        found[m + ESENT] = sentence
        found[m + STATE] = 0
        found[m + NEGATED] = 0
        if ((flags & 3) === KIND_TERM) termsFound++
        count++
      }
    }
    i = next
  }
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
    const to = ringStart[(first + k) & MASK] as number
    let found = false
    for (let i = (ringStart[(first + k - 1) & MASK] as number) + 1; i < to && !found; i++)
      found = classAt(pack, text, i) === MARK
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
/** The term entry a term match was listed in. */
const entryOf = (pack: RulePack, term: number) => field(pack, term, 3) - 1

/** First index in list (ordered by ESYM, as the scan emits) whose ESYM >= sym. */
function firstEndingAtOrAfter(list: number[], sym: number): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (f(list[mid] as number, ESYM) < sym) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** True when match a's span covers match b's and is longer. */
function covers(a: number, b: number): boolean {
  const as = f(a, SSYM)
  const ae = f(a, ESYM)
  const bs = f(b, SSYM)
  const be = f(b, ESYM)
  return as <= bs && ae >= be && ae - as > be - bs
}

/** Does a containing match from list (ordered by end) exist? Patterns are short, so look nearby. */
function coveredBy(list: number[], m: number, accept: (a: number) => boolean): boolean {
  const s = f(m, SSYM)
  for (let i = firstEndingAtOrAfter(list, f(m, ESYM)); i < list.length; i++) {
    const a = list[i] as number
    if (f(a, ESYM) > s + MAX_PATTERN) break
    if (a !== m && f(a, SSYM) <= s && accept(a)) return true
  }
  return false
}

const PASS: CheckResult = Object.freeze({
  verdict: 'pass',
  hits: Object.freeze([]) as unknown as Hit[],
})
/** The score a rule gets from the rules' own hits (the model, when there is one, scores 0-1). */
const SCORE_BLOCK = 1
const SCORE_REVIEW = 0.6

function withScores(pack: RulePack, result: CheckResult, options: CheckOptions): CheckResult {
  if (!options.scores) return result
  const scores: Record<string, number> = {}
  for (const rule of pack.rules) scores[rule.id] = 0
  for (const hit of result.hits)
    scores[hit.rule] = Math.max(
      scores[hit.rule] ?? 0,
      hit.verdict === 'block' ? SCORE_BLOCK : SCORE_REVIEW,
    )
  return { ...result, scores }
}

/** Result of a search for context: a cue's match, ANYWHERE (a message-wide group), or NONE. */
const NONE = -1
const ANYWHERE = -2

function decide(pack: RulePack, text: string, lang: Lang, count: number): CheckResult {
  const terms: number[] = []
  const cues: number[] = []
  const allows: number[] = []
  for (let m = 0; m < count; m++) {
    const kind = kindOf(pack, m)
    if (kind === KIND_TERM) terms.push(m)
    else if (kind === KIND_CUE) cues.push(m)
    else if (kind === KIND_ALLOW) allows.push(m)
  }

  // Look-alike words: 红包装 hides 红包, 不得不 hides the cue 不得.
  if (allows.length) {
    for (const t of terms) {
      const rule = ruleOf(pack, t)
      if (
        coveredBy(allows, t, (a) => {
          const r = ruleOf(pack, a)
          return (r === rule || r === -1) && f(a, SSYM) <= f(t, SSYM) && f(a, ESYM) >= f(t, ESYM)
        })
      )
        found[t * FIELDS + STATE] = DROPPED
    }
    for (const c of cues)
      if (coveredBy(allows, c, (a) => ruleOf(pack, a) === -1 && f(a, ESYM) >= f(c, ESYM)))
        found[c * FIELDS + STATE] = DROPPED
  }
  const live = terms.filter((t) => f(t, STATE) !== DROPPED)
  if (live.length === 0) return PASS

  // A cue inside a longer term is part of that term: 不要 in 不要外传 clears nothing.
  let messagePass = 0
  let messageAny = 0
  const liveCues: number[] = []
  const barriers: number[] = []
  for (const c of cues) {
    if (f(c, STATE) === DROPPED) continue
    if (coveredBy(live, c, (t) => covers(t, c))) found[c * FIELDS + STATE] = IN_TERM
    const groups = groupsOf(pack, c)
    messageAny |= groups
    if (f(c, STATE) !== IN_TERM) messagePass |= groups
    if (groups & pack.barrierGroups) barriers.push(c)
    liveCues.push(c)
  }
  messageAny &= pack.messageGroups
  messagePass &= pack.messageGroups
  let widest = 0
  for (const g of pack.groups) if (g.scope !== SCOPE_MESSAGE && g.window > widest) widest = g.window

  /**
   * Does a barrier (但是, however) stand between cue c and the term t after it? What comes after
   * a contrast is not under the prohibition before it (严禁…，但这个红包你收下吧); a refusal after
   * it still clears what came before (红包收到了，但已经退回).
   */
  const separated = (c: number, t: number): boolean => {
    const from = f(c, ESYM)
    const to = f(t, SSYM)
    if (from >= to || barriers.length === 0) return false
    for (let i = firstEndingAtOrAfter(barriers, from + 1); i < barriers.length; i++) {
      const b = barriers[i] as number
      if (f(b, ESYM) >= to) break
      if (b !== c && f(b, SSYM) > from) return true
    }
    return false
  }

  /**
   * A cue of one of the groups in mask, placed as its group requires around match t (a term, or
   * a cue whose own context is asked about); NONE if none. Context for a hit must not itself be
   * under a prohibition or refusal (严禁…发红包 is no benefit on offer).
   */
  const cueInRange = (t: number, mask: number, forPass: boolean, negation = 0): number => {
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
      const groups = groupsOf(pack, c) & mask
      if (groups === 0 || (forPass && f(c, STATE) === IN_TERM)) continue
      const cs = f(c, SSYM)
      const ce = f(c, ESYM)
      if (cs >= ts && ce <= te) continue // inside the term itself: not context
      if (forPass && barriers.length && separated(c, t)) continue
      if (negation !== 0 && c !== t && negated(c)) continue
      const before = cs < ts
      const after = ce > te
      for (let g = 0, bits = groups; bits !== 0; g++, bits >>>= 1) {
        if ((bits & 1) === 0) continue
        const group = pack.groups[g] as RulePack['groups'][number]
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
    return NONE
  }

  /** Is cue c under a negation (严禁…发红包)? Asked once per cue, then remembered. */
  const negated = (c: number): boolean => {
    let known = f(c, NEGATED)
    if (known === 0) {
      known = cueInRange(c, pack.negateGroups, true) === NONE ? 1 : 2
      found[c * FIELDS + NEGATED] = known
    }
    return known === 2
  }

  // Per message-wide group, the two latest clearing cues and the first two free context cues:
  // a term needs only one that is not inside it, so two always suffice.
  const latestPass = new Int32Array(64).fill(NONE)
  const firstFree = new Int32Array(64).fill(NONE)
  let freeKnown = false
  for (const c of liveCues) {
    if (f(c, STATE) === IN_TERM) continue
    for (let bits = groupsOf(pack, c) & pack.messageGroups; bits !== 0; bits &= bits - 1) {
      const g = 31 - Math.clz32(bits & -bits)
      // liveCues are in order of end, so later ones replace earlier ones.
      latestPass[g * 2 + 1] = latestPass[g * 2] as number
      latestPass[g * 2] = c
    }
  }
  const insideTerm = (c: number, t: number) => f(c, SSYM) >= f(t, SSYM) && f(c, ESYM) <= f(t, ESYM)

  /**
   * A message-wide cue of the groups in mask that clears t: none across a barrier. The latest
   * such cue decides: if a barrier parts it from t, it parts every earlier one too.
   */
  const messageCue = (t: number, mask: number): number => {
    for (let bits = mask; bits !== 0; bits &= bits - 1) {
      const g = 31 - Math.clz32(bits & -bits)
      let c = latestPass[g * 2] as number
      if (c !== NONE && insideTerm(c, t)) c = latestPass[g * 2 + 1] as number
      if (c !== NONE && !separated(c, t)) return c
    }
    return NONE
  }

  /** A message-wide context cue of the groups in mask that is not under a negation. */
  const freeCue = (t: number, mask: number): number => {
    if (!freeKnown) {
      freeKnown = true
      for (const c of liveCues)
        for (let bits = groupsOf(pack, c) & pack.messageGroups; bits !== 0; bits &= bits - 1) {
          const g = 31 - Math.clz32(bits & -bits)
          if ((firstFree[g * 2 + 1] as number) !== NONE || negated(c)) continue
          if ((firstFree[g * 2] as number) === NONE) firstFree[g * 2] = c
          else firstFree[g * 2 + 1] = c
        }
    }
    for (let bits = mask; bits !== 0; bits &= bits - 1) {
      const g = 31 - Math.clz32(bits & -bits)
      let c = firstFree[g * 2] as number
      if (c !== NONE && insideTerm(c, t)) c = firstFree[g * 2 + 1] as number
      if (c !== NONE) return c
    }
    return NONE
  }

  /**
   * Context of the groups in mask for term t: a cue, ANYWHERE, or NONE. For context a hit needs
   * (forPass false), negation is the mask of groups that make a cue no context.
   */
  const context = (t: number, mask: number, forPass: boolean, negation = 0): number => {
    if (mask === 0) return NONE
    const wide = mask & pack.messageGroups
    if (wide) {
      if (!forPass) {
        if (wide & messageAny) {
          if (negation === 0) return ANYWHERE
          const c = freeCue(t, wide)
          if (c !== NONE) return c
        }
      } else if (wide & messagePass) {
        if (barriers.length === 0) return ANYWHERE
        const c = messageCue(t, wide)
        if (c !== NONE) return c
      }
    }
    const near = mask & ~pack.messageGroups
    return near === 0 ? NONE : cueInRange(t, near, forPass, negation)
  }

  // Decide each term match: cleared, missing its context, or a hit (and how strong).
  const hits: number[] = []
  for (const t of live) {
    const rule = ruleOf(pack, t)
    const entry = entryOf(pack, t)
    const pass = (pack.rulePass[rule] as number) | (pack.entryPass[entry] as number)
    if (context(t, pass, true) !== NONE) continue
    // Context under a prohibition or refusal (严禁…发红包) is no context.
    const negation = pack.negateGroups
    let cue = NONE
    const needs = pack.entryNeeds[entry] as number
    if (needs !== 0) {
      cue = context(t, needs, false, negation)
      if (cue === NONE) continue
    }
    let missing = false
    for (let bits = pack.entryAll[entry] as number; bits !== 0; bits &= bits - 1) {
      const c = context(t, bits & -bits, false, negation)
      if (c === NONE) {
        missing = true
        break
      }
      if (cue < 0) cue = c
    }
    if (missing) continue
    const flags = field(pack, t, 0)
    let verdict = (flags >> 2) & 3
    const channel = (flags >> 4) & 7
    const spelledOut = channel !== CHANNEL_PINYIN && channel !== CHANNEL_HOMOPHONE
    if (verdict !== VERDICT_BLOCK) {
      const boosted = context(t, pack.ruleBoost[rule] as number, false)
      if (boosted !== NONE) {
        if (boosted >= 0) cue = boosted
        if (spelledOut) verdict = VERDICT_BLOCK
      }
    } else if (!spelledOut) verdict = VERDICT_REVIEW
    if (verdict === VERDICT_BLOCK) {
      const lower = (pack.ruleLower[rule] as number) | (pack.entryLower[entry] as number)
      if (context(t, lower, false) !== NONE) verdict = VERDICT_REVIEW
    }
    hits.push(t)
    found[t * FIELDS + VERDICT] = verdict
    found[t * FIELDS + CUE] = cue
  }
  if (hits.length === 0) return PASS

  // Overlapping hits of one rule: keep the strongest, then the longest.
  hits.sort((a, b) => f(a, SOFF) - f(b, SOFF) || f(b, EOFF) - f(a, EOFF))
  const kept: number[] = []
  const lastOfRule: (number | undefined)[] = []
  for (const h of hits) {
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
      f(h, PAT) - f(prev, PAT)
    if (better > 0) kept[at as number] = h
  }

  let block = false
  const out: Hit[] = kept.map((h) => {
    const flags = field(pack, h, 0)
    const rule = pack.rules[ruleOf(pack, h)] as RulePack['rules'][number]
    const term = pack.label(field(pack, h, 5))
    const formAt = field(pack, h, 6)
    const form = formAt === 0 ? term : pack.label(formAt - 1)
    const note = pack.entryNote[entryOf(pack, h)] as number
    const start = f(h, SOFF)
    const end = f(h, EOFF)
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
    block ||= isBlock
    const c = f(h, CUE)
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
  })
  out.sort((a, b) => a.start - b.start || b.end - a.end)
  return { verdict: block ? 'block' : 'review', hits: out }
}
