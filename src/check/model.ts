/**
 * The learned channel of the message check: a fastText-style linear classifier, one per rule, over
 * hashed token n-grams of the folded text. Pure TypeScript (no Workers imports): the Worker, the
 * training script and the benchmarks run this same code, so the features a model was trained on
 * are the features it is scored on.
 *
 * Folding is one table lookup per UTF-16 unit (fold, built at compile time with NFKC, opencc's
 * traditional -> simplified, case and accent folding, Cyrillic and Greek look-alikes): a Han
 * character (or kana, Hangul...) is a token, a run of letters is a word token, a run of digits is
 * one token, emoji count as a feature of their own without breaking the chain, invisible marks
 * are as if absent and punctuation is seen through (so `红 包`, `紅*包` and `红包` are one bigram).
 * Every token adds its unigram and bigram hashes; bigrams stop at the end of a sentence. (Trigrams
 * and 4-grams were tried: with this much data they generalise worse across authors.)
 *
 * A message's score for a rule is the best of the whole message's score and each sentence's:
 * sigmoid(bias + scale * sum(weights) / sqrt(max(features, normFloor))). The weights sit in a
 * direct-mapped slot table: slot = top bits of the feature's hash, holding the whole hash of the
 * one feature that owns it (an n-gram the model never learnt adds nothing) and its eight int8
 * weights packed in two words, so each feature costs one memory access and no branch. The span is
 * the sentence that scored highest. Nothing is allocated per character: the scan writes into
 * module-level typed arrays, which the scoring loop then reads.
 */

/** Values of the fold table below FOLD_LETTER are classes; above, folded code points. */
export const FOLD_TOKEN = 0 // a token of its own that folds to itself (Han, kana, Hangul, ...)
export const FOLD_SEPARATOR = 1 // space, punctuation, symbols: ends a word, seen through otherwise
export const FOLD_SENTENCE = 2 // ends a sentence (。！？；!?; and line breaks)
export const FOLD_INVISIBLE = 3 // zero-width, bidi, combining and variation marks: as if absent
export const FOLD_DIGIT = 4 // a run of digits is one token
export const FOLD_DOT = 5 // "." ends a sentence before a space or the end, else separates
export const FOLD_CURRENCY = 6 // ¥ $ € £ and their full-width forms: one token
export const FOLD_SYMBOL = 7 // emoji and pictographs: a feature of its own, transparent to n-grams
export const FOLD_SURROGATE = 8 // half of a character above the BMP (the scan reads the pair)
/** 0x20..0x2fff: a letter of a word, folded to this code point (lower case, no accents). */
export const FOLD_LETTER = 0x20
/** 0x3000 and above: a token, folded to this code point (simplified Han). */
export const FOLD_CHAR = 0x3000

/** Token ids of the classes that are tokens of their own (characters are their code points). */
const DIGIT_TOKEN = 0x200000 // above every code point, below word tokens (0x40000000 up)
const CURRENCY_TOKEN = 0x200001
const WORD_SEED = 0x3c6ef372
const SYMBOL_SALT = 0x68e31da4
/** Int32 words per slot of the slot table (MODEL_TABLES.slots), and the most rules a model has. */
export const SLOT_WORDS = 3
export const MAX_RULES = 8
// (These constants come before any other declaration, and this module imports nothing: esbuild
// then writes their values where they are used, where the Worker's bundle would otherwise read
// a module variable, with its checks, at every use in the scans' loops.)

/**
 * How a model's features are made from the tokens (CheckModelData.featureScheme). Every committed
 * model uses FEATURES_UNIGRAMS. FEATURES_PAIRS is for experiments (train:check-model --config): a
 * Han character (kana, Hangul...) after another token of its sentence adds only the pair of the
 * two (no unigram), so Chinese text costs one lookup a character, not two, and a chain's first
 * character its unigram; words, numbers, currency signs and emoji keep their unigrams (an English
 * word or an amount means something on its own). Its pairs are hashed from the two tokens.
 */
export const FEATURES_UNIGRAMS = 1 // every token: its unigram and its bigram with the one before
export const FEATURES_PAIRS = 2

/** The log-odds of a probability (0 gives -Infinity, 1 Infinity): thresholds and floors compare as logits. */
export const logit = (p: number) => Math.log(p / (1 - p))

/** The model as the build describes it (the JSON half; the tables are in the data module). */
export interface CheckModelData {
  format: 1
  /** Rule ids, in the order of the weights in a row. */
  rules: string[]
  /** Per rule: a text's logit is bias + scale * (sum of its int8 weights) / sqrt(features). */
  bias: number[]
  scale: number[]
  /** Per rule: the score (0-1) at or above which the model flags the rule. */
  threshold: number[]
  /** Sums are divided by sqrt(max(features, normFloor)), so a short text cannot score on one word. */
  normFloor: number
  /** log2 of the number of slots. */
  slotBits: number
  /** FEATURES_UNIGRAMS (when absent, as in every committed model) or FEATURES_PAIRS. */
  featureScheme?: number
  /** sha256 of the committed model files this was built from. */
  sha256: string
  /** Byte offset and element count of each table in the data module's memory. */
  tables: Record<ModelTableName, [offset: number, length: number]>
}

export const MODEL_TABLES = {
  /** Fold value of every BMP code unit (see FOLD_*). */
  fold: Uint16Array,
  /** Mathematical alphanumerics U+1D400..U+1D7FF folded to ASCII (0: a symbol). */
  styled: Uint8Array,
  /**
   * SLOT_WORDS per slot: the hash of the feature that owns it, then its int8 weights for rules
   * 0-3 and 4-7, each plus 128 (so 0..255), rule 0 in the low byte. An empty slot is all zeros.
   */
  slots: Int32Array,
} as const
export type ModelTableName = keyof typeof MODEL_TABLES

export interface CheckModel {
  readonly rules: readonly string[]
  readonly bias: Float64Array
  readonly scale: Float64Array
  readonly threshold: Float64Array
  /** The thresholds as logits, so flagging compares before any sigmoid. */
  readonly thresholdLogit: Float64Array
  readonly slotShift: number
  readonly normFloor: number
  /** Whether Han characters add pairs only (FEATURES_PAIRS). */
  readonly pairs: boolean
  readonly sha256: string
  readonly fold: Uint16Array
  readonly styled: Uint8Array
  readonly slots: Int32Array
}

/** Views over the tables (nothing copied or decoded). */
export function loadCheckModel(data: CheckModelData, buffer: ArrayBuffer): CheckModel {
  if (data.format !== 1) throw new Error(`unsupported check model format ${String(data.format)}`)
  const view = <K extends ModelTableName>(name: K) => {
    const [offset, length] = data.tables[name]
    return new MODEL_TABLES[name](buffer, offset, length) as InstanceType<(typeof MODEL_TABLES)[K]>
  }
  return fromTables(data, view('fold'), view('styled'), view('slots'))
}

/** A model over tables already in hand (the training script builds them in memory). */
export function fromTables(
  data: Omit<CheckModelData, 'tables'>,
  fold: Uint16Array,
  styled: Uint8Array,
  slots: Int32Array,
): CheckModel {
  const n = data.rules.length
  if (n === 0 || n > MAX_RULES) throw new Error(`a model has 1 to ${MAX_RULES} rules`)
  if (data.slotBits < 1 || data.slotBits > 24 || slots.length !== SLOT_WORDS * 2 ** data.slotBits)
    throw new Error('slot table does not match slotBits')
  if (fold.length !== 0x10000 || styled.length !== 0x400) throw new Error('bad fold tables')
  const scheme = data.featureScheme ?? FEATURES_UNIGRAMS
  if (scheme !== FEATURES_UNIGRAMS && scheme !== FEATURES_PAIRS)
    throw new Error(`unsupported check model feature scheme ${String(scheme)}`)
  return {
    rules: data.rules,
    bias: Float64Array.from(data.bias),
    scale: Float64Array.from(data.scale),
    threshold: Float64Array.from(data.threshold),
    thresholdLogit: Float64Array.from(data.threshold, logit),
    slotShift: 32 - data.slotBits,
    normFloor: data.normFloor,
    pairs: scheme === FEATURES_PAIRS,
    sha256: data.sha256,
    fold,
    styled,
    slots,
  }
}

// ---------------------------------------------------------------------------------------------
// The scan: text -> hashed features, grouped by sentence.

// The last scan's results, read through scanned(). (Not exported bindings: reading an exported
// `let` in the scan's loop measured slower.)
/** The 32-bit hashes of the features the last scan found, in order. */
let features = new Int32Array(4096)
/** Per sentence: first feature, end feature, UTF-16 start and end in the text. */
let sentences = new Int32Array(4 * 256)

/** The number of tokens in the last scanned text, as countTokens counts them. */
let tokens = 0

/** What the last scanFeatures found: the feature hashes and, per sentence, four values. */
export function scanned(): { features: Int32Array; sentences: Int32Array } {
  return { features, sentences }
}

/**
 * countTokens of the text the last scanFeatures (or scoreInto) read: the scan counts them as it
 * goes, so fusion's veto need not read the text a third time.
 */
export const tokensScanned = () => tokens

// Hashes: murmur3's finaliser over the token (unigrams) or over the first token's unigram times
// a constant xor the second's (bigrams); the top bits pick a slot, the whole hash must match the
// slot's owner. (A bare multiplication, one operation cheaper, measured 3 points of recall worse:
// features that matter shared slots more often.)
function mix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}
/** The unigram hash of a token. */
const unigramOf = (token: number) => mix(token ^ 0x1b873593)
/** The bigram hash of two tokens, from their unigram hashes. */
const bigramOf = (first: number, second: number) => mix(Math.imul(first, 0x9e3779b1) ^ second)
/** FEATURES_PAIRS: the pair of two tokens, from the tokens (one mix, not three). */
const pairOf = (first: number, second: number) => mix(Math.imul(first, 0x2c1b3c6d) ^ second)

/**
 * Finds the features of text (into `features`, sentence by sentence into `sentences`) and returns
 * the number of sentences. fold and styled are a model's tables; pairs: FEATURES_PAIRS.
 */
export function scanFeatures(
  fold: Uint16Array,
  styled: Uint8Array,
  text: string,
  pairs = false,
): number {
  const n = text.length
  // Room for the worst case: every unit a token (2 features) and every other one a sentence.
  if (features.length < 2 * n + 2) features = new Int32Array(2 * n + 2)
  if (sentences.length < 4 * ((n >> 1) + 2)) sentences = new Int32Array(4 * ((n >> 1) + 2))
  const feats = features
  const sents = sentences
  let count = 0 // features
  let sentenceCount = 0
  let first = 0 // first feature of the current sentence
  let sentStart = -1 // UTF-16 start of the current sentence's first token; -1: none yet
  let sentEnd = 0
  let last = -1 // the previous token in this sentence (-1: none), so 哈哈哈 counts once
  let lastHash = 0 // its unigram hash
  let lastSymbol = -1
  let word = 0 // hash of the word being read
  let wordStart = -1 // where it starts; -1: no word
  let wordEnd = 0
  let tokenCount = 0 // every token, repeats included (see countTokens)
  let digitsEnd = -1 // where the last digit read ends: a digit there continues its run
  for (let i = 0; i <= n;) {
    let v: number
    let cp = 0
    let next = i + 1
    if (i === n)
      v = FOLD_SENTENCE // the end of the text ends the word and the sentence
    else {
      cp = text.charCodeAt(i)
      if ((cp & 0xf800) !== 0xd800) v = fold[cp] as number
      else {
        const lo = next < n ? text.charCodeAt(next) : 0
        if (cp < 0xdc00 && (lo & 0xfc00) === 0xdc00) {
          cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000
          next++
          v = astralFold(styled, cp)
        } else v = FOLD_SEPARATOR // a lone surrogate is noise
      }
    }
    if (v >= FOLD_LETTER && v < FOLD_CHAR) {
      if (wordStart < 0) {
        wordStart = i
        word = WORD_SEED
      }
      word = Math.imul(word ^ v, 0x01000193)
      wordEnd = next
      i = next
      continue
    }
    // An invisible mark is as if absent, even inside a word (po\u200brn).
    if (v === FOLD_INVISIBLE) {
      if (digitsEnd === i) digitsEnd = next
      i = next
      continue
    }
    if (wordStart >= 0) {
      tokenCount++
      // The word just read is a token before this character. (Written out twice, here and
      // below, rather than shared: a helper or a loop over the two costs a third of the scan.)
      const token = (word & 0x3fffffff) | 0x40000000
      if (token !== last) {
        const unigram = unigramOf(token)
        feats[count++] = unigram
        if (last !== -1) feats[count++] = pairs ? pairOf(last, token) : bigramOf(lastHash, unigram)
        lastHash = unigram
        last = token
        lastSymbol = -1
        if (sentStart < 0) sentStart = wordStart
      }
      sentEnd = wordEnd
      wordStart = -1
    }
    const token =
      v === FOLD_TOKEN
        ? cp
        : v >= FOLD_CHAR
          ? v
          : v === FOLD_DIGIT
            ? DIGIT_TOKEN
            : v === FOLD_CURRENCY
              ? CURRENCY_TOKEN
              : -1
    if (token !== -1) {
      // A run of digits is one token (a Han character, each time it is written).
      if (v !== FOLD_DIGIT) tokenCount++
      else {
        if (digitsEnd !== i) tokenCount++
        digitsEnd = next
      }
      if (token !== last) {
        // A Han character after a token of its sentence: under FEATURES_PAIRS its pair alone.
        if (pairs && last !== -1 && (v === FOLD_TOKEN || v >= FOLD_CHAR))
          feats[count++] = pairOf(last, token)
        else {
          const unigram = unigramOf(token)
          feats[count++] = unigram
          if (last !== -1)
            feats[count++] = pairs ? pairOf(last, token) : bigramOf(lastHash, unigram)
          lastHash = unigram
        }
        last = token
        lastSymbol = -1
        if (sentStart < 0) sentStart = i
      }
      sentEnd = next
    } else if (v === FOLD_SYMBOL) {
      // An emoji means something but may stand between the characters of a word (贿🌹选).
      if (cp !== lastSymbol) {
        feats[count++] = unigramOf(cp ^ SYMBOL_SALT)
        lastSymbol = cp
        if (sentStart < 0) sentStart = i
        sentEnd = next
      }
    } else if (
      v === FOLD_SENTENCE ||
      (v === FOLD_DOT && (next >= n || fold[text.charCodeAt(next)] === FOLD_SEPARATOR))
    ) {
      if (count > first) {
        const s = sentenceCount++ * 4
        sents[s] = first
        sents[s + 1] = count
        sents[s + 2] = sentStart
        sents[s + 3] = sentEnd
      }
      first = count
      sentStart = -1
      last = -1
      lastSymbol = -1
    }
    i = next
  }
  tokens = tokenCount
  return sentenceCount
}

/** Above the BMP: styled letters fold, tags, variation selectors and skin tones vanish, the rest is a symbol. */
function astralFold(styled: Uint8Array, cp: number): number {
  if (cp >= 0x1d400 && cp <= 0x1d7ff) {
    const c = styled[cp - 0x1d400] as number
    if (c === 0) return FOLD_SYMBOL
    return c <= 0x39 ? FOLD_DIGIT : c
  }
  if ((cp >= 0xe0000 && cp <= 0xe0fff) || (cp >= 0x1f3fb && cp <= 0x1f3ff)) return FOLD_INVISIBLE
  return FOLD_SYMBOL
}

// ---------------------------------------------------------------------------------------------
// Scoring

/** One rule's best score in a message, and the sentence that scored it. */
export interface ModelScore {
  rule: string
  /** 0-1: the model's estimate that the message crosses this rule. */
  score: number
  /** The rule's threshold: flagged when score >= threshold. */
  threshold: number
  flagged: boolean
  /** UTF-16 offsets of the highest-scoring sentence in the text as sent. */
  start: number
  end: number
}

/**
 * Per rule (in model.rules' order), written by scoreInto: the best logit, and the span of the
 * sentence that reached it (start at 2r, end at 2r + 1).
 */
export const bestLogit = new Float64Array(8)
export const bestSpan = new Int32Array(16)
const sums = new Int32Array(8) // one sentence's weight sums
const totals = new Int32Array(8) // the message's

/**
 * Scores text into bestLogit and bestSpan and returns a bit mask of the rules at or over their
 * thresholds. The whole message and each sentence are scored; a rule's span is the sentence that
 * scored highest for it, even when the whole message scored higher still. A text with no
 * features (empty, or punctuation only) gets the biases and empty spans.
 */
export function scoreInto(model: CheckModel, text: string): number {
  const { slots, slotShift, normFloor, bias, scale } = model
  const ruleCount = model.rules.length
  const sentenceCount = scanFeatures(model.fold, model.styled, text, model.pairs)
  const feats = features
  const sents = sentences
  totals.fill(0)
  sums.fill(0)
  for (let r = 0; r < ruleCount; r++) {
    bestLogit[r] = -Infinity
    bestSpan[2 * r] = 0
    bestSpan[2 * r + 1] = 0
  }
  for (let s = 0; s < sentenceCount; s++) {
    const from = sents[4 * s] as number
    const to = sents[4 * s + 1] as number
    // Eight sums in four words: each word adds two rules' biased weights (0..255) in 16-bit
    // lanes, emptied into the sentence's sums at least every 256 features, before a lane could
    // overflow. (The sums wait in a typed array, not in locals: eight locals live across the
    // loop below left too few registers for it, and it spilled to the stack.)
    for (let k = from; k < to;) {
      const stop = Math.min(to, k + 256)
      let rules02 = 0
      let rules13 = 0
      let rules46 = 0
      let rules57 = 0
      let owned = 0
      // Two features a turn (measured 5% faster than one: half the loop's own work, and the
      // two lookups' loads issue together); the odd one out after the loop.
      for (; k + 1 < stop; k += 2) {
        const h = feats[k] as number
        const g = feats[k + 1] as number
        // (slotShift is 8 or more, so the mask changes nothing; it tells V8 that at + 2 stays
        // an int32, which spares a check of every addition below for overflow.)
        const at = ((h >>> slotShift) & 0xffffff) * SLOT_WORDS
        const bt = ((g >>> slotShift) & 0xffffff) * SLOT_WORDS
        // All ones when this feature owns the slot, else zero, computed without a branch (a
        // quarter of the features miss, unpredictably), so successive loads can overlap.
        const d = (slots[at] as number) ^ h
        const e = (slots[bt] as number) ^ g
        const mask = ~((d | -d) >> 31)
        const mask2 = ~((e | -e) >> 31)
        const lo = (slots[at + 1] as number) & mask
        const hi = (slots[at + 2] as number) & mask
        const lo2 = (slots[bt + 1] as number) & mask2
        const hi2 = (slots[bt + 2] as number) & mask2
        // (The high lanes may pass 2^31: | 0 keeps the words int32, the lanes read them unsigned.)
        rules02 = (rules02 + (lo & 0x00ff00ff) + (lo2 & 0x00ff00ff)) | 0
        rules13 = (rules13 + ((lo >>> 8) & 0x00ff00ff) + ((lo2 >>> 8) & 0x00ff00ff)) | 0
        rules46 = (rules46 + (hi & 0x00ff00ff) + (hi2 & 0x00ff00ff)) | 0
        rules57 = (rules57 + ((hi >>> 8) & 0x00ff00ff) + ((hi2 >>> 8) & 0x00ff00ff)) | 0
        owned = (owned - mask - mask2) | 0
      }
      if (k < stop) {
        const h = feats[k++] as number
        const at = ((h >>> slotShift) & 0xffffff) * SLOT_WORDS
        const d = (slots[at] as number) ^ h
        const mask = ~((d | -d) >> 31)
        const lo = (slots[at + 1] as number) & mask
        const hi = (slots[at + 2] as number) & mask
        rules02 = (rules02 + (lo & 0x00ff00ff)) | 0
        rules13 = (rules13 + ((lo >>> 8) & 0x00ff00ff)) | 0
        rules46 = (rules46 + (hi & 0x00ff00ff)) | 0
        rules57 = (rules57 + ((hi >>> 8) & 0x00ff00ff)) | 0
        owned = (owned - mask) | 0
      }
      const bias128 = owned * 128
      sums[0] = (sums[0] as number) + (rules02 & 0xffff) - bias128
      sums[1] = (sums[1] as number) + (rules13 & 0xffff) - bias128
      sums[2] = (sums[2] as number) + (rules02 >>> 16) - bias128
      sums[3] = (sums[3] as number) + (rules13 >>> 16) - bias128
      sums[4] = (sums[4] as number) + (rules46 & 0xffff) - bias128
      sums[5] = (sums[5] as number) + (rules57 & 0xffff) - bias128
      sums[6] = (sums[6] as number) + (rules46 >>> 16) - bias128
      sums[7] = (sums[7] as number) + (rules57 >>> 16) - bias128
    }
    const norm = 1 / Math.sqrt(Math.max(to - from, normFloor))
    const start = sents[4 * s + 2] as number
    const end = sents[4 * s + 3] as number
    for (let r = 0; r < ruleCount; r++) {
      const sum = sums[r] as number
      sums[r] = 0 // (the sums of rules past ruleCount are never read)
      totals[r] = (totals[r] as number) + sum
      const logit = (bias[r] as number) + (scale[r] as number) * sum * norm
      if (logit > (bestLogit[r] as number)) {
        bestLogit[r] = logit
        bestSpan[2 * r] = start
        bestSpan[2 * r + 1] = end
      }
    }
  }
  let flagged = 0
  const total = sentenceCount > 0 ? (sents[4 * sentenceCount - 3] as number) : 0
  const norm = 1 / Math.sqrt(Math.max(total, normFloor))
  for (let r = 0; r < ruleCount; r++) {
    if (sentenceCount > 1) {
      const logit = (bias[r] as number) + (scale[r] as number) * (totals[r] as number) * norm
      if (logit > (bestLogit[r] as number)) bestLogit[r] = logit
    } else if (sentenceCount === 0) bestLogit[r] = bias[r] as number
    if ((bestLogit[r] as number) >= (model.thresholdLogit[r] as number)) flagged |= 1 << r
  }
  return flagged
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))

/** Every rule's score for text, with its threshold and its best sentence. */
export function scoreMessage(model: CheckModel, text: string): ModelScore[] {
  const flagged = scoreInto(model, text)
  return model.rules.map((rule, r) => ({
    rule,
    score: sigmoid(bestLogit[r] as number),
    threshold: model.threshold[r] as number,
    flagged: (flagged & (1 << r)) !== 0,
    start: bestSpan[2 * r] as number,
    end: bestSpan[2 * r + 1] as number,
  }))
}

/**
 * The number of tokens in text as the scan reads them: each Han character (or kana, Hangul...),
 * each run of letters (a word), each run of digits and each currency sign; emoji, punctuation
 * and invisible marks are none (repeats count every time). Fusion's veto asks for enough of them
 * (a message of ten English words is short, though it is 60 characters). The definition: the
 * engine reads the count the scan made as it went (tokensScanned), which tests hold to this.
 */
export function countTokens(fold: Uint16Array, styled: Uint8Array, text: string): number {
  let tokens = 0
  let previous = -1 // the class of the run being read: FOLD_LETTER, FOLD_DIGIT or -1
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i)
    let v: number
    if ((cp & 0xf800) !== 0xd800) v = fold[cp] as number
    else {
      const lo = i + 1 < text.length ? text.charCodeAt(i + 1) : 0
      if (cp < 0xdc00 && (lo & 0xfc00) === 0xdc00) {
        cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000
        i++
        v = astralFold(styled, cp)
      } else v = FOLD_SEPARATOR
    }
    if (v === FOLD_INVISIBLE) continue
    const run = v >= FOLD_LETTER && v < FOLD_CHAR ? FOLD_LETTER : v === FOLD_DIGIT ? FOLD_DIGIT : -1
    if (run !== -1) {
      if (run !== previous) tokens++
    } else if (v === FOLD_TOKEN || v >= FOLD_CHAR || v === FOLD_CURRENCY) tokens++
    previous = run
  }
  return tokens
}
