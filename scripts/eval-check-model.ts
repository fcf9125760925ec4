/**
 * npm run eval:check-model [-- --devset DIR] [-- --corpora DIR] [-- --skip-test] [-- --show N] [-- --model <notice>@c<n>]
 *
 * The learned channel alone, as built (src/generated/checkmodels.*, from the committed model):
 * per rule precision and recall on the development set's tune half (fitted on, so in-sample)
 * and test half (never trained or tuned on), recall by kind, near misses flagged by category, and false flags on each corpus's
 * train and held halves (recall on cold-offensive, a positive set for inappropriate-statements).
 * --skip-test leaves the test half and the held halves out, for use while tuning. --show N prints
 * up to N flagged lines per corpus half (for reading, never for tuning on the held halves).
 * A measuring tool: it needs the data, which npm test must not, and asserts nothing.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { scoreInto, type CheckModel } from '../src/check/model'
import {
  defaultDevsetDir,
  type DevHalf,
  loadData,
  NEGATIVE_CORPORA,
  POSITIVE_CORPUS,
  RULES,
  type Example,
} from './checkmodel-data'
import { findCheckModels, readBuiltModels, type ModelManifest } from './checkmodel-pack'

const root = path.resolve(import.meta.dirname, '..')
const { values } = parseArgs({
  options: {
    devset: { type: 'string' },
    corpora: { type: 'string', default: path.join(root, '../shared/corpora') },
    // Default: the newest check version's model (the one in the Worker's bundle).
    model: { type: 'string' },
    'skip-test': { type: 'boolean', default: false },
    show: { type: 'string', default: '0' },
  },
})
const skipTest = values['skip-test']
const show = Number(values.show)
const committed = await findCheckModels(root)
const checkOf = (key: string) => Number(key.slice(key.lastIndexOf('@c') + 2))
const modelKey =
  values.model ?? committed.map(([key]) => key).reduce((a, b) => (checkOf(b) > checkOf(a) ? b : a))
const models = await readBuiltModels(root)
const model = models[modelKey] as CheckModel | undefined
if (!model) throw new Error(`no built model ${modelKey}: run npm run build`)
const folder = committed.find(([key]) => key === modelKey)?.[1] as string
const manifest = JSON.parse(
  await readFile(path.join(folder, 'model.json'), 'utf8'),
) as ModelManifest

const devsetDir = values.devset ?? defaultDevsetDir(root)
const { examples } = await loadData(devsetDir, values.corpora)
const R = RULES.length
if (model.rules.join() !== RULES.join()) throw new Error('the model covers other rules')
const flags = examples.map((e) =>
  // --skip-test: only the lines trained on (tune and train-only), no held-out half.
  skipTest && e.half !== 'tune' && e.half !== 'train' ? 0 : scoreInto(model, e.text),
)

const pct = (k: number, n: number) => (n ? `${((100 * k) / n).toFixed(2)}%` : '-')
const ratio = (k: number, n: number) => (n ? (k / n).toFixed(2) : '-')
const table = (rows: string[][]) => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length))) ?? []
  for (const row of rows)
    console.log(`| ${row.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | ')} |`)
}
const where = (filter: (e: Example, i: number) => boolean) =>
  examples.flatMap((e, i) => (filter(e, i) ? [i] : []))

console.log(
  `check model ${modelKey} (sha256 ${model.sha256.slice(0, 16)}…), ${manifest.bin.bytes} bytes; ` +
    `devset ${path.relative(root, devsetDir) || devsetDir}; model only, verdict review`,
)
// The fresh halves (when their files are there) are measured like the test half.
const hasHalf = (half: Example['half']) => examples.some((e) => e.half === half)
const halves: DevHalf[] = skipTest
  ? ['tune']
  : ['tune', 'test', ...(['fresh', 'fresh2', 'fresh3'] as const).filter(hasHalf)]

// Per rule: precision (flags of the rule that are right) and recall, by kind.
const header = ['rule', 'threshold']
for (const h of halves) header.push(`${h} P`, `${h} R`, `${h} plain/evasive/subtle`)
const rows = [header]
for (let r = 0; r <= R; r++) {
  const all = r === R
  const rule = all ? 'all rules' : (RULES[r] as string)
  const row = [rule, all ? '' : String(model.threshold[r])]
  for (const half of halves) {
    const authored = where((e) => e.authored && e.half === half)
    const positive = (i: number) =>
      all ? examples[i]!.labels !== 0 : ((examples[i]!.labels >> r) & 1) === 1
    const hit = (i: number) =>
      all ? (flags[i]! & examples[i]!.labels) !== 0 : ((flags[i]! >> r) & 1) === 1
    const flagged = authored.filter((i) => (all ? flags[i]! !== 0 : hit(i)))
    // Precision counts a flag of this rule on any line that does not cross it as false.
    const right = flagged.filter((i) => positive(i) && hit(i))
    const pos = authored.filter(positive)
    const byKind = ['plain', 'evasive', 'subtle'].map((kind) => {
      const k = pos.filter((i) => examples[i]!.kind === kind)
      return ratio(k.filter(hit).length, k.length)
    })
    row.push(
      ratio(right.length, flagged.length),
      `${ratio(pos.filter(hit).length, pos.length)} (${pos.filter(hit).length}/${pos.length})`,
      byKind.join(' / '),
    )
  }
  rows.push(row)
}
console.log(
  '\nViolations (authored lines): precision, recall, recall by kind; tune half trained on',
)
table(rows)

// Near misses flagged, by category.
const categories = [
  ...new Set(
    where(
      (e) => e.authored && e.labels === 0 && (halves as readonly string[]).includes(e.half),
    ).map((i) => examples[i]!.kind),
  ),
].sort()
const nm = [['near misses', ...halves.map((h) => `${h} flagged`)]]
for (const category of [...categories, 'all']) {
  nm.push([
    category,
    ...halves.map((half) => {
      const ids = where(
        (e) =>
          e.authored &&
          e.labels === 0 &&
          e.half === half &&
          (category === 'all' || e.kind === category),
      )
      return `${pct(ids.filter((i) => flags[i]! !== 0).length, ids.length)} (${ids.filter((i) => flags[i]! !== 0).length}/${ids.length})`
    }),
  ])
}
console.log('\nNear misses (authored, should pass), flagged by any rule')
table(nm)

// Corpora: the slice fitted on, the calibration slice (not fitted on; it set the thresholds) and
// the held half (never used).
const slices = [
  ['fitted', (e: Example) => e.half === 'train' && !e.calibration],
  ['calibration', (e: Example) => e.half === 'train' && e.calibration],
  ...(skipTest ? [] : [['held half', (e: Example) => e.half === 'held'] as const]),
] as const
const last = slices.at(-1) as (typeof slices)[number]
const cr = [['corpus', ...slices.map(([name]) => name), `rules flagged (${last[0]})`]]
const r8 = RULES.indexOf('inappropriate-statements')
for (const corpus of [...NEGATIVE_CORPORA, POSITIVE_CORPUS]) {
  const positive = corpus === POSITIVE_CORPUS
  const cells = slices.map(([name, filter]) => {
    const ids = where((e) => e.source === corpus && filter(e))
    const k = ids.filter((i) => (positive ? (flags[i]! >> r8) & 1 : flags[i]! !== 0)).length
    if (show && !positive)
      for (const i of ids.filter((i) => flags[i]! !== 0).slice(0, show))
        console.log(
          `  ${corpus} ${name}: ${JSON.stringify(examples[i]!.text)} -> ${ruleNames(flags[i]!)}`,
        )
    return `${positive ? 'recall ' : ''}${pct(k, ids.length)} (${k}/${ids.length})`
  })
  const ids = where((e) => e.source === corpus && last[1](e))
  const byRule = RULES.map(
    (rule, r) => [rule, ids.filter((i) => (flags[i]! >> r) & 1).length] as const,
  )
    .filter(([, k]) => k > 0)
    .map(([rule, k]) => `${rule} ${k}`)
  cr.push([corpus, ...cells, byRule.join(', ') || '-'])
}
console.log('\nCorpora: false flags (any rule); cold-offensive: recall of inappropriate-statements')
table(cr)

function ruleNames(mask: number): string {
  return RULES.filter((_, r) => (mask >> r) & 1).join(',')
}
