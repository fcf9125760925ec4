/**
 * npm run bench [-- --messages N] [-- --length N]
 *
 * Times the message check against the best keyword matchers on npm, in one process, on the same
 * 10,000 generated 500-character messages (a fixed-seed PRNG: common Chinese words, some English,
 * a few rule terms, some of them disguised). The peers get the rule pack's terms as plain strings
 * and only do exact matching; the engine folds, matches terms, allow words and cues, and decides
 * context. Prints per-message median and p99 (warm: chunk boundaries move each round), the
 * median time of the first message after another matcher ran (its caches cold), throughput,
 * build/load time, and ratios to the engine; then the worst case: the slowest 10,000-character
 * inputs we could construct (and the slowest of 200 seeded random mixtures), against the median
 * message; then the engine's cold start (module, pack tables, loadRulePack, and the check
 * version's model) in fresh Node processes. The engine runs as the API runs it: with its check
 * version's model (when it has one) and every rule scored; a second row times the rules alone.
 * Every matcher is timed from one bundle built as wrangler builds the Worker (esbuild: one module,
 * where every top-level const becomes a var), which measured about 10% slower for the engine than
 * src/ run as separate modules by tsx; a third row times the engine that way, for comparison.
 * A measuring tool: it prints figures and asserts nothing.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { checkMessage } from '../src/check/engine'
import { packKey } from '../src/check/pack'
import { readArchive } from './check-archive'
import { expandCheck, plainTerms, readBuiltPacks, readRulePackInputs } from './rulepack'

const root = path.resolve(import.meta.dirname, '..')
const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000' },
    length: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '3' },
  },
})
const MESSAGES = Number(values.messages)
const LENGTH = Number(values.length)
const ROUNDS = Number(values.rounds)

// ---------------------------------------------------------------------------------------------
// Inputs

const inputs = await readRulePackInputs(root)
// The newest notice version, checked by its newest check version (what the Worker answers with).
const current = inputs.reduce((a, b) =>
  b.version > a.version || (b.version === a.version && b.checkVersion > a.checkVersion) ? b : a,
)
const key = packKey(current.notice, current.version, current.checkVersion)
// Lexicons and word patterns expanded: the words the engine's patterns are made of.
const expanded = expandCheck(current.check, [])
const terms = plainTerms(expanded)
const builtPacks = await readBuiltPacks(root)

function mulberry32(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const random = mulberry32(20170418)
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T

const ZH_WORDS = (
  '我们 你们 他们 今天 明天 昨天 晚上 上午 下午 时间 工作 会议 通知 大家 一下 已经 还是 因为 所以 但是 如果 可以 需要 知道 觉得 喜欢 ' +
  '看看 这个 那个 什么 怎么 为什么 哈哈 好的 谢谢 辛苦 注意 安全 吃饭 回家 孩子 老师 学校 学习 考试 天气 下雨 周末 一起 出去 电影 ' +
  '朋友 同事 领导 单位 材料 文件 打印 报告 数据 项目 进度 安排 检查 落实 群里 消息 手机 电话 地址 照片 视频 链接 快递 购物 超市 ' +
  '医院 身体 感冒 休息 加班 开车 路上 堵车 地铁 公交 火车 飞机 酒店 旅游 春节 中秋 生日 快乐 祝福 健康 平安 幸福 家人 父母 ' +
  '老婆 老公 宝宝 可爱 漂亮 好看 好吃 火锅 奶茶 咖啡 水果 苹果 西瓜 衣服 鞋子 颜色 红色 黄色 蓝色 绿色 包子 饺子 面条 米饭 ' +
  '服务 问题 情况 办法 意见 建议 支持 同意 反对 讨论 决定 计划 目标 任务 完成 继续 开始 结束 马上 一定 应该 可能 比较 非常 特别'
).split(' ')
const ZH_PUNCT = ['，', '，', '，', '。', '！', '？', '、', '……', ' ']
const EN_WORDS = (
  'the a to and of in is it you that for on was with he as have be at this are from by not but what all were ' +
  'when we there can an your which their said if do will each about how up out them then she many some so these ' +
  'meeting tomorrow please call back later thanks love home work class time today good night see you soon ok'
).split(' ')
const DISGUISES: ((t: string) => string)[] = [
  (t) => t,
  (t) => [...t].join(' '),
  (t) => [...t].join('\u200b'),
  (t) => [...t].join('*'),
  (t) => t.toUpperCase(),
]

function message(): string {
  let text = ''
  while (text.length < LENGTH) {
    const r = random()
    if (r < 0.82) {
      const n = 3 + Math.floor(random() * 10)
      for (let i = 0; i < n; i++) text += pick(ZH_WORDS)
      text += pick(ZH_PUNCT)
    } else if (r < 0.97) {
      const n = 4 + Math.floor(random() * 10)
      text += `${Array.from({ length: n }, () => pick(EN_WORDS)).join(' ')}. `
    } else text += pick(DISGUISES)(pick(terms))
  }
  const cut = [...text]
  while (cut.join('').length > LENGTH) cut.pop()
  return cut.join('')
}
/**
 * A text as the API gets it: parsed from a JSON request body, so one flat string. (Built by +=,
 * a 10,000-character input is a rope of a thousand pieces, a string shape no request has, and
 * V8 then optimises the engine for that shape and backs out again when an ordinary one comes.)
 */
const asReceived = (text: string): string => JSON.parse(JSON.stringify(text)) as string
const messages = Array.from({ length: MESSAGES }, () => asReceived(message()))
const totalChars = messages.reduce((n, m) => n + m.length, 0)
const totalBytes = messages.reduce((n, m) => n + Buffer.byteLength(m), 0)

// ---------------------------------------------------------------------------------------------
// Matchers

interface Matcher {
  name: string
  build: () => (text: string) => unknown
}

// Every matcher runs from one bundle made as wrangler makes the Worker's (esbuild, ES module,
// keepNames), so each runs as it would in a Worker: one module scope, where V8 treats a module's
// constants differently from the imported bindings of separate modules (which is how tsx runs
// src/ and the peers' packages). The engine's pack and model are loaded by the bundle's own code
// from the built Data modules. One more row times the engine as tsx runs src/, for comparison.
const bundleDir = await mkdtemp(path.join(tmpdir(), 'redlines-bench-matchers-'))
const timedBundle = path.join(bundleDir, 'matchers.mjs')
const { build: esbuild } = await import('esbuild')
/** Whether wrangler minifies the Worker (wrangler.toml's minify): the bench's bundles do as it does. */
const minify = /^minify = true$/m.test(readFileSync(path.join(root, 'wrangler.toml'), 'utf8'))
await esbuild({
  entryPoints: [path.join(root, 'scripts/bench-matchers.ts')],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  keepNames: true,
  minify,
  outfile: timedBundle,
  logLevel: 'silent',
})
const timed = (await import(pathToFileURL(timedBundle).href)) as typeof import('./bench-matchers')
await rm(bundleDir, { recursive: true, force: true })
// Every pack, loaded by the bundle's own code (the worst case below runs them all).
const bundledPacks = await readBuiltPacks(root, { loaders: timed })
const bundledPack = bundledPacks[key]
if (!bundledPack) throw new Error(`no rule pack ${key}: run npm run build:rulepack`)
const withModelChannel = bundledPack.model !== undefined

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const matchers: Matcher[] = [
  {
    name: withModelChannel ? 'redlines engine (rules + model)' : 'redlines engine',
    build: () => (text) => timed.checkMessage(bundledPack, text, 'zh', { scores: true }).hits,
  },
  ...(withModelChannel
    ? [
        {
          name: 'redlines engine (rules only)',
          build: () => (text: string) =>
            timed.checkMessage(bundledPack, text, 'zh', { channels: 'rules' }).hits,
        },
      ]
    : []),
  {
    name: `redlines engine (${withModelChannel ? 'rules + model, ' : ''}src/ as tsx runs it)`,
    build: () => {
      const pack = builtPacks[key]
      if (!pack) throw new Error(`no rule pack ${key}: run npm run build:rulepack`)
      return (text) => checkMessage(pack, text, 'zh', { scores: true }).hits
    },
  },
  {
    name: 'fastscan',
    build: () => {
      const scanner = new timed.FastScanner(terms)
      return (text) => scanner.search(text)
    },
  },
  {
    name: '@monyone/aho-corasick',
    build: () => {
      const ac = new timed.AhoCorasick(terms)
      return (text) => ac.matchInText(text)
    },
  },
  {
    name: '@monyone/aho-corasick/fast',
    build: () => {
      const ac = new timed.AhoCorasickFast(terms)
      return (text) => ac.matchInText(text)
    },
  },
  {
    name: 'mint-filter',
    build: () => {
      const mint = new timed.Mint(terms)
      return (text) => mint.filter(text, { replace: false })
    },
  },
  {
    name: 'RegExp alternation',
    build: () => {
      const re = new RegExp(
        [...terms]
          .sort((a, b) => b.length - a.length)
          .map(escape)
          .join('|'),
        'g',
      )
      return (text) => [...text.matchAll(re)].map((m) => [m.index, m[0]])
    },
  },
]

// ---------------------------------------------------------------------------------------------
// Timing

interface Result {
  name: string
  buildMs: number
  median: number
  p99: number
  /** Median over chunks of the first message's time after another matcher ran (caches cold). */
  afterSwitch: number
  totalMs: number
  found: number
}
const quantile = (sorted: Float64Array, q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number

/**
 * The machine's noise is shared fairly: matchers take turns chunk by chunk, and each message's
 * time is its best over the rounds. Throughput uses the summed best times. The chunks' boundaries
 * move each round, so no message is always the first after another matcher ran: that message
 * pays for the caches the other matchers' tables evicted (for the engine with its model, about
 * twice its warm time), and with fixed boundaries the same 40 messages paid it in every round and
 * made up the p99. That cost is reported apart (afterSwitch, from the first round).
 */
function measureAll(list: Matcher[]): Result[] {
  const built = list.map((m) => {
    const t0 = performance.now()
    const run = m.build()
    return { name: m.name, run, buildMs: performance.now() - t0 }
  })
  for (const { run } of built) for (const text of messages) run(text) // warm-up: let the JIT settle
  const best = built.map(() => new Float64Array(messages.length).fill(Infinity))
  const found = built.map(() => 0)
  const firsts = built.map((): number[] => [])
  const CHUNK = 250
  for (let round = 0; round < ROUNDS; round++) {
    const offset = Math.floor((round * CHUNK) / ROUNDS)
    for (let from = -offset; from < messages.length; from += CHUNK)
      built.forEach(({ run }, k) => {
        const times = best[k] as Float64Array
        const start = Math.max(0, from)
        for (let i = start; i < Math.min(from + CHUNK, messages.length); i++) {
          const s = performance.now()
          const out = run(messages[i] as string)
          const t = performance.now() - s
          if (t < (times[i] as number)) times[i] = t
          if (round === 0 && i === start) (firsts[k] as number[]).push(t)
          if (
            round === 0 &&
            (Array.isArray(out) ? out.length : (out as { words?: unknown[] }).words?.length)
          )
            found[k] = (found[k] as number) + 1
        }
      })
  }
  return built.map(({ name, buildMs }, k) => {
    const times = best[k] as Float64Array
    const first = Float64Array.from(firsts[k] as number[]).sort()
    const totalMs = times.reduce((a, b) => a + b, 0)
    times.sort()
    return {
      name,
      buildMs,
      median: quantile(times, 0.5),
      p99: quantile(times, 0.99),
      afterSwitch: quantile(first, 0.5),
      totalMs,
      found: found[k] as number,
    }
  })
}

console.log(
  `${MESSAGES} messages x ${LENGTH} chars (${(totalBytes / 1e6).toFixed(1)} MB UTF-8), ` +
    `${terms.length} terms from ${key}; per message the best of ${ROUNDS} interleaved rounds after a warm-up; Node ${process.version}`,
)
const results = measureAll(matchers)
const engine = results[0] as Result
const us = (ms: number) => `${(ms * 1000).toFixed(2)} µs`
const rows = [
  [
    'matcher',
    'build/load',
    'median',
    'p99',
    'first after a switch',
    'msgs/s',
    'MB/s',
    'median vs engine',
  ],
  ...results.map((r) => [
    r.name,
    `${r.buildMs.toFixed(2)} ms`,
    us(r.median),
    us(r.p99),
    us(r.afterSwitch),
    Math.round(MESSAGES / (r.totalMs / 1000)).toLocaleString('en'),
    (totalBytes / 1e6 / (r.totalMs / 1000)).toFixed(1),
    `${(r.median / engine.median).toFixed(2)}x`,
  ]),
]
const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length))) ?? []
for (const row of rows)
  console.log(`| ${row.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | ')} |`)
const peers = results.filter((r) => !r.name.startsWith('redlines'))
const fastest = peers.reduce((a, b) => (b.median < a.median ? b : a))
console.log(
  `fastest peer: ${fastest.name} (${us(fastest.median)} median); engine ${us(engine.median)} ` +
    `(${engine.median <= fastest.median ? 'at or below' : 'ABOVE'} it). ` +
    `Messages with matches: engine ${engine.found} (hits after context), peers ${peers.map((p) => p.found).join('/')}.` +
    ` ${totalChars} UTF-16 units in all.`,
)

// ---------------------------------------------------------------------------------------------
// Worst case: the slowest inputs we could construct at the 10,000-character limit (dense terms,
// cues, allow words and their mixes, Latin with separators, astral characters, digit runs),
// plus the slowest of WORST_RANDOM seeded random mixtures of them. Each is timed, in every built
// pack, as its best of WORST_ROUNDS after a warm-up, and set against the median message above.

const LIMIT = 10_000
const WORST_ROUNDS = 25
const WORST_RANDOM = 200
const fill = (unit: string) => {
  let text = ''
  while (text.length + unit.length <= LIMIT) text += unit
  return text || unit.slice(0, LIMIT)
}
const cueGroups = Object.values(expanded.cues ?? {}).map((g) => g.words ?? [])
const cueWords = cueGroups.flat()
const allowWords = [
  ...(expanded.allow ?? []),
  ...Object.values(expanded.rules ?? {}).flatMap((r) => r.allow ?? []),
]
const constructed: [string, string][] = [
  ['a term: 红包', '红包'],
  ['a term that is a cue elsewhere: 政策', '政策'],
  ['a term and a boosting cue: 收到红包', '收到红包'],
  ['a term after the cue it needs: 选举期间红包', '选举期间红包'],
  ['a term, a prohibition in the wrong place: 红包切勿。', '红包切勿。'],
  [
    'a term, then a cue of every group, each its own sentence',
    `红包${cueGroups.map((g) => `${g[0] ?? ''}。`).join('')}`,
  ],
  [
    'a term per cue group, each with that cue',
    cueGroups.map((g) => `红包${g[1] ?? ''}。`).join(''),
  ],
  ['a term inside its allow word: 红包装', '红包装'],
  ['a cue inside a longer term: 不要外传', '不要外传'],
  ['an emoji term and a cue: 🧧谢谢', '🧧谢谢'],
  ['a term across spaces: 红 包', '红 包 '],
  ['a term across clause breaks: 红，包', '红，包'],
  ['a term across zero-width spaces', '红\u200b包\u200b'],
  ['Latin letters spaced out: p o r n', 'p o r n '],
  ['Latin words and cues: porn never', 'porn never '],
  ['styled astral letters: 𝐫𝐞𝐝 𝐞𝐧𝐯𝐞𝐥𝐨𝐩𝐞', '𝐫𝐞𝐝 𝐞𝐧𝐯𝐞𝐥𝐨𝐩𝐞 '],
  ['pinyin: hongbao', 'hongbao '],
  ['one digit run', '1'],
  ['digits and separators: 1,', '1,'],
  ['a classification mark: 秘密★1年', '秘密★1年'],
  ['lone surrogates', '\ud800'],
  ['zero-width spaces', '\u200b'],
  ['every term, back to back', terms.join('')],
  ['every term, spaced', terms.join(' ')],
  ['every cue word, back to back', cueWords.join('')],
  ['every allow word, back to back', allowWords.join('')],
  [
    'terms between cues',
    terms
      .map((t, i) => `${cueWords[i % cueWords.length]}${t}${cueWords[(i * 7) % cueWords.length]}`)
      .join(''),
  ],
].map(([name, unit]) => [name as string, asReceived(fill(unit as string))])

const randomMix = mulberry32(7)
const mixPick = <T>(list: readonly T[]): T => list[Math.floor(randomMix() * list.length)] as T
const mixUnits = [
  ...terms,
  ...cueWords,
  ...allowWords,
  '，',
  '。',
  ' ',
  '\u200b',
  '🧧',
  '1',
  '★',
  'a',
]
for (let i = 0; i < WORST_RANDOM; i++) {
  const units = Array.from({ length: 1 + Math.floor(randomMix() * 4) }, () => mixPick(mixUnits))
  const sep = mixPick(['', ' ', '，', '。', '\u200b'])
  let text = ''
  while (text.length < LIMIT) text += mixPick(units) + sep
  constructed.push([
    `random mixture: ${JSON.stringify(units.join(sep || '+'))}`,
    asReceived(text.slice(0, LIMIT).replace(/[\ud800-\udbff]$/, '')),
  ])
}

// Timed with the bundle's engine and its packs, as above.
const timeBest = (pack: (typeof bundledPacks)[string], text: string, rounds: number) => {
  let best = Infinity
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now()
    timed.checkMessage(pack, text, 'zh', { scores: true })
    best = Math.min(best, performance.now() - t0)
  }
  return best
}
const worst: { name: string; pack: string; hits: number; ms: number }[] = []
for (const [packKey, pack] of Object.entries(bundledPacks))
  for (const [name, text] of constructed) {
    timeBest(pack, text, 2) // warm-up
    const result = timed.checkMessage(pack, text, 'zh')
    const random = name.startsWith('random')
    worst.push({
      name,
      pack: packKey,
      hits: result.totalHits ?? result.hits.length,
      ms: timeBest(pack, text, random ? 3 : WORST_ROUNDS),
    })
  }
// The slowest random mixtures get the same number of rounds as the constructed inputs.
worst.sort((a, b) => b.ms - a.ms)
for (const w of worst.slice(0, 20))
  if (w.name.startsWith('random'))
    w.ms = timeBest(
      bundledPacks[w.pack]!,
      constructed.find(([n]) => n === w.name)![1],
      WORST_ROUNDS,
    )
worst.sort((a, b) => b.ms - a.ms)
console.log(
  `worst case: ${constructed.length} inputs of ${LIMIT.toLocaleString('en')} UTF-16 units ` +
    `(${constructed.length - WORST_RANDOM} constructed, ${WORST_RANDOM} random mixtures) in each of ` +
    `${Object.keys(bundledPacks).length} packs; best of ${WORST_ROUNDS} after a warm-up; the slowest:`,
)
const worstRows = [
  ['input', 'pack', 'hits', 'engine', 'vs median message'],
  ...worst
    .slice(0, 10)
    .map((w) => [
      w.name,
      w.pack,
      w.hits.toLocaleString('en'),
      `${w.ms.toFixed(3)} ms`,
      `${(w.ms / engine.median).toFixed(0)}x`,
    ]),
]
const worstWidths = worstRows[0]!.map((_, i) => Math.max(...worstRows.map((r) => r[i]!.length)))
for (const row of worstRows)
  console.log(`| ${row.map((cell, i) => cell.padEnd(worstWidths[i]!)).join(' | ')} |`)
const slowest = worst[0]!
console.log(
  `worst input: ${slowest.name} (${slowest.pack}): ${slowest.ms.toFixed(3)} ms, ` +
    `${(slowest.ms / engine.median).toFixed(0)}x the median ${LENGTH}-character message (${us(engine.median)}); ` +
    `target 3 ms: ${slowest.ms <= 3 ? 'met' : 'NOT MET'}`,
)

// Cold start, in fresh Node processes with the files already read (a Worker gets its modules with
// the script): compile and evaluate the engine and the packs' index JSON, bundled the way wrangler
// bundles them (esbuild, ASCII output, keepNames); copy the tables into a fresh ArrayBuffer (what
// workerd does with every Data module of a Worker when it starts, imported or not), then parse
// the answering pack's description and create its views. The first check, which pays for
// compiling the engine's code, is timed apart.
const dir = await mkdtemp(path.join(tmpdir(), 'redlines-bench-'))
try {
  const { build } = await import('esbuild')
  const bundle = path.join(dir, 'engine.js')
  const source = (file: string) => JSON.stringify(path.join(root, file))
  const bundleOf = (outfile: string, contents: string) =>
    build({
      stdin: { contents, resolveDir: root, loader: 'ts' },
      bundle: true,
      format: 'iife',
      globalName: 'redlines',
      platform: 'neutral',
      // As wrangler bundles (its keep_names setting defaults to true).
      keepNames: true,
      minify,
      outfile,
      logLevel: 'silent',
    })
  await bundleOf(
    bundle,
    `export { checkMessage, withModel } from ${source('src/check/engine.ts')}\n` +
      `export { loadRulePack, packDataAt } from ${source('src/check/pack.ts')}\n` +
      `export { loadCheckModel } from ${source('src/check/model.ts')}\n` +
      `export { default as packs } from ${source('src/generated/rulepacks.json')}\n` +
      `export { default as models } from ${source('src/generated/checkmodels.json')}\n` +
      `export { default as archive } from ${source('src/generated/archive.json')}\n`,
  )
  // The same without the model channel's code and data: what the model adds to the bundle.
  const withoutModel = path.join(dir, 'rules.js')
  await bundleOf(
    withoutModel,
    `export { checkMessage } from ${source('src/check/engine.ts')}\n` +
      `export { loadRulePack, packDataAt } from ${source('src/check/pack.ts')}\n` +
      `export { default as packs } from ${source('src/generated/rulepacks.json')}\n` +
      `export { default as archive } from ${source('src/generated/archive.json')}\n`,
  )
  const tablesPath = path.join(root, 'src/generated', 'rulepacks.bin')
  const modelTablesPath = path.join(root, 'src/generated', 'checkmodels.bin')
  const modelKey = `${current.notice}@c${current.checkVersion}`
  const probe =
    `const vm = require('node:vm'); const fs = require('node:fs');` +
    `const code = fs.readFileSync(${JSON.stringify(bundle)}, 'utf8');` +
    `const bytes = fs.readFileSync(${JSON.stringify(tablesPath)});` +
    `const modelBytes = fs.readFileSync(${JSON.stringify(modelTablesPath)});` +
    // Any Worker pays for compiling its script: warm that pipeline on an empty script first.
    `vm.runInThisContext('0');` +
    `const t0 = performance.now(); vm.runInThisContext(code); const m = globalThis.redlines;` +
    `const t1 = performance.now(); const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);` +
    `const modelBuffer = modelBytes.buffer.slice(modelBytes.byteOffset, modelBytes.byteOffset + modelBytes.length);` +
    `const t2 = performance.now(); const md = m.models[${JSON.stringify(modelKey)}];` +
    `const p = m.withModel(m.loadRulePack(m.packDataAt(m.packs[${JSON.stringify(key)}], buffer), buffer), md && m.loadCheckModel(md, modelBuffer));` +
    `const t3 = performance.now(); m.checkMessage(p, '红包收到了', 'zh', { scores: true }); const t4 = performance.now();` +
    // The same copy again, into the buffers now paged in: the memcpy alone. The rest of the first
    // copy is the kernel (and on a VM the hypervisor) handing over fresh pages.
    `new Uint8Array(buffer).set(bytes); new Uint8Array(modelBuffer).set(modelBytes); const t5 = performance.now();` +
    // This machine's price for that many fresh pages, with no table in them: how much of the
    // cold start is the host (a VM's page faults can cost ten times a bare machine's).
    `new Uint8Array(bytes.length + modelBytes.length).fill(1); const t6 = performance.now();` +
    `console.log(JSON.stringify([t1 - t0, t3 - t1, t4 - t3, t2 - t1, t5 - t4, t6 - t5]))`
  const cold = Array.from(
    { length: 9 },
    () =>
      JSON.parse(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' })) as number[],
  )
  const median = (i: number) => cold.map((c) => c[i] as number).sort((a, b) => a - b)[4] as number
  console.log(
    `cold start, fresh Node process, median of 9: engine, model code, pack and model JSON compile and evaluate ` +
      `${median(0).toFixed(2)} ms + tables (Data modules: rule packs and model copied into fresh buffers ${median(3).toFixed(2)} ms, ` +
      `as workerd does for every Data module of the Worker; of which memcpy ${median(4).toFixed(2)} ms, the rest paging in fresh memory) ` +
      `with the pack's description parsed and loadRulePack + loadCheckModel, ${median(1).toFixed(2)} ms in all = ` +
      `${(median(0) + median(1)).toFixed(2)} ms; first check (rules + model) ${median(2).toFixed(2)} ms`,
  )
  console.log(
    `  (this machine: filling the same number of fresh bytes, nothing else, takes ${median(5).toFixed(2)} ms in the same processes)`,
  )
  const kib = (file: string) => statSync(file).size / 1024
  console.log(
    `bundle (as wrangler bundles, ${minify ? 'minified' : 'unminified'}): engine and packs JS ${kib(withoutModel).toFixed(0)} KiB, rule tables ${kib(tablesPath).toFixed(0)} KiB; ` +
      `the model adds JS ${(kib(bundle) - kib(withoutModel)).toFixed(1)} KiB and data ${kib(modelTablesPath).toFixed(0)} KiB`,
  )
  // Older check versions are not in the bundle (scripts/check-archive.ts): not copied at start-up.
  const held = (await readArchive(root)).map(({ held }) => held)
  console.log(
    `not in the bundle: ${held.length} older check versions in the static assets (${held.map((h) => `c${h.check}`).join(', ')}), ` +
      `${(held.reduce((sum, h) => sum + h.bytes, 0) / 1024).toFixed(0)} KiB, each read when a caller first pins it`,
  )
} finally {
  await rm(dir, { recursive: true, force: true })
}
