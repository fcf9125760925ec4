/**
 * npm run train:check-model [-- --devset DIR] [-- --corpora DIR] [-- --out DIR] [-- --verify]
 *   [-- --fusion-dump FILE] [-- --scores-dump FILE] [-- --config JSON]
 *
 * Trains the message check's learned channel (src/check/model.ts) and writes it, to be committed,
 * into the check version's model/ folder (default content/notices/wechat-red-lines/checks/c13/model):
 *   model.bin   the tables: fold (BMP -> token class or folded character), styled letters, slots
 *               (hash -> weight row) and int8 weight rows, little-endian, 4-byte aligned
 *   model.json  the manifest: rules, biases, scales, thresholds, where each table sits in
 *               model.bin, its sha256, the training configuration, and the sha256 and line count
 *               of every data file it was trained from
 * Needs the data (the development set, default test/fixtures/check or else /work/devset, and
 * ../shared/corpora), so it runs when a check version is authored; a clone never trains, it
 * builds what is committed. The same data gives byte-identical files; --verify trains and
 * compares with what is committed instead of writing (exit 1 when they differ).
 *
 * Data: every development-set author except the test half's (a2, a4, a6), and the train half of
 * each corpus (split by a hash of the text): half of it to fit on, half to calibrate the
 * thresholds with (see below). The held halves and the test authors are only for
 * npm run eval:check-model.
 *
 * --scores-dump FILE writes every line the thresholds were set on (the corpora's calibration
 * slices, and the authored lines with their out-of-fold scores and texts) with its logits, labels,
 * kind and what the rules flag, so threshold policies and per-rule recall can be studied without
 * touching the test half.
 *
 * --config JSON trains with some settings changed ('{"weightCorpus":8}': any of TrainConfig's
 * keys, over the check version's own CONFIG_OF entry), to try them out of fold. It is for
 * experiments: it refuses --verify and an --out inside content/, since a committed model must
 * retrain byte for byte from its check version's own configuration.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { pinyin } from 'pinyin-pro'
import {
  FEATURES_PAIRS,
  FEATURES_UNIGRAMS,
  logit,
  MODEL_TABLES,
  scoreMessage,
  type ModelTableName,
} from '../src/check/model'
import {
  CORPUS_LICENCES,
  defaultDevsetDir,
  isCalibration,
  isTraining,
  loadData,
  NEGATIVE_CORPORA,
  RULES,
  TEST_AUTHORS,
  TUNE_AUTHORS,
  type Example,
} from './checkmodel-data'
import { checkMessage, loadRulePack, withModel, type RulePack } from '../src/check/engine'
import { foldTables } from './checkmodel-fold'
import { modelSha256, type ModelManifest } from './checkmodel-pack'
import { chooseThresholds } from './checkmodel-thresholds'
import { compileRulePacks, layoutPacks, readRulePackInputs } from './rulepack'
import {
  DEFAULT_CONFIG,
  featurise,
  logits,
  mulberry32,
  quantise,
  toCheckModel,
  train,
  type Featurised,
  type TrainConfig,
} from './checkmodel-train'

const root = path.resolve(import.meta.dirname, '..')
const { values } = parseArgs({
  options: {
    devset: { type: 'string' },
    corpora: { type: 'string', default: path.join(root, '../shared/corpora') },
    out: {
      type: 'string',
      default: path.join(root, 'content/notices/wechat-red-lines/checks/c13/model'),
    },
    verify: { type: 'boolean', default: false },
    config: { type: 'string' },
    // c3 on: write what fusion dropped (rule, the model's score, violation or not) to this file.
    'fusion-dump': { type: 'string' },
    // Every scored line (calibration slices and out-of-fold authored lines): its budget group,
    // labels, kind, the rules' flags and catches, and its eight logits, to study thresholds on.
    'scores-dump': { type: 'string' },
  },
})
const devsetDir = values.devset ?? defaultDevsetDir(root)
const outDir = path.resolve(values.out)
const checkNumber = Number(path.basename(path.dirname(outDir)).slice(1)) || 2
const joint = checkNumber >= 3

/**
 * Thresholds are set on scores from lines the scoring model never saw:
 * - negative corpora: the shipped model's scores on each corpus's calibration slice (half of its
 *   train half, never fitted on); false flags, all rules together, within CORPUS_BUDGET;
 * - authored lines: out-of-fold scores, the training authors split into FOLDS groups and each
 *   group scored by a model fitted without it (same configuration, the same corpus lines), so
 *   near misses (within NEAR_MISS_BUDGET) and violations are those of authors it never read.
 * Each step lowers the threshold of the rule that gains the most violations per false flag.
 */
const FOLDS = 7
// Per negative corpus: half of the 0.3% the whole check may use, for the model alone (c2); from
// c3 on, for both channels together (the rules' own flags included).
// From c5 (the rules' review hits vetoed up to 0.1, the freed budget spent by the model) both
// budgets keep margins: each corpus's calibration slice is small (2,598 cold-safe lines: 5 flags
// at 0.2%), and the test half's near misses came out 0.2 points above the out-of-fold ones.
// From c9, 0.2% again: out of fold, cold-safe's budget was what held inappropriate statements'
// threshold at 0.95 (three flags allowed of 2,598 lines, three spent); at five, on c8's data, the rule catches
// 0.725 of its plain and evasive violations, not 0.680, and 0.454 of subtle ones, not 0.398, with
// every other rule as it was.
const CORPUS_BUDGET = checkNumber >= 9 ? 0.002 : checkNumber >= 5 ? 0.0015 : joint ? 0.002 : 0.0015
// The authored near misses: 2%, for the model alone (c2); from c3 on, for both channels together.
// Out of fold these lines are harder than the development set's (the training-only authors
// include two who wrote hard pairs): c2 flagged 1.8% of them and 1.2% of the test half.
const NEAR_MISS_BUDGET = checkNumber >= 5 ? 0.018 : 0.02
// Never flag what the model itself scores as more likely innocent: everyday chat ("材料已收到，
// 谢谢") is rare in the corpora, so a budget alone can let a threshold sink that low.
const MIN_THRESHOLD = 0.5
const CORPUS_POSITIVE_GAIN = 0.02 // a cold-offensive line, against 1 for an authored violation
// Per check version, what its model was trained with (a later version may change the defaults;
// an earlier one must still retrain byte for byte with --verify).
// c4: features seen once are kept (out of fold, recall rose on every kind) and the table has
// twice the slots (at 14 bits, 15,502 features competed for 16,384 slots).
// c5: corpus lines weighted 4, not 2 (out of fold, 6,489 to 6,541 of 8,642 violations caught at
// the same budgets).
// c7: near misses weighted 24, not 8, and corpus lines 10, not 4 (out of fold, all rules at their
// thresholds, 1,955 / 2,538 / 2,135 to 1,971 / 2,579 / 2,233 plain / evasive / subtle caught; of
// the weights tried, 16 / 8, 24 / 6 and 32 / 8 came close, 16 / 4 and 8 / 8 lost).
const CONFIG_OF: Record<number, Partial<TrainConfig>> = {
  4: { minCount: 1, slotBits: 15 },
  5: { minCount: 1, slotBits: 15, weightCorpus: 4 },
  6: { minCount: 1, slotBits: 15, weightCorpus: 4 },
  7: { minCount: 1, slotBits: 15, weightCorpus: 10, weightHardNegative: 24 },
  // c8: c7's configuration, with the training authors t36 and t37 (long messages) added.
  8: { minCount: 1, slotBits: 15, weightCorpus: 10, weightHardNegative: 24 },
  // c9: c8's configuration, with the training authors t38-t41 added (the corpus budget is 0.2%).
  9: { minCount: 1, slotBits: 15, weightCorpus: 10, weightHardNegative: 24 },
  // c10: 16-bit slots, with the training authors t42-t49 added. c9's 45,430 features shared
  // 32,768 slots; on c9's data, 16 bits caught 7,685 of 9,642 violations out of fold, not 7,507,
  // with the same 128 near misses of 7,112 flagged.
  10: { minCount: 1, slotBits: 16, weightCorpus: 10, weightHardNegative: 24 },
  // c11: c10's configuration and data, with cold-safe's lines (posts that discuss discrimination
  // and regions) weighted 6 times as negatives of the two rules whose thresholds cold-safe's
  // budget held: out of fold, with c10's rules, 2,311 / 3,215 / 2,738 plain / evasive / subtle
  // caught became 2,320 / 3,250 / 2,802, inappropriate statements' subtle lines 0.516 -> 0.584
  // (3 for that rule alone: 0.567; 6: 0.585; 10: 0.575).
  11: {
    minCount: 1,
    slotBits: 16,
    weightCorpus: 10,
    weightHardNegative: 24,
    corpusRuleWeight: {
      'cold-safe': { 'disparaging-policy': 6, 'inappropriate-statements': 6 },
    },
  },
}
// c12: c11's configuration, with a10-a12 added as training authors (written as a fresh half to the
// development brief; c11 was measured on them once, then they were trained on).
CONFIG_OF[12] = { ...CONFIG_OF[11] }
// c13: c12's configuration, with the training authors t56-t63 added (the development brief, each
// with 30 more vote-rigging lines: fresh3 found vote rigging's plain and evasive lines the weakest).
CONFIG_OF[13] = { ...CONFIG_OF[12] }
const CONFIG: TrainConfig = {
  ...DEFAULT_CONFIG,
  ...CONFIG_OF[checkNumber],
  ...experimentConfig(values.config),
}

/** --config's settings, checked against TrainConfig's keys and types; exits when they are wrong. */
function experimentConfig(json: string | undefined): Partial<TrainConfig> {
  if (json === undefined) return {}
  const fail = (why: string): never => {
    console.error(`--config: ${why}`)
    process.exit(2)
  }
  if (values.verify) fail("--verify retrains with the check version's own configuration only")
  if (!path.relative(path.join(root, 'content'), outDir).startsWith('..'))
    fail('an experiment writes outside content/ (say --out /tmp/try/c13/model)')
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    fail('not JSON')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    fail('a JSON object of TrainConfig settings, like {"weightCorpus":8}')
  for (const [key, value] of Object.entries(parsed as object)) {
    if (key === 'augmentPinyinEverywhere') {
      if (typeof value !== 'boolean') fail('"augmentPinyinEverywhere" is true or false')
      continue
    }
    if (key === 'featureScheme') {
      if (value !== FEATURES_UNIGRAMS && value !== FEATURES_PAIRS)
        fail(
          `"featureScheme" is ${FEATURES_UNIGRAMS} (unigrams and bigrams) or ${FEATURES_PAIRS} (pairs)`,
        )
      continue
    }
    if (key === 'augmentPinyin') {
      if (typeof value !== 'number' || !(value > 0 && value <= 1))
        fail('"augmentPinyin" is a probability per Han character, above 0 and at most 1')
      continue
    }
    if (key === 'corpusRuleWeight') {
      const ok =
        typeof value === 'object' &&
        value !== null &&
        Object.entries(value as object).every(
          ([corpus, byRule]) =>
            NEGATIVE_CORPORA.includes(corpus as never) &&
            typeof byRule === 'object' &&
            byRule !== null &&
            Object.entries(byRule as object).every(
              ([rule, w]) => RULES.includes(rule as never) && typeof w === 'number' && w >= 0,
            ),
        )
      if (!ok) fail('"corpusRuleWeight" is {corpus: {rule id: multiplier}}')
      continue
    }
    if (!(key in DEFAULT_CONFIG))
      fail(`unknown setting "${key}" (one of ${Object.keys(DEFAULT_CONFIG).join(', ')})`)
    if (typeof value !== typeof DEFAULT_CONFIG[key as keyof TrainConfig])
      fail(`"${key}" must be a ${typeof DEFAULT_CONFIG[key as keyof TrainConfig]}`)
  }
  return parsed as Partial<TrainConfig>
}

const started = performance.now()
const log = (what: string) =>
  console.log(`${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s  ${what}`)

const { fold, styled } = foldTables()
// --verify retrains from exactly the files the committed model names (a later check version's
// training authors are added to the same folder).
const committedFiles = values.verify
  ? await readFile(path.join(outDir, 'model.json'), 'utf8').then(
      (json) =>
        new Set(
          (JSON.parse(json) as { training: { data: { file: string }[] } }).training.data.map(
            (f) => f.file,
          ),
        ),
      () => undefined,
    )
  : undefined
const data = await loadData(devsetDir, values.corpora, committedFiles)
const examples = data.examples.filter(isTraining)
const calibration = data.examples.filter(isCalibration)
const R = RULES.length
const EVERYDAY = 'ordinary'
const authors = [
  ...new Set(examples.filter((e) => e.authored && e.kind !== EVERYDAY).map((e) => e.source)),
].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
log(
  `${examples.length} lines to fit (authors ${authors.join(' ')}; half of each corpus's train half), ` +
    `${calibration.length} to calibrate, from ${path.relative(root, devsetDir) || devsetDir}`,
)
// With augmentPinyin, every authored line also in a copy with some characters in pinyin: fitted
// on like the line (same author, so the same fold), never scored.
const fitted = CONFIG.augmentPinyin
  ? [...examples, ...pinyinCopies(CONFIG.augmentPinyin)]
  : examples
const featurised = fitted.map((e) => featurise(fold, styled, e.text, CONFIG.featureScheme))
function pinyinCopies(probability: number): Example[] {
  const random = mulberry32(CONFIG.seed ^ 0x5bd1e995)
  return examples
    .filter((e) => CONFIG.augmentPinyinEverywhere || (e.authored && e.kind !== EVERYDAY))
    .map((e) => ({
      ...e,
      text: [...e.text]
        .map((c) =>
          /\p{Script=Han}/u.test(c) && random() < probability
            ? (pinyin(c, { toneType: 'none' }) as string)
            : c,
        )
        .join(''),
    }))
}
const fit = (keep: (e: Example) => boolean) => {
  const ids = fitted.flatMap((e, i) => (keep(e) ? [i] : []))
  const q = quantise(
    train(
      ids.map((i) => fitted[i] as Example),
      ids.map((i) => featurised[i] as Featurised),
      R,
      CONFIG,
    ),
    CONFIG.slotBits,
  )
  const model = toCheckModel(
    q,
    RULES,
    fold,
    styled,
    CONFIG,
    RULES.map(() => 0.5),
  )
  return { q, model }
}

// Out-of-fold scores of the authored lines. Everyday talk (test/fixtures/check/model/, lines
// written to teach the model what ordinary work chat looks like) is fitted on by every fold,
// like the corpora, and never counted as a near miss.
const isEveryday = (e: Example) => e.kind === EVERYDAY
const authored = examples.filter((e) => e.authored && !isEveryday(e))
const foldOf = (e: Example) => authors.indexOf(e.source) % FOLDS
const outOfFold = new Float64Array(authored.length * R)
const foldModels: ReturnType<typeof fit>['model'][] = []
for (let k = 0; k < FOLDS; k++) {
  const { model } = fit((e) => !e.authored || isEveryday(e) || foldOf(e) !== k)
  foldModels.push(model)
  const ids = authored.flatMap((e, i) => (foldOf(e) === k ? [i] : []))
  const l = logits(
    model,
    ids.map((i) => (authored[i] as Example).text),
  )
  ids.forEach((i, j) => outOfFold.set(l.subarray(j * R, (j + 1) * R), i * R))
  log(
    `fold ${k + 1}/${FOLDS}: ${ids.length} lines of ${authors.filter((a) => authors.indexOf(a) % FOLDS === k).join(' ')} scored`,
  )
}

const { q, model } = fit(() => true)
log(`fitted: ${q.kept} features in ${2 ** CONFIG.slotBits} slots`)
const scored = [...calibration, ...authored]
const scores = new Float64Array(scored.length * R)
scores.set(
  logits(
    model,
    calibration.map((e) => e.text),
  ),
)
scores.set(outOfFold, calibration.length * R)

// Check version c3 on: the model's thresholds are set for the union of both channels, so what the
// rules already flag (after fusion, with the model's out-of-fold scores) is counted against each
// budget first, and a violation the rules already catch gains nothing.
const rulesFlagged = new Uint8Array(scored.length)
const rulesCaught = new Int32Array(scored.length)
let fusionReport: FusionReport | undefined
if (joint) {
  const { pack, plain } = await rulesPackOf(checkNumber)
  const never = RULES.map(() => 1) // a model that never flags: the rules' hits, fused
  const corpusModel = toCheckModel(q, RULES, fold, styled, CONFIG, never)
  const packs = {
    corpus: withModel(pack, corpusModel),
    corpusPlain: withModel(plain, corpusModel),
    folds: foldModels.map((m) => {
      const silent = { ...m, thresholdLogit: Float64Array.from(never, () => Infinity) }
      return { fused: withModel(pack, silent), plain: withModel(plain, silent) }
    }),
  }
  // For --fusion-dump: the same rules with a fusion that drops every hit where a clearing context
  // stands (and none elsewhere), so a dropped hit says the context is there.
  const probe =
    pack.fusion &&
    (() => {
      const all = Float64Array.from(RULES, () => Infinity)
      const none = Float64Array.from(RULES, () => -Infinity)
      const probing: RulePack = {
        ...pack,
        fusion: {
          context: pack.fusion.context,
          floorLogit: all,
          vetoLogit: none,
          vetoLength: 0,
          vetoTokens: 0,
          blockFloorLogit: all,
        },
      }
      return {
        corpus: withModel(probing, corpusModel),
        folds: packs.folds.map((_, k) =>
          withModel(probing, { ...foldModels[k]!, thresholdLogit: all }),
        ),
      }
    })()
  const ruleBits = (hits: { rule: string }[]) =>
    hits.reduce((m, h) => m | (1 << RULES.indexOf(h.rule as never)), 0)
  fusionReport = { rules: RULES.map(() => ({ negatives: 0, positives: 0 })), dropped: [] }
  const dump: Record<string, unknown>[] = []
  scored.forEach((e, i) => {
    const which = e.authored ? packs.folds[foldOf(e)]! : undefined
    const fusedPack = which ? which.fused : packs.corpus
    const plainPack = which ? which.plain : packs.corpusPlain
    const lang = /\p{Script=Han}/u.test(e.text) ? 'zh' : 'en'
    const r = checkMessage(fusedPack, e.text, lang)
    rulesFlagged[i] = r.verdict === 'pass' ? 0 : 1
    rulesCaught[i] = ruleBits(r.hits)
    // What fusion took away, per rule: from violations of that rule and from negatives.
    const before = checkMessage(plainPack, e.text, lang)
    const lost = ruleBits(before.hits) & ~rulesCaught[i]!
    // Every line the rules hit, with what fusion needs to decide it (the model's out-of-fold
    // score per hit, whether a clearing context stands), so floors can be chosen on these lines.
    if (values['fusion-dump'] && before.hits.length > 0 && probe) {
      const probed = checkMessage(which ? probe.folds[foldOf(e)]! : probe.corpus, e.text, lang)
      dump.push({
        line: i,
        labels: e.labels,
        source: e.source,
        kind: e.kind,
        context: probed.hits.length < before.hits.length,
        length: e.text.length,
        truncated: before.truncated === true,
        ...(e.labels === 0 && { text: e.text }),
        hits: before.hits.map((h) => ({
          rule: h.rule,
          term: h.term,
          verdict: h.verdict,
          score: 1 / (1 + Math.exp(-(scores[i * R + RULES.indexOf(h.rule as never)] as number))),
        })),
      })
    }
    for (let k = 0; k < R; k++)
      if ((lost >> k) & 1) {
        dump.push({
          rule: RULES[k]!,
          score: 1 / (1 + Math.exp(-(scores[i * R + k] as number))),
          violation: ((e.labels >> k) & 1) === 1,
          negative: e.labels === 0,
          source: e.source,
          kind: e.kind,
          lineFlaggedAfter: r.verdict !== 'pass',
        })
        const isPositive = ((e.labels >> k) & 1) === 1
        const counts = fusionReport!.rules[k]!
        if (isPositive) counts.positives++
        else if (e.labels === 0) counts.negatives++
      }
    // ... and the rules' hits that stay on negatives (rule, term, the model's score), so floors
    // and context can be judged by what they leave as well as by what they take.
    if (e.labels === 0 && r.verdict !== 'pass')
      for (const h of r.hits)
        dump.push({
          kept: true,
          rule: h.rule,
          term: h.term,
          verdict: h.verdict,
          score: 1 / (1 + Math.exp(-(scores[i * R + RULES.indexOf(h.rule as never)] as number))),
          source: e.source,
          kind: e.kind,
        })
    if (before.verdict !== 'pass' && r.verdict === 'pass')
      fusionReport!.dropped.push(e.labels === 0 ? e.source : `violation ${e.source}`)
  })
  const lostOrGained = (f: (i: number) => boolean) => scored.filter((_, i) => f(i)).length
  log(
    `rules channel (c${checkNumber}, fused): flags ${lostOrGained((i) => rulesFlagged[i] === 1 && scored[i]!.labels === 0)} negatives, ` +
      `catches ${lostOrGained((i) => (rulesCaught[i]! & scored[i]!.labels) !== 0)} violations`,
  )
  log(`fusion dropped per rule (negatives/violations): ${JSON.stringify(fusionReport.rules)}`)
  if (values['fusion-dump']) await writeFile(values['fusion-dump'], JSON.stringify(dump))
}

const GROUPS = [...NEGATIVE_CORPORA, 'near misses'] as const
const BUDGETS = [...NEGATIVE_CORPORA.map(() => CORPUS_BUDGET), NEAR_MISS_BUDGET]
const group = Int32Array.from(scored, (e) =>
  e.labels !== 0
    ? -1
    : e.authored
      ? GROUPS.length - 1
      : NEGATIVE_CORPORA.indexOf(e.source as never),
)
const groupSize = GROUPS.map((_, g) => group.filter((x) => x === g).length)
const budget = groupSize.map((n, g) => Math.floor(n * (BUDGETS[g] as number)))
const gain = new Float64Array(scored.length * R)
scored.forEach((e, i) => {
  for (let r = 0; r < R; r++)
    if ((e.labels >> r) & 1 && !((rulesCaught[i]! >> r) & 1))
      gain[i * R + r] = e.authored ? 1 : CORPUS_POSITIVE_GAIN
})
const labels = Int32Array.from(scored, (e) => e.labels)
const thresholdLogits = chooseThresholds({
  logits: scores,
  rules: R,
  labels,
  group,
  budget,
  gain,
  floor: logit(MIN_THRESHOLD),
  preFlagged: joint ? rulesFlagged : undefined,
})
// Stored as probabilities, rounded so the manifest reads well; 1 means the rule never flags.
const threshold = thresholdLogits.map((t) =>
  t === Infinity ? 1 : Number((1 / (1 + Math.exp(-t))).toPrecision(6)),
)
const thresholdLogit = threshold.map(logit)
const flagsOf = (i: number) => {
  let m = joint ? rulesCaught[i]! | (rulesFlagged[i]! && !rulesCaught[i] ? 1 << 31 : 0) : 0
  for (let r = 0; r < R; r++) if ((scores[i * R + r] as number) >= thresholdLogit[r]!) m |= 1 << r
  return m
}
const share = (ids: number[], hit: (i: number) => boolean) => ({
  lines: ids.length,
  flagged: ids.filter(hit).length,
})
const lines = (keep: (e: Example) => boolean) => scored.flatMap((e, i) => (keep(e) ? [i] : []))
const r8 = RULES.indexOf('inappropriate-statements')
const calibrated = {
  falseFlags: Object.fromEntries(
    GROUPS.map((g, k) => [
      g,
      share(
        scored.flatMap((_, i) => (group[i] === k ? [i] : [])),
        (i) => flagsOf(i) !== 0,
      ),
    ]),
  ),
  coldOffensiveRecall: share(
    lines((e) => e.source === 'cold-offensive'),
    (i) => ((flagsOf(i) >> r8) & 1) === 1,
  ),
  /** Out of fold: recall of the authored violations (the tune half and the training-only authors). */
  recall: Object.fromEntries(
    [...RULES.map((rule, r) => [rule, r] as const), ['all rules', -1] as const].map(([rule, r]) => [
      rule,
      Object.fromEntries(
        ['plain', 'evasive', 'subtle'].map((kind) => {
          const ids = lines(
            (e) =>
              e.authored &&
              e.kind === kind &&
              (r < 0 ? e.labels !== 0 : ((e.labels >> r) & 1) === 1),
          )
          return [
            kind,
            share(ids, (i) => (flagsOf(i) & (r < 0 ? scored[i]!.labels : 1 << r)) !== 0),
          ]
        }),
      ),
    ]),
  ),
}
// Lines written for this script (in no data set) and what the shipped model makes of them:
// test/check-model.test.ts checks the Worker gets exactly these numbers from the built tables.
const REFERENCE_LINES = [
  '这个政策就是拍脑袋定的，纯属瞎折腾，上面根本不管下面死活',
  '群里发个小视频给大家解解闷，全是露点的，懂的都懂',
  '内部消息，下周全市封城，赶紧去超市囤货，转发给亲戚朋友',
  '王局，这是一点心意，红包请收下，项目的事多费心',
  '明天选举投老张一票，投了的每人发两百块，名单我记着',
  '这是还没公布的干部任免名单，内部文件拍照发你，别外传',
  '本人代购正品面膜，一盒98包邮，需要的私聊下单',
  '这帮刁民就是欠收拾，老子一个电话就能让他们闭嘴',
  '明天上午九点在三楼会议室开会，请各位准时参加。',
  '纪委提醒：严禁收受红包礼金，发现一起查处一起。',
  'Vote for Li tomorrow and there is 200 yuan in it for you.',
]
const shipped = toCheckModel(q, RULES, fold, styled, CONFIG, threshold)
const reference = REFERENCE_LINES.map((text) => {
  const scores = scoreMessage(shipped, text)
  return {
    text,
    scores: scores.map((s) => s.score),
    flagged: scores.filter((s) => s.flagged).map((s) => s.rule),
  }
})

log(`thresholds ${threshold.join(' ')}`)
if (values['scores-dump'])
  await writeFile(
    values['scores-dump'],
    JSON.stringify({
      rules: RULES,
      groups: GROUPS,
      budget,
      thresholdLogits,
      lines: scored.map((e, i) => ({
        ...(e.authored && { text: e.text }),
        source: e.source,
        kind: e.kind,
        labels: e.labels,
        group: group[i],
        rulesFlagged: rulesFlagged[i],
        rulesCaught: rulesCaught[i],
        logits: Array.from(scores.subarray(i * R, (i + 1) * R)),
      })),
    }),
  )
log(`false flags ${JSON.stringify(calibrated.falseFlags)}`)
log(`out-of-fold recall (all rules) ${JSON.stringify(calibrated.recall['all rules'])}`)

// model.bin: the tables, each 4-byte aligned, in MODEL_TABLES' order.
const parts: Record<ModelTableName, ArrayBufferView> = {
  fold,
  styled,
  slots: q.slots,
}
const tables = {} as ModelManifest['tables']
const chunks: Buffer[] = []
let at = 0
for (const name of Object.keys(MODEL_TABLES) as ModelTableName[]) {
  const view = parts[name]
  // Typed arrays are little-endian on every machine this runs on; say so if one is not.
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('big-endian host')
  const bytes = Buffer.from(view.buffer, view.byteOffset, view.byteLength)
  tables[name] = [at, view.byteLength / MODEL_TABLES[name].BYTES_PER_ELEMENT]
  const pad = (4 - (bytes.length % 4)) % 4
  chunks.push(bytes, Buffer.alloc(pad))
  at += bytes.length + pad
}
const bin = Buffer.concat(chunks)

const splitCounts = (filter: (e: Example) => boolean) => {
  const list = data.examples.filter(filter)
  return { lines: list.length, violations: list.filter((e) => e.labels !== 0).length }
}
const manifest: ModelManifest = {
  format: 1,
  notice: 'wechat-red-lines',
  check: checkNumber,
  rules: [...RULES],
  bias: [...q.bias],
  scale: [...q.scale],
  threshold,
  normFloor: CONFIG.normFloor,
  slotBits: CONFIG.slotBits,
  ...(CONFIG.featureScheme === undefined ? {} : { featureScheme: CONFIG.featureScheme }),
  tables,
  reference,
  bin: {
    file: 'model.bin',
    bytes: bin.length,
    sha256: createHash('sha256').update(bin).digest('hex'),
  },
  // (c2 to c4's manifests said "bigrams and trigrams", wrongly: the scan has no trigrams. They
  // keep the words they were locked with, so --verify stays byte-identical.)
  features: `token unigrams${checkNumber >= 5 ? ' and bigrams' : ', bigrams and trigrams'} within a sentence; tokens: folded Han (and other unspaced-script) characters, folded Latin words, digit runs, currency signs; emoji as features of their own; see src/check/model.ts`,
  training: {
    method: 'one-vs-rest logistic regression, FTRL-proximal; int8 weights with a scale per rule',
    config: CONFIG,
    features: q.kept,
    thresholds: {
      method:
        "per rule, lowered greedily (most violations gained per false flag) while false flags stay within budget: on each negative corpus's calibration slice (not fitted on) and on the authored near misses (fitted on)",
      ...(joint && {
        union:
          'for the union of the two channels: what the rules of this check version flag (fused with the out-of-fold scores) counts against every budget first, and violations the rules catch gain nothing',
        fusionDropped: fusionReport,
      }),
      budgets: { corpus: CORPUS_BUDGET, nearMisses: NEAR_MISS_BUDGET },
      minimum: MIN_THRESHOLD,
      corpusPositiveGain: CORPUS_POSITIVE_GAIN,
      calibrated,
    },
    split: {
      testAuthors: TEST_AUTHORS,
      tuneAuthors: TUNE_AUTHORS,
      trainedOnAuthors: authors,
      corpora:
        'by sha256("redlines check model\\n" + text): byte 0 even -> train half (byte 1 even: fitted on, odd: calibration), odd -> held half',
    },
    counts: {
      fittedOn: splitCounts(isTraining),
      calibration: splitCounts(isCalibration),
      testHalf: splitCounts((e) => e.half === 'test'),
      heldCorpora: splitCounts((e) => e.half === 'held'),
    },
    data: data.files.map((f) => ({
      ...f,
      licence: CORPUS_LICENCES[f.file.replace(/\.jsonl$/, '')] ?? 'the project (authored lines)',
    })),
  },
}
const json = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)

if (values.verify) {
  const same = await Promise.all([
    readFile(path.join(outDir, 'model.json')).then(
      (b) => b.equals(json),
      () => false,
    ),
    readFile(path.join(outDir, 'model.bin')).then(
      (b) => b.equals(bin),
      () => false,
    ),
  ])
  log(same.every(Boolean) ? 'identical to the committed model' : 'DIFFERS from the committed model')
  process.exitCode = same.every(Boolean) ? 0 : 1
} else {
  await mkdir(outDir, { recursive: true })
  await writeFile(path.join(outDir, 'model.bin'), bin)
  await writeFile(path.join(outDir, 'model.json'), json)
  log(
    `wrote ${path.relative(root, outDir)}/model.{json,bin} (${(bin.length / 1024).toFixed(0)} KiB), ` +
      `sha256 ${modelSha256(json, bin)}`,
  )
}

interface FusionReport {
  /** Per rule: hits fusion dropped from negatives and from that rule's violations. */
  rules: { negatives: number; positives: number }[]
  /** Lines fusion turned from flagged to pass: the negative's source, or "violation <source>". */
  dropped: string[]
}

/**
 * The rules of this check version for the newest notice version it covers, compiled here (so the
 * thresholds follow the check files as they are now), and the same pack without fusion.
 */
async function rulesPackOf(check: number): Promise<{ pack: RulePack; plain: RulePack }> {
  const inputs = (await readRulePackInputs(root)).filter((i) => i.checkVersion === check)
  if (inputs.length === 0) throw new Error(`no check files for check version c${check}`)
  const { packs, bytes } = layoutPacks(compileRulePacks(inputs))
  const newest = Object.values(packs).sort((a, b) => b.version - a.version)[0]!
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  const { fusion: _, ...plain } = newest
  return {
    pack: loadRulePack(newest, buffer as ArrayBuffer),
    plain: loadRulePack(plain, buffer as ArrayBuffer),
  }
}

function round(x: number): number {
  return Number(x.toFixed(4))
}
