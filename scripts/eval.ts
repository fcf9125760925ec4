/**
 * npm run eval [-- --version N] [-- --check N] [-- --half tune|test|fresh|fresh2|fresh3] [-- --show N] [-- --rule ID]
 *
 * Measures a rule pack (default: the newest check version of the notice's newest version):
 * - the development set (test/fixtures/check/dev/, split by author into a tune and a test half,
 *   and a fresh half written after the test half had been measured many times):
 *   recall per rule on plain + evasive and on subtle violations, recall per kind, and the share of
 *   hard negatives flagged, per category and per topic, for each half;
 * - ../shared/check/cases.jsonl (labelled examples) and the corpora in ../shared/corpora/ (every line
 *   of lccc-chat, cold-safe and uci-sms-ham should pass; cold-offensive is a positive set for
 *   inappropriate-statements), when ../shared is there;
 * - with a model channel in the pack, the ablation: rules only, model only, both.
 *
 * --half tune measures the tune half only (what to run while tuning: the test half's figures are
 * for looking at rarely, so that nothing is tuned to them).
 * --show N prints up to N failures per rule (missed violations) and per category (flagged hard
 * negatives) of the TUNE half, and the first N flagged lines of each negative corpus. There is
 * deliberately no way to print a line of the test half: it is measured, never read.
 * A measuring tool, not a test: it prints figures and exits 0.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { checkMessage, type CheckOptions, type CheckResult } from '../src/check/engine'
import { corpusHalf, DEV_HALVES, type DevHalf } from './checkmodel-data'
import { readBuiltPacks } from './rulepack'

const root = path.resolve(import.meta.dirname, '..')
const shared = path.join(root, '../shared')
const devDir = path.join(root, 'test/fixtures/check/dev')
/**
 * The split is by author (test/fixtures/check/README.md). The fresh half (a held-out measure
 * written after the test half had been measured many times) is measured when its files are there.
 */
const HALVES = DEV_HALVES
type Half = DevHalf
const NEGATIVE_CORPORA = ['lccc-chat', 'cold-safe', 'uci-sms-ham']
const TARGETS = { plainEvasive: 0.9, subtle: 0.6, hardNegatives: 0.02, corpus: 0.003 }

const { values } = parseArgs({
  options: {
    notice: { type: 'string', default: 'wechat-red-lines' },
    version: { type: 'string' },
    check: { type: 'string' },
    show: { type: 'string', default: '0' },
    rule: { type: 'string' },
    half: { type: 'string', default: 'both' },
  },
})
const packs = Object.values(await readBuiltPacks(root)).filter((p) => p.notice === values.notice)
const version = values.version ? Number(values.version) : Math.max(...packs.map((p) => p.version))
const check = values.check
  ? Number(values.check)
  : Math.max(...packs.filter((p) => p.version === version).map((p) => p.checkVersion))
const pack = packs.find((p) => p.version === version && p.checkVersion === check)
if (!pack)
  throw new Error(
    `no rule pack for ${values.notice} v${version} c${check}; run npm run build (or build:draft)`,
  )
const show = Number(values.show)
const HALF_NAMES = Object.keys(HALVES) as Half[]
if (values.half !== 'both' && !HALF_NAMES.includes(values.half as Half))
  throw new Error(`--half: ${HALF_NAMES.join(', ')} or both (all of them)`)
const present = (h: Half) => HALVES[h].every((a) => existsSync(path.join(devDir, `${a}.jsonl`)))
const halves = HALF_NAMES.filter((h) => (values.half === 'both' || values.half === h) && present(h))
const RULES = pack.rules.map((r) => r.id)

const readJsonl = async <T>(file: string): Promise<T[]> =>
  (await readFile(file, 'utf8'))
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T)
const langOf = (text: string) => (/\p{Script=Han}/u.test(text) ? 'zh' : 'en')
const describe = (r: CheckResult) =>
  r.hits.map((h) => `${h.rule}:${h.verdict}:${h.channel}:"${h.match}"`).join(' ') || '(no hits)'
const pct = (k: number, n: number, digits = 1) =>
  n === 0 ? '-' : `${((100 * k) / n).toFixed(digits)}%`
const ratio = (k: number, n: number) => (n === 0 ? '  -  ' : (k / n).toFixed(2))
const mark = (ok: boolean) => (ok ? 'ok' : 'MISS')

/** Prints rows as a Markdown table with aligned columns. */
function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  rows.forEach((row, k) => {
    console.log(`| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`)
    if (k === 0) console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
  })
}

interface DevLine {
  id: string
  text: string
  expect: 'flag' | 'pass'
  rules: string[]
  kind: 'plain' | 'evasive' | 'subtle' | 'hard-negative'
  category?: string
  topic?: string
  author: string
}

/** A violation is caught when the verdict is not pass and its first rule is among the hits. */
const caught = (line: { rules: string[] }, r: CheckResult) =>
  r.verdict !== 'pass' && r.hits.some((h) => h.rule === line.rules[0])

const modes: { name: string; options: CheckOptions }[] = [{ name: 'both', options: {} }]
if (pack.model)
  modes.push(
    { name: 'rules only', options: { channels: 'rules' } },
    { name: 'model only', options: { channels: 'model' } },
  )

console.log(
  `rule pack ${values.notice} v${version}, check version c${check}` +
    (pack.model ? ', with its model channel' : ', rules only (this check version has no model)'),
)

// ---------------------------------------------------------------------------------------------
// The development set, per half

const dev = existsSync(devDir)
  ? (
      await Promise.all(
        halves
          .flatMap((h) => HALVES[h])
          .map((a) => readJsonl<DevLine>(path.join(devDir, `${a}.jsonl`))),
      )
    ).flat()
  : []

interface HalfFigures {
  recallPE: number
  subtle: number
  hardNegatives: number
}

function evaluateHalf(half: Half, options: CheckOptions, detail: boolean): HalfFigures {
  const authors: readonly string[] = HALVES[half]
  const lines = dev.filter((l) => authors.includes(l.author))
  const violations = lines.filter((l) => l.expect === 'flag')
  const negatives = lines.filter((l) => l.expect === 'pass')
  const results = new Map(
    lines.map((l) => [l.id, checkMessage(pack!, l.text, langOf(l.text), options)]),
  )
  const ok = (l: DevLine) => caught(l, results.get(l.id)!)
  const count = (list: DevLine[], f: (l: DevLine) => boolean) => list.filter(f).length
  const pe = violations.filter((l) => l.kind !== 'subtle')
  const subtle = violations.filter((l) => l.kind === 'subtle')
  const flagged = (l: DevLine) => results.get(l.id)!.verdict !== 'pass'
  const figures = {
    recallPE: count(pe, ok) / pe.length,
    subtle: count(subtle, ok) / subtle.length,
    hardNegatives: count(negatives, flagged) / negatives.length,
  }
  if (!detail) return figures

  console.log(
    `\n## ${half} half (${authors.join(', ')}): ${violations.length} violations, ${negatives.length} hard negatives`,
  )
  const rows = [['rule', 'plain', 'evasive', 'plain+evasive', 'subtle', 'all', 'targets']]
  for (const rule of RULES) {
    const of = (kind?: string) =>
      violations.filter((l) => l.rules[0] === rule && (!kind || l.kind === kind))
    const r = (list: DevLine[]) =>
      `${ratio(count(list, ok), list.length)} (${count(list, ok)}/${list.length})`
    const rulePE = of().filter((l) => l.kind !== 'subtle')
    const ruleSubtle = of('subtle')
    const good =
      count(rulePE, ok) >= TARGETS.plainEvasive * rulePE.length &&
      count(ruleSubtle, ok) >= TARGETS.subtle * ruleSubtle.length
    rows.push([
      rule,
      r(of('plain')),
      r(of('evasive')),
      r(rulePE),
      r(ruleSubtle),
      r(of()),
      mark(good),
    ])
  }
  const all = (kind?: string) => violations.filter((l) => !kind || l.kind === kind)
  const r = (list: DevLine[]) =>
    `${ratio(count(list, ok), list.length)} (${count(list, ok)}/${list.length})`
  rows.push(['all rules', r(all('plain')), r(all('evasive')), r(pe), r(subtle), r(all()), ''])
  table(rows)
  const byCategory = [...new Set(negatives.map((l) => l.category ?? '?'))].sort()
  const byTopic = [...new Set(negatives.map((l) => l.topic ?? '?'))].sort()
  const share = (list: DevLine[]) =>
    `${pct(count(list, flagged), list.length)} (${count(list, flagged)}/${list.length})`
  console.log(
    `hard negatives flagged: ${share(negatives)} (target <= ${TARGETS.hardNegatives * 100}%: ${mark(figures.hardNegatives <= TARGETS.hardNegatives)}), ` +
      `blocked: ${pct(
        count(negatives, (l) => results.get(l.id)!.verdict === 'block'),
        negatives.length,
      )}`,
  )
  console.log(
    `  by category: ${byCategory.map((c) => `${c} ${share(negatives.filter((l) => (l.category ?? '?') === c))}`).join(', ')}`,
  )
  console.log(
    `  by topic: ${byTopic.map((t) => `${t} ${share(negatives.filter((l) => (l.topic ?? '?') === t))}`).join(', ')}`,
  )
  // Failures are printed for the tune half only: the test half is measured, never read.
  if (half === 'tune' && show > 0) {
    console.log(`\n### tune-half failures (up to ${show} per rule and per category)`)
    for (const rule of RULES) {
      if (values.rule && values.rule !== rule) continue
      const missed = violations.filter((l) => l.rules[0] === rule && !ok(l)).slice(0, show)
      for (const l of missed)
        console.log(
          `MISS ${l.id} ${rule} ${l.kind}: ${JSON.stringify(l.text)} -> ${describe(results.get(l.id)!)}`,
        )
    }
    for (const category of byCategory) {
      const wrong = negatives
        .filter((l) => (l.category ?? '?') === category && flagged(l))
        .filter((l) => !values.rule || results.get(l.id)!.hits.some((h) => h.rule === values.rule))
        .slice(0, show)
      for (const l of wrong)
        console.log(
          `FLAG ${l.id} ${category}/${l.topic}: ${JSON.stringify(l.text)} -> ${describe(results.get(l.id)!)}`,
        )
    }
  }
  return figures
}

if (dev.length) for (const half of halves) evaluateHalf(half, {}, true)
else console.log('(no development set at test/fixtures/check/dev)')

// ---------------------------------------------------------------------------------------------
// ../shared: the labelled cases and the corpora

const corpusFigures = (
  lines: { text: string }[],
  options: CheckOptions,
): { flagged: number; blocked: number; byRule: Map<string, number>; flaggedLines: string[] } => {
  let flagged = 0
  let blocked = 0
  const byRule = new Map<string, number>()
  const flaggedLines: string[] = []
  for (const { text } of lines) {
    const r = checkMessage(pack!, text, langOf(text), options)
    if (r.verdict === 'pass') continue
    flagged++
    if (r.verdict === 'block') blocked++
    for (const rule of new Set(r.hits.map((h) => h.rule)))
      byRule.set(rule, (byRule.get(rule) ?? 0) + 1)
    if (flaggedLines.length < show) flaggedLines.push(`${JSON.stringify(text)} -> ${describe(r)}`)
  }
  return { flagged, blocked, byRule, flaggedLines }
}

const corpora = new Map<string, { text: string }[]>()
let offensive: { text: string }[] = []
if (existsSync(shared)) {
  console.log('\n## ../shared')
  const casesFile = path.join(shared, 'check/cases.jsonl')
  if (existsSync(casesFile)) {
    const cases = await readJsonl<DevLine & { note: string }>(casesFile)
    let passed = 0
    for (const c of cases) {
      const r = checkMessage(pack, c.text, langOf(c.text))
      const hitRules = new Set(r.hits.map((h) => h.rule))
      const good =
        c.expect === 'pass'
          ? r.verdict === 'pass'
          : r.verdict !== 'pass' && c.rules.every((rule) => hitRules.has(rule))
      if (good) passed++
      else
        console.log(
          `FAIL ${c.id} (${c.note}) expect ${c.expect} ${c.rules.join(',')}: ${JSON.stringify(c.text)} -> ${r.verdict} ${describe(r)}`,
        )
    }
    console.log(`cases.jsonl: ${passed}/${cases.length} behave as labelled`)
  }
  for (const name of NEGATIVE_CORPORA) {
    const file = path.join(shared, 'corpora', `${name}.jsonl`)
    if (!existsSync(file)) continue
    const lines = await readJsonl<{ text: string }>(file)
    corpora.set(name, lines)
    const { flagged, blocked, byRule, flaggedLines } = corpusFigures(lines, {})
    const rules = [...byRule].map(([rule, k]) => `${rule} ${k}`).join(', ')
    console.log(
      `${name}: ${lines.length} lines, flagged ${flagged} (${pct(flagged, lines.length, 2)}), block ${blocked} (${pct(blocked, lines.length, 2)})` +
        `  target <= ${TARGETS.corpus * 100}%: ${mark(flagged <= TARGETS.corpus * lines.length)}${rules ? `  [${rules}]` : ''}`,
    )
    if (pack.model) {
      // The model was fitted on each corpus's train half: its held half is the honest figure.
      const held = lines.filter((l) => corpusHalf(l.text) === 'held')
      const k = corpusFigures(held, {}).flagged
      console.log(
        `  ${name} held half (never trained on): ${held.length} lines, flagged ${k} (${pct(k, held.length, 2)})` +
          `  target <= ${TARGETS.corpus * 100}%: ${mark(k <= TARGETS.corpus * held.length)}`,
      )
    }
    for (const line of flaggedLines) console.log(`  ${name}: ${line}`)
  }
  const offensiveFile = path.join(shared, 'corpora/cold-offensive.jsonl')
  if (existsSync(offensiveFile)) {
    offensive = await readJsonl<{ text: string }>(offensiveFile)
    const hit = offensive.filter((l) =>
      caught({ rules: ['inappropriate-statements'] }, checkMessage(pack, l.text, 'zh')),
    ).length
    console.log(
      `cold-offensive (positives for inappropriate-statements): recall ${ratio(hit, offensive.length)} (${hit}/${offensive.length})`,
    )
    if (pack.model) {
      const held = offensive.filter((l) => corpusHalf(l.text) === 'held')
      const k = held.filter((l) =>
        caught({ rules: ['inappropriate-statements'] }, checkMessage(pack, l.text, 'zh')),
      ).length
      console.log(
        `  cold-offensive held half: recall ${ratio(k, held.length)} (${k}/${held.length})`,
      )
    }
  }
} else console.log('\n(../shared is not there: no cases or corpora)')

// ---------------------------------------------------------------------------------------------
// Ablation: which channel finds what

if (modes.length > 1) {
  // The model is fitted on the tune half and on each corpus's train half: the test half and the
  // corpora's held halves are what it never saw.
  console.log('\n## ablation (corpora: held halves; the model was trained on the tune half)')
  const heldOf = (lines: { text: string }[]) => lines.filter((l) => corpusHalf(l.text) === 'held')
  const heldOffensive = heldOf(offensive)
  const rows = [
    [
      'channels',
      ...halves.flatMap((h) => [`${h} p+e`, `${h} subtle`, `${h} hard neg`]),
      ...[...corpora.keys()].map((name) => `${name} held`),
      'cold-offensive held',
    ],
  ]
  for (const { name, options } of modes) {
    const figures = halves.map((h) => evaluateHalf(h, options, false))
    const corpusCells = [...corpora.values()].map((lines) => {
      const held = heldOf(lines)
      return pct(corpusFigures(held, options).flagged, held.length, 2)
    })
    const offensiveHit = heldOffensive.filter((l) =>
      caught({ rules: ['inappropriate-statements'] }, checkMessage(pack, l.text, 'zh', options)),
    ).length
    rows.push([
      name,
      ...figures.flatMap((f) => [
        f.recallPE.toFixed(2),
        f.subtle.toFixed(2),
        pct(f.hardNegatives, 1),
      ]),
      ...corpusCells,
      ratio(offensiveHit, heldOffensive.length),
    ])
  }
  table(rows)
}
