/**
 * npm run bench:check-model [-- --messages N] [-- --length N] [-- --rounds N] [-- --model <notice>@c<n>]
 *
 * Times the learned channel alone, against the rule engine and the fastest exact-match peer of
 * npm run bench (one big RegExp alternation of the rule pack's terms), in one process on the
 * same messages: N messages of about LENGTH UTF-16 units, each a run of the development set's
 * training-only lines (test/fixtures/check/train, the project's own; a fixed-seed shuffle), so
 * the text is the kind the model reads. Per message the best of ROUNDS interleaved rounds after a
 * warm-up; prints median, p99 and throughput, the model's share of engine + model, then the cold
 * start of the model (JSON, its tables' ArrayBuffer, loadCheckModel) in fresh Node processes, and
 * its sizes (a model in the archive, an older check version's, has no part in a cold start). The
 * model is by default the current check version's.
 * A measuring tool: it prints figures and asserts nothing (npm run build first).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { checkMessage } from '../src/check/engine'
import { scoreInto } from '../src/check/model'
import { readBuiltModels } from './checkmodel-pack'
import { mulberry32 } from './checkmodel-train'
import { plainTerms, readBuiltPacks, readRulePackInputs } from './rulepack'

const root = path.resolve(import.meta.dirname, '..')
const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000' },
    length: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '3' },
    // Default: the current check version's model (the one in the Worker's bundle).
    model: { type: 'string' },
  },
})
const MESSAGES = Number(values.messages)
const LENGTH = Number(values.length)
const ROUNDS = Number(values.rounds)

const inputs = await readRulePackInputs(root)
const current = inputs.reduce((a, b) =>
  b.version > a.version || (b.version === a.version && b.checkVersion > a.checkVersion) ? b : a,
)
const modelKey = values.model ?? `${current.notice}@c${current.checkVersion}`
const model = (await readBuiltModels(root))[modelKey]
if (!model) throw new Error(`no built model ${modelKey}: run npm run build`)
const packKey = `${current.notice}@${current.version}/c${current.checkVersion}`
// The rules alone: this benchmark times the model beside them.
const pack = (await readBuiltPacks(root, { models: false }))[packKey]
if (!pack) throw new Error(`no rule pack ${packKey}: run npm run build`)
const terms = plainTerms(current.check)

const trainDir = path.join(root, 'test/fixtures/check/train')
const { readdirSync } = await import('node:fs')
const pool = readdirSync(trainDir)
  .filter((f) => f.endsWith('.jsonl'))
  .sort()
  .flatMap((f) =>
    readFileSync(path.join(trainDir, f), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => (JSON.parse(l) as { text: string }).text),
  )
const random = mulberry32(20170418)
const messages = Array.from({ length: MESSAGES }, () => {
  let text = ''
  while (text.length < LENGTH) text += `${pool[Math.floor(random() * pool.length)]}\n`
  return text.slice(0, LENGTH).replace(/[\ud800-\udbff]$/, '')
})

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const alternation = new RegExp(
  [...terms]
    .sort((a, b) => b.length - a.length)
    .map(escape)
    .join('|'),
  'g',
)
const runners: [string, (text: string) => unknown][] = [
  ['model alone (scoreInto)', (text) => scoreInto(model, text)],
  ['rule engine (checkMessage)', (text) => checkMessage(pack, text, 'zh')],
  [
    'engine + model',
    (text) => {
      checkMessage(pack, text, 'zh')
      return scoreInto(model, text)
    },
  ],
  ['RegExp alternation (peer)', (text) => [...text.matchAll(alternation)].length],
]

for (const [, run] of runners) for (const text of messages) run(text) // warm-up
const best = runners.map(() => new Float64Array(MESSAGES).fill(Infinity))
for (let round = 0; round < ROUNDS; round++)
  for (let from = 0; from < MESSAGES; from += 250)
    runners.forEach(([, run], k) => {
      const times = best[k] as Float64Array
      for (let i = from; i < Math.min(from + 250, MESSAGES); i++) {
        const s = performance.now()
        run(messages[i] as string)
        const t = performance.now() - s
        if (t < (times[i] as number)) times[i] = t
      }
    })
const us = (ms: number) => `${(ms * 1000).toFixed(2)} µs`
const rows = runners.map(([name], k) => {
  const times = best[k] as Float64Array
  const total = times.reduce((a, b) => a + b, 0)
  times.sort()
  return {
    name,
    median: times[Math.floor(MESSAGES / 2)] as number,
    p99: times[Math.floor(MESSAGES * 0.99)] as number,
    perSecond: MESSAGES / (total / 1000),
  }
})
const peer = rows[3] as (typeof rows)[number]
const table = [
  ['', 'median', 'p99', 'p99/median', 'msgs/s', 'median vs peer'],
  ...rows.map((r) => [
    r.name,
    us(r.median),
    us(r.p99),
    `${(r.p99 / r.median).toFixed(2)}x`,
    Math.round(r.perSecond).toLocaleString('en'),
    `${(r.median / peer.median).toFixed(2)}x`,
  ]),
]
const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)))
console.log(
  `${MESSAGES} messages of ${LENGTH} UTF-16 units (training-only lines of the development set), ` +
    `model ${modelKey}, rule pack ${packKey}; best of ${ROUNDS} interleaved rounds; Node ${process.version}`,
)
for (const row of table) console.log(`| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`)
console.log(
  `model share of engine + model: ${((100 * rows[0]!.median) / rows[2]!.median).toFixed(0)}% of the median`,
)

// Cold start in fresh Node processes: evaluate the model's JSON, compile and instantiate its
// Wasm tables, make the views; then the first scoring (which compiles scoreInto).
const inBundle =
  modelKey in JSON.parse(readFileSync(path.join(root, 'src/generated/checkmodels.json'), 'utf8'))
// An older check version's model is in the archive, read when pinned: no part of a cold start.
if (inBundle) await coldStart()
else console.log(`cold start: not measured, ${modelKey} is archived (read when a caller pins it)`)

async function coldStart() {
  const dir = await mkdtemp(path.join(tmpdir(), 'redlines-model-bench-'))
  try {
    const { build } = await import('esbuild')
    const bundle = path.join(dir, 'model.js')
    const src = (file: string) => JSON.stringify(path.join(root, file))
    await build({
      stdin: {
        contents:
          `export { loadCheckModel, scoreInto } from ${src('src/check/model.ts')}\n` +
          `export { default as models } from ${src('src/generated/checkmodels.json')}\n`,
        resolveDir: root,
        loader: 'ts',
      },
      bundle: true,
      format: 'iife',
      globalName: 'redlinesModel',
      platform: 'neutral',
      outfile: bundle,
      logLevel: 'silent',
    })
    const binPath = path.join(root, 'src/generated/checkmodels.bin')
    const probe =
      `const vm = require('node:vm'); const fs = require('node:fs');` +
      `const code = fs.readFileSync(${JSON.stringify(bundle)}, 'utf8');` +
      `const bytes = fs.readFileSync(${JSON.stringify(binPath)});` +
      `vm.runInThisContext('0');` +
      `const t0 = performance.now(); vm.runInThisContext(code); const m = globalThis.redlinesModel;` +
      // workerd hands a Data module to the Worker as an ArrayBuffer of its own: a copy.
      `const t1 = performance.now(); const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);` +
      `const model = m.loadCheckModel(m.models[${JSON.stringify(modelKey)}], buffer);` +
      `const t2 = performance.now(); m.scoreInto(model, '王局，红包请收下'); const t3 = performance.now();` +
      `console.log(JSON.stringify([t1 - t0, t2 - t1, t3 - t2]))`
    const cold = Array.from(
      { length: 15 },
      () =>
        JSON.parse(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' })) as number[],
    )
    const median = (i: number) => cold.map((c) => c[i] as number).sort((a, b) => a - b)[7] as number
    const least = (i: number) => Math.min(...cold.map((c) => c[i] as number))
    console.log(
      `cold start, fresh Node process, median of 15 (best): model code + JSON ${median(0).toFixed(2)} ms (${least(0).toFixed(2)}) + ` +
        `tables (a Data module's ArrayBuffer) and loadCheckModel ${median(1).toFixed(2)} ms (${least(1).toFixed(2)}) = ` +
        `${(median(0) + median(1)).toFixed(2)} ms; first score ${median(2).toFixed(2)} ms; ` +
        `JS ${(statSync(bundle).size / 1024).toFixed(1)} KiB, tables ${(statSync(binPath).size / 1024).toFixed(0)} KiB`,
    )
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
