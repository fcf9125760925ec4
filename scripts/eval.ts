/**
 * npm run eval [-- --version N] [-- --show N]
 *
 * Measures the message check against ../shared/check/cases.jsonl (labelled examples) and the
 * real-message corpora in ../shared/corpora/ (every line should pass). Prints each failing labelled
 * case, the cases' pass count, and per corpus file the share of lines flagged and blocked. Corpus
 * lines are only printed with --show N (the first N flagged lines per file, with their hits).
 * A measuring tool, not a test: it needs ../shared, which npm test must not.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { checkMessage, type CheckResult } from '../src/check/engine'
import { readBuiltPacks } from './rulepack'

const root = path.resolve(import.meta.dirname, '..')
const shared = path.join(root, '../shared')
const CORPORA = ['lccc-chat.jsonl', 'cold-safe.jsonl', 'uci-sms-ham.jsonl']
const FLAG_LIMIT = 0.005
const BLOCK_LIMIT = 0.001

const { values } = parseArgs({
  options: {
    notice: { type: 'string', default: 'wechat-red-lines' },
    version: { type: 'string' },
    check: { type: 'string' },
    show: { type: 'string', default: '0' },
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

const readJsonl = async <T>(file: string): Promise<T[]> =>
  (await readFile(file, 'utf8'))
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T)

const langOf = (text: string) => (/\p{Script=Han}/u.test(text) ? 'zh' : 'en')
const describe = (r: CheckResult) =>
  r.hits.map((h) => `${h.rule}:${h.verdict}:${h.channel}:"${h.match}"`).join(' ') || '(no hits)'

console.log(`rule pack ${values.notice} v${version}, check version c${check}`)

interface Case {
  id: string
  text: string
  rules: string[]
  expect: 'flag' | 'pass'
  note: string
}
const cases = await readJsonl<Case>(path.join(shared, 'check/cases.jsonl'))
let passed = 0
for (const c of cases) {
  const r = checkMessage(pack, c.text, langOf(c.text))
  const hitRules = new Set(r.hits.map((h) => h.rule))
  const ok =
    c.expect === 'pass'
      ? r.verdict === 'pass'
      : r.verdict !== 'pass' && c.rules.every((rule) => hitRules.has(rule))
  if (ok) passed++
  else
    console.log(
      `FAIL ${c.id} (${c.note}) expect ${c.expect} ${c.rules.join(',')}: ${JSON.stringify(c.text)} -> ${r.verdict} ${describe(r)}`,
    )
}
console.log(`cases: ${passed}/${cases.length} behave as labelled`)

let withinLimits = passed === cases.length
for (const file of CORPORA) {
  const lines = await readJsonl<{ text: string }>(path.join(shared, 'corpora', file))
  let flagged = 0
  let blocked = 0
  const byRule = new Map<string, number>()
  for (const { text } of lines) {
    const r = checkMessage(pack, text, langOf(text))
    if (r.verdict === 'pass') continue
    flagged++
    if (r.verdict === 'block') blocked++
    for (const rule of new Set(r.hits.map((h) => h.rule)))
      byRule.set(rule, (byRule.get(rule) ?? 0) + 1)
    if (flagged <= show) console.log(`  ${file}: ${JSON.stringify(text)} -> ${describe(r)}`)
  }
  const pct = (k: number) => `${((100 * k) / lines.length).toFixed(2)}%`
  const ok = flagged / lines.length <= FLAG_LIMIT && blocked / lines.length <= BLOCK_LIMIT
  withinLimits &&= ok
  const rules = [...byRule].map(([rule, k]) => `${rule} ${k}`).join(', ')
  console.log(
    `${file}: ${lines.length} lines, flagged ${flagged} (${pct(flagged)}), block ${blocked} (${pct(blocked)})` +
      `${ok ? '' : '  OVER LIMIT'}${rules ? `  [${rules}]` : ''}`,
  )
}
console.log(
  withinLimits
    ? `all within limits (flagged <= ${FLAG_LIMIT * 100}%, block <= ${BLOCK_LIMIT * 100}% per file)`
    : 'NOT within limits',
)
process.exitCode = withinLimits ? 0 : 1
