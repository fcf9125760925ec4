/**
 * Training the check model: features from src/check/model.ts's own scan, one-vs-rest logistic
 * regression per rule (FTRL-proximal: per-coordinate learning rates, L1 for sparsity, L2), then
 * pruning, int8 quantisation and placement in the direct-mapped slot table the Worker reads.
 * Deterministic: examples in a fixed order, shuffles from a seeded generator, vocabulary sorted
 * by hash, and no iteration over anything unordered.
 */
import {
  bestLogit,
  FEATURES_PAIRS,
  FEATURES_UNIGRAMS,
  fromTables,
  MAX_RULES,
  SLOT_WORDS,
  scanFeatures,
  scanned,
  scoreInto,
  type CheckModel,
} from '../src/check/model'
import { RULES, type Example } from './checkmodel-data'

export interface TrainConfig {
  /** A feature must occur in this many training examples to be learned. */
  minCount: number
  epochs: number
  alpha: number
  beta: number
  l1: number
  l2: number
  /** Example weights: authored violations, authored near misses, corpus lines (per rule). */
  weightPositive: number
  weightHardNegative: number
  weightCorpus: number
  weightCorpusPositive: number
  /** Sentences of multi-sentence negatives are also negatives (the Worker scores each one). */
  sentenceNegatives: boolean
  /** Features whose weights all stay below this (in logits) are left out of the second round. */
  minWeight: number
  /** See CheckModelData.normFloor. */
  normFloor: number
  /** log2 of the slot table's size. */
  slotBits: number
  /**
   * Optional, for experiments (--config): CheckModelData.featureScheme; absent, FEATURES_UNIGRAMS.
   * In no check version's configuration: FEATURES_PAIRS scored about a fifth faster, but on c13's
   * data (norm floor 16, l1 and l2 0.25) it flagged 0.41% of cold-safe's held half, over the 0.3%
   * target (docs/model-card.md, c13).
   */
  featureScheme?: number
  seed: number
  /**
   * Optional (c11 on): per negative corpus and rule id, a multiplier of weightCorpus for that
   * corpus's lines as negatives of that rule. Absent in the configurations of c2-c10, whose
   * manifests record them as they were.
   */
  corpusRuleWeight?: Record<string, Record<string, number>>
  /**
   * Optional, for experiments (--config): each authored line is fitted on twice, the second time
   * with each Han character written in toneless pinyin with this probability (zhong国式xian代化),
   * as evaders write. In no check version's configuration: on c11's data it caught more out of
   * fold, but false flags on the corpora's held halves rose past 0.3% (docs/model-card.md, c11).
   */
  augmentPinyin?: number
  /** With augmentPinyin: the corpora's lines and everyday talk get pinyin copies too. */
  augmentPinyinEverywhere?: boolean
}

export const DEFAULT_CONFIG: TrainConfig = {
  minCount: 2,
  epochs: 20,
  alpha: 0.5,
  beta: 1,
  l1: 1,
  l2: 1,
  weightPositive: 16,
  weightHardNegative: 8,
  weightCorpus: 2,
  weightCorpusPositive: 0.05,
  sentenceNegatives: true,
  minWeight: 0.3,
  normFloor: 32,
  slotBits: 14,
  seed: 20170418,
}

/** The features of one text: all of them, and where each sentence's are. */
export interface Featurised {
  hashes: Int32Array
  /** Per sentence: first feature and end feature (into hashes). */
  bounds: Int32Array
}

export function featurise(
  fold: Uint16Array,
  styled: Uint8Array,
  text: string,
  featureScheme = FEATURES_UNIGRAMS,
): Featurised {
  const count = scanFeatures(fold, styled, text, featureScheme === FEATURES_PAIRS)
  const { features, sentences } = scanned()
  const total = count > 0 ? (sentences[4 * count - 3] as number) : 0
  const bounds = new Int32Array(2 * count)
  for (let s = 0; s < count; s++) {
    bounds[2 * s] = sentences[4 * s] as number
    bounds[2 * s + 1] = sentences[4 * s + 1] as number
  }
  return { hashes: features.slice(0, total), bounds }
}

export function mulberry32(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A weighted training instance over vocabulary indices (a message or one of its sentences). */
interface Instances {
  offsets: Int32Array
  index: Int32Array
  value: Float64Array
  labels: Int32Array
  /** Weight of the instance for each rule (RULES.length per instance). */
  weight: Float64Array
  count: number
}

export interface FloatModel {
  /** Vocabulary: feature hashes, ascending. */
  hashes: Int32Array
  /** weights[i * rules + r] */
  weights: Float64Array
  bias: Float64Array
  rules: number
}

/**
 * Trains in two rounds: on every feature seen minCount times, then, after choosing the features
 * that fit the slot table (the weightiest feature of each slot), again on those alone, so the
 * weights make up for what was left out and no feature the Worker reads was trained beside one
 * it cannot see.
 */
export function train(
  examples: Example[],
  featurised: Featurised[],
  ruleCount: number,
  config: TrainConfig,
): FloatModel {
  const df = new Map<number, number>()
  for (const f of featurised) {
    const seen = new Set<number>()
    for (const h of f.hashes) if (!seen.has(h)) seen.add(h)
    for (const h of seen) df.set(h, (df.get(h) ?? 0) + 1)
  }
  const vocab = Int32Array.from([...df].filter(([, n]) => n >= config.minCount).map(([h]) => h))
  vocab.sort()
  const first = fit(examples, featurised, ruleCount, config, vocab)
  return fit(examples, featurised, ruleCount, config, fitSlots(first, config))
}

/**
 * The features the second round trains: those with a weight of at least config.minWeight for some
 * rule, and of those the one with the largest weights (summed over rules) in each slot; ascending.
 */
function fitSlots(model: FloatModel, config: TrainConfig): Int32Array {
  const { slotBits, minWeight } = config
  const R = model.rules
  const owner = new Int32Array(2 ** slotBits).fill(-1)
  const weight = (i: number) => {
    let sum = 0
    for (let r = 0; r < R; r++) sum += Math.abs(model.weights[i * R + r] as number)
    return sum
  }
  const strongest = (i: number) => {
    let max = 0
    for (let r = 0; r < R; r++) max = Math.max(max, Math.abs(model.weights[i * R + r] as number))
    return max
  }
  for (let i = 0; i < model.hashes.length; i++) {
    if (weight(i) === 0 || strongest(i) < minWeight) continue
    const slot = (model.hashes[i] as number) >>> (32 - slotBits)
    const other = owner[slot] as number
    if (other < 0 || weight(i) > weight(other)) owner[slot] = i
  }
  const kept = Int32Array.from(
    owner.filter((i) => i >= 0),
    (i) => model.hashes[i] as number,
  )
  return kept.sort()
}

function fit(
  examples: Example[],
  featurised: Featurised[],
  ruleCount: number,
  config: TrainConfig,
  vocab: Int32Array,
): FloatModel {
  const indexOf = new Map<number, number>()
  vocab.forEach((h, i) => indexOf.set(h, i))

  const inst = instances(examples, featurised, indexOf, ruleCount, config)
  const F = vocab.length
  const z = new Float64Array(F * ruleCount)
  const n = new Float64Array(F * ruleCount)
  const w = new Float64Array(F * ruleCount)
  const bz = new Float64Array(ruleCount)
  const bn = new Float64Array(ruleCount)
  const { alpha, beta, l1, l2 } = config
  const weightOf = (zi: number, ni: number, lambda1: number) =>
    Math.abs(zi) <= lambda1
      ? 0
      : -(zi - Math.sign(zi) * lambda1) / ((beta + Math.sqrt(ni)) / alpha + l2)
  const random = mulberry32(config.seed)
  const order = Int32Array.from({ length: inst.count }, (_, i) => i)
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      const t = order[i] as number
      order[i] = order[j] as number
      order[j] = t
    }
    for (const e of order) {
      const from = inst.offsets[e] as number
      const to = inst.offsets[e + 1] as number
      for (let r = 0; r < ruleCount; r++) {
        const weight = inst.weight[e * ruleCount + r] as number
        if (weight === 0) continue
        let dot = weightOf(bz[r] as number, bn[r] as number, 0)
        const bias = dot
        for (let k = from; k < to; k++) {
          const c = (inst.index[k] as number) * ruleCount + r
          const wi = weightOf(z[c] as number, n[c] as number, l1)
          w[c] = wi
          dot += wi * (inst.value[k] as number)
        }
        const p = 1 / (1 + Math.exp(-Math.max(-35, Math.min(35, dot))))
        const g = (p - (((inst.labels[e] as number) >> r) & 1)) * weight
        for (let k = from; k < to; k++) {
          const c = (inst.index[k] as number) * ruleCount + r
          const gi = g * (inst.value[k] as number)
          const ni = n[c] as number
          const sigma = (Math.sqrt(ni + gi * gi) - Math.sqrt(ni)) / alpha
          z[c] = (z[c] as number) + gi - sigma * (w[c] as number)
          n[c] = ni + gi * gi
        }
        const sigma = (Math.sqrt((bn[r] as number) + g * g) - Math.sqrt(bn[r] as number)) / alpha
        bz[r] = (bz[r] as number) + g - sigma * bias
        bn[r] = (bn[r] as number) + g * g
      }
    }
  }
  const weights = new Float64Array(F * ruleCount)
  for (let c = 0; c < weights.length; c++) weights[c] = weightOf(z[c] as number, n[c] as number, l1)
  const bias = Float64Array.from({ length: ruleCount }, (_, r) =>
    weightOf(bz[r] as number, bn[r] as number, 0),
  )
  return { hashes: vocab, weights, bias, rules: ruleCount }
}

function instances(
  examples: Example[],
  featurised: Featurised[],
  indexOf: Map<number, number>,
  ruleCount: number,
  config: TrainConfig,
): Instances {
  const offsets: number[] = [0]
  const index: number[] = []
  const value: number[] = []
  const labels: number[] = []
  const weight: number[] = []
  const add = (hashes: Int32Array, from: number, to: number, e: Example, scale: number) => {
    if (to <= from) return
    const counts = new Map<number, number>()
    for (let k = from; k < to; k++) {
      const i = indexOf.get(hashes[k] as number)
      if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1)
    }
    const norm = 1 / Math.sqrt(Math.max(to - from, config.normFloor))
    for (const [i, c] of [...counts].sort((a, b) => a[0] - b[0])) {
      index.push(i)
      value.push(c * norm)
    }
    offsets.push(index.length)
    labels.push(e.labels)
    for (let r = 0; r < ruleCount; r++) {
      const positive = (e.labels >> r) & 1
      const w = e.authored
        ? positive
          ? config.weightPositive
          : e.labels === 0
            ? config.weightHardNegative
            : 1
        : positive
          ? config.weightCorpusPositive
          : config.weightCorpus * (config.corpusRuleWeight?.[e.source]?.[RULES[r]!] ?? 1)
      weight.push(w * scale)
    }
  }
  examples.forEach((e, k) => {
    const f = featurised[k] as Featurised
    add(f.hashes, 0, f.hashes.length, e, 1)
    if (config.sentenceNegatives && e.labels === 0 && f.bounds.length > 2)
      for (let s = 0; s < f.bounds.length; s += 2)
        add(f.hashes, f.bounds[s] as number, f.bounds[s + 1] as number, e, 0.5)
  })
  return {
    offsets: Int32Array.from(offsets),
    index: Int32Array.from(index),
    value: Float64Array.from(value),
    labels: Int32Array.from(labels),
    weight: Float64Array.from(weight),
    count: labels.length,
  }
}

export interface Quantised {
  slots: Int32Array
  scale: Float64Array
  bias: Float64Array
  /** Features kept (each owns a slot). */
  kept: number
}

/**
 * int8 weights with a scale per rule, placed in 2^slotBits slots (slot = top bits of the hash);
 * where two features want one slot the weightier keeps it (fitSlots already chose one per slot).
 */
export function quantise(model: FloatModel, slotBits: number): Quantised {
  const R = model.rules
  if (R > MAX_RULES) throw new Error(`at most ${MAX_RULES} rules`)
  const scale = new Float64Array(R)
  for (let r = 0; r < R; r++) {
    let max = 0
    for (let i = 0; i < model.hashes.length; i++)
      max = Math.max(max, Math.abs(model.weights[i * R + r] as number))
    scale[r] = max > 0 ? max / 127 : 1
  }
  const q = (i: number, r: number) =>
    r < R
      ? Math.max(
          -127,
          Math.min(127, Math.round((model.weights[i * R + r] as number) / (scale[r] as number))),
        )
      : 0
  const owner = new Int32Array(2 ** slotBits).fill(-1)
  const importance = new Float64Array(model.hashes.length)
  for (let i = 0; i < model.hashes.length; i++) {
    for (let r = 0; r < R; r++) importance[i] = (importance[i] as number) + Math.abs(q(i, r))
    if (importance[i] === 0) continue
    const slot = (model.hashes[i] as number) >>> (32 - slotBits)
    const other = owner[slot] as number
    if (other < 0 || (importance[i] as number) > (importance[other] as number)) owner[slot] = i
  }
  const slots = new Int32Array(SLOT_WORDS * 2 ** slotBits)
  let kept = 0
  // Biased by 128 (see MODEL_TABLES.slots); a rule past the last adds 128 - 128 = 0.
  const pack = (i: number, from: number) =>
    (q(i, from) + 128) |
    ((q(i, from + 1) + 128) << 8) |
    ((q(i, from + 2) + 128) << 16) |
    ((q(i, from + 3) + 128) << 24)
  owner.forEach((i, slot) => {
    if (i < 0) return
    kept++
    slots[slot * SLOT_WORDS] = model.hashes[i] as number
    slots[slot * SLOT_WORDS + 1] = pack(i, 0)
    slots[slot * SLOT_WORDS + 2] = pack(i, 4)
  })
  return { slots, scale, bias: Float64Array.from(model.bias), kept }
}

/** A scoring model over quantised tables, with the given thresholds. */
export function toCheckModel(
  q: Quantised,
  rules: readonly string[],
  fold: Uint16Array,
  styled: Uint8Array,
  config: Pick<TrainConfig, 'slotBits' | 'normFloor' | 'featureScheme'>,
  threshold: number[],
): CheckModel {
  return fromTables(
    {
      format: 1,
      rules: [...rules],
      bias: [...q.bias],
      scale: [...q.scale],
      threshold,
      normFloor: config.normFloor,
      slotBits: config.slotBits,
      ...(config.featureScheme === undefined ? {} : { featureScheme: config.featureScheme }),
      sha256: '',
    },
    fold,
    styled,
    q.slots,
  )
}

/** Best logits per rule (rules per example) of every text, as the Worker computes them. */
export function logits(model: CheckModel, texts: readonly string[]): Float64Array {
  const R = model.rules.length
  const out = new Float64Array(texts.length * R)
  texts.forEach((text, i) => {
    scoreInto(model, text)
    for (let r = 0; r < R; r++) out[i * R + r] = bestLogit[r] as number
  })
  return out
}
