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
 * sigmoid(bias + scale * sum(weights) / sqrt(max(features, normFloor))), the weights being int8 rows found
 * through a direct-mapped slot table (slot = top bits of the hash, checked against 16 bits of
 * fingerprint, so unseen n-grams rarely borrow a weight). The span is the sentence that scored
 * highest. Nothing is allocated per character: the scan writes into module-level typed arrays.
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
/** 0x20..0x2fff: a letter of a word, folded to this code point (lower case, no accents). */
export const FOLD_LETTER = 0x20
/** 0x3000 and above: a token, folded to this code point (simplified Han). */
export const FOLD_CHAR = 0x3000

/** Token ids of the classes that are tokens of their own (characters are their code points). */
const DIGIT_TOKEN = 0x7fff0001
const CURRENCY_TOKEN = 0x7fff0002
const WORD_SEED = 0x3c6ef372

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
  /** Weights per row: the number of rules, rounded up to a power of two. */
  stride: number
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
  /** Per slot: row << 16 | the 16 low bits of the n-gram hash that owns it (row 0: zeros). */
  slots: Uint32Array,
  /** stride int8 weights per row. */
  rows: Int8Array,
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
  readonly stride: number
  readonly sha256: string
  readonly fold: Uint16Array
  readonly styled: Uint8Array
  readonly slots: Uint32Array
  readonly rows: Int8Array
}

/** Views over the tables (nothing copied or decoded). */
export function loadCheckModel(data: CheckModelData, buffer: ArrayBuffer): CheckModel {
  if (data.format !== 1) throw new Error(`unsupported check model format ${String(data.format)}`)
  const view = <K extends ModelTableName>(name: K) => {
    const [offset, length] = data.tables[name]
    return new MODEL_TABLES[name](buffer, offset, length) as InstanceType<(typeof MODEL_TABLES)[K]>
  }
  return fromTables(data, view('fold'), view('styled'), view('slots'), view('rows'))
}

/** A model over tables already in hand (the training script builds them in memory). */
export function fromTables(
  data: Omit<CheckModelData, 'tables'>,
  fold: Uint16Array,
  styled: Uint8Array,
  slots: Uint32Array,
  rows: Int8Array,
): CheckModel {
  const n = data.rules.length
  if (data.stride < n || data.stride > 8 || n === 0) throw new Error('a model has 1 to 8 rules')
  if (slots.length !== 2 ** data.slotBits || data.slotBits > 16 || data.slotBits < 1)
    throw new Error('slot table does not match slotBits')
  if (fold.length !== 0x10000 || styled.length !== 0x400) throw new Error('bad fold tables')
  if (rows.length % data.stride !== 0) throw new Error('rows do not match the stride')
  return {
    rules: data.rules,
    bias: Float64Array.from(data.bias),
    scale: Float64Array.from(data.scale),
    threshold: Float64Array.from(data.threshold),
    thresholdLogit: Float64Array.from(data.threshold, (p) => Math.log(p / (1 - p))),
    slotShift: 32 - data.slotBits,
    normFloor: data.normFloor,
    stride: data.stride,
    sha256: data.sha256,
    fold,
    styled,
    slots,
    rows,
  }
}

// ---------------------------------------------------------------------------------------------
// The scan: text -> hashed features, grouped by sentence.

/** The 32-bit hashes of the features the last scan found, in order. */
export let features = new Int32Array(4096)
/** Per sentence: first feature, end feature, UTF-16 start and end in the text. */
export let sentences = new Int32Array(4 * 256)

function mix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

/**
 * Finds the features of text (into `features`, sentence by sentence into `sentences`) and returns
 * the number of sentences. fold and styled are a model's tables.
 */
export function scanFeatures(fold: Uint16Array, styled: Uint8Array, text: string): number {
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
  let chain = 0 // tokens in the current sentence's chain so far
  let last = 0 // the previous token, so a repeated one (哈哈哈, 部部部) counts once
  let lastHash = 0 // its unigram hash
  let lastSymbol = -1
  let word = 0 // hash of the word being read; wordStart < 0: none
  let wordStart = -1
  let wordEnd = 0
  for (let i = 0; i <= n;) {
    let v: number
    let cp: number
    let next = i + 1
    if (i === n) {
      v = FOLD_SENTENCE // the end of the text ends the word and the sentence
      cp = 0
    } else {
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
    if (v === FOLD_INVISIBLE) {
      i = next
      continue
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
    // Anything else ends the word being read, which is a token before this character.
    for (let pass = wordStart >= 0 ? 0 : 1; pass < 2; pass++) {
      let token: number
      let from: number
      let to: number
      if (pass === 0) {
        token = mix(word) | 0x40000000
        from = wordStart
        to = wordEnd
        wordStart = -1
      } else {
        if (v === FOLD_TOKEN) token = cp
        else if (v >= FOLD_CHAR) token = v
        else if (v === FOLD_DIGIT) token = DIGIT_TOKEN
        else if (v === FOLD_CURRENCY) token = CURRENCY_TOKEN
        else break
        from = i
        to = next
      }
      if (chain > 0 && token === last) {
        sentEnd = to
        continue
      }
      const unigram = mix(token ^ 0x1b873593)
      feats[count++] = unigram
      if (chain > 0) feats[count++] = mix(Math.imul(lastHash, 0x9e3779b1) ^ unigram)
      lastHash = unigram
      last = token
      chain++
      lastSymbol = -1
      if (sentStart < 0) sentStart = from
      sentEnd = to
    }
    if (v === FOLD_SYMBOL) {
      // An emoji means something but may stand between the characters of a word (贿🌹选).
      if (cp !== lastSymbol) {
        feats[count++] = mix(cp ^ 0x68e31da4)
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
      chain = 0
      lastSymbol = -1
    }
    i = next
  }
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
  const { slots, rows, slotShift, stride, normFloor } = model
  const ruleCount = model.rules.length
  const sentenceCount = scanFeatures(model.fold, model.styled, text)
  const feats = features
  const sents = sentences
  totals.fill(0)
  for (let r = 0; r < ruleCount; r++) {
    bestLogit[r] = -Infinity
    bestSpan[2 * r] = 0
    bestSpan[2 * r + 1] = 0
  }
  for (let s = 0; s < sentenceCount; s++) {
    const from = sents[4 * s] as number
    const to = sents[4 * s + 1] as number
    let a0 = 0
    let a1 = 0
    let a2 = 0
    let a3 = 0
    let a4 = 0
    let a5 = 0
    let a6 = 0
    let a7 = 0
    for (let k = from; k < to; k++) {
      const h = feats[k] as number
      const v = slots[h >>> slotShift] as number
      // Row 0 is all zeros, so an empty slot (0) matching a hash's low bits adds nothing.
      if (((v ^ h) & 0xffff) !== 0) continue
      const at = (v >>> 16) * stride
      a0 += rows[at] as number
      a1 += rows[at + 1] as number
      a2 += rows[at + 2] as number
      a3 += rows[at + 3] as number
      if (stride > 4) {
        a4 += rows[at + 4] as number
        a5 += rows[at + 5] as number
        a6 += rows[at + 6] as number
        a7 += rows[at + 7] as number
      }
    }
    sums[0] = a0
    sums[1] = a1
    sums[2] = a2
    sums[3] = a3
    sums[4] = a4
    sums[5] = a5
    sums[6] = a6
    sums[7] = a7
    const norm = 1 / Math.sqrt(Math.max(to - from, normFloor))
    const start = sents[4 * s + 2] as number
    const end = sents[4 * s + 3] as number
    for (let r = 0; r < ruleCount; r++) {
      const sum = sums[r] as number
      totals[r] = (totals[r] as number) + sum
      const logit = (model.bias[r] as number) + (model.scale[r] as number) * sum * norm
      if (logit > (bestLogit[r] as number)) {
        bestLogit[r] = logit
        bestSpan[2 * r] = start
        bestSpan[2 * r + 1] = end
      }
    }
  }
  let flagged = 0
  const total = sentenceCount > 0 ? (sents[4 * sentenceCount - 3] as number) : 0
  for (let r = 0; r < ruleCount; r++) {
    if (sentenceCount > 1) {
      const norm = 1 / Math.sqrt(Math.max(total, normFloor))
      const logit =
        (model.bias[r] as number) + (model.scale[r] as number) * (totals[r] as number) * norm
      if (logit > (bestLogit[r] as number)) bestLogit[r] = logit
    } else if (sentenceCount === 0) bestLogit[r] = model.bias[r] as number
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
