// The rules and the learned channel together (issue 8 item 3): check version c2 carries a model,
// the engine runs it for every pack of c2, and each answer scores every rule. Real packs, the real
// committed model, in workerd.
import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import {
  checkMessage,
  MAX_HITS,
  MODEL_QUOTE_FLOOR,
  modelQuoteBudget,
  type CheckResult,
} from '../src/check/engine'
import { scoreMessage } from '../src/check/model'
import { checkModelFor, rulePackFor } from '../src/check/packs'
import { archive } from './check-helpers'

const NOTICE = 'wechat-red-lines'
const c2 = (await rulePackFor(archive, NOTICE, 2, 2))!
const c1 = (await rulePackFor(archive, NOTICE, 2, 1))!
const model = (await checkModelFor(archive, NOTICE, 2))!

/** Messages no rule of c2 finds, which the model flags for one rule (its best sentence). */
const MODEL_ONLY: [string, string, string][] = [
  [
    'a hint about a vote',
    '领导这次给咱们单位安排的那个事，大家心里都有数吧，投票的时候别犯糊涂',
    'vote-rigging',
  ],
  [
    'a favour with something left in a car, second sentence',
    '今天开会。周末那个东西我放你车里了，你那事我记着',
    'red-envelopes',
  ],
  ['a hint at porn', '晚上有好看的片子，懂的来，资源私发', 'pornography'],
  ['hearsay of trouble', '听我一个亲戚说下周要出大事了', 'rumours'],
]

/** A client address of its own (the rate limiter counts per address). */
const post = (body: unknown, ip: string) =>
  exports.default.fetch('http://localhost/api/check', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
    body: JSON.stringify(body),
  })

const modelScore = (text: string, rule: string) =>
  scoreMessage(model, text).find((s) => s.rule === rule)!

describe('c2 packs carry the check version model; c1 packs have none', () => {
  it.each([1, 2])('notice version %i', async (version) => {
    expect((await rulePackFor(archive, NOTICE, version, 2))?.model).toBe(model)
    expect((await rulePackFor(archive, NOTICE, version, 1))?.model).toBeUndefined()
    expect(await checkModelFor(archive, NOTICE, 1)).toBeUndefined()
  })
  it('maps every rule of the model onto the pack', () => {
    expect([...c2.modelRules!].map((i) => c2.rules[i]?.id)).toEqual(model.rules)
  })
})

describe('model hits: channel model, review only, span = the highest-scoring sentence', () => {
  it.each(MODEL_ONLY)('%s', (_, text, rule) => {
    expect(checkMessage(c2, text, 'zh', { channels: 'rules' }).hits).toEqual([])
    const result = checkMessage(c2, text, 'zh')
    expect(result.verdict).toBe('review')
    const hit = result.hits.find((h) => h.rule === rule)!
    const expected = modelScore(text, rule)
    expect(hit).toMatchObject({
      channel: 'model',
      verdict: 'review',
      term: '',
      start: expected.start,
      end: expected.end,
    })
    expect(text.slice(hit.start, hit.end)).toBe(hit.match)
    expect(hit.score).toBeCloseTo(expected.score, 3)
    expect(hit.score).toBeGreaterThanOrEqual(expected.threshold - 0.0005)
    expect(hit.reason).toContain('模型评分')
    expect(checkMessage(c2, text, 'en').hits.find((h) => h.rule === rule)?.reason).toContain(
      'model score',
    )
  })

  it('the span is one sentence, not the message, when another sentence scores lower', () => {
    const text = MODEL_ONLY[1]![1]
    const hit = checkMessage(c2, text, 'zh').hits[0]!
    expect(hit.match).toBe('周末那个东西我放你车里了，你那事我记着')
  })
})

describe('a rule hit keeps its verdict; the model never blocks alone', () => {
  it.each([
    ['a block from the rules stays block', '红包收到了，你那个事放心', 'red-envelopes', 'block'],
    [
      'a review from the rules stays review',
      '会议纪要先别外传，我单独发你看看',
      'leaking-secrets',
      'review',
    ],
  ])('%s', (_, text, rule, verdict) => {
    const result = checkMessage(c2, text, 'zh')
    const ofRule = result.hits.filter((h) => h.rule === rule)
    expect(ofRule.map((h) => [h.channel === 'model', h.verdict])).toEqual([[false, verdict]])
  })

  it.each(MODEL_ONLY)('model only is never block: %s', (_, text) => {
    expect(checkMessage(c2, text, 'zh', { channels: 'model' }).verdict).toBe('review')
  })
})

describe('scores: every rule, 0-1, rules and model combined', () => {
  const scored = (text: string) => checkMessage(c2, text, 'zh', { scores: true })
  it.each([
    ['block from the rules', '红包收到了，你那个事放心'],
    ['review from the rules', '会议纪要先别外传，我单独发你看看'],
    ['model only', MODEL_ONLY[0]![1]],
    ['nothing', '今天天气不错，我们去公园吧'],
  ])('%s', (_, text) => {
    const result = scored(text)
    const rules = checkMessage(c2, text, 'zh', { channels: 'rules' })
    expect(Object.keys(result.scores!)).toEqual(c2.rules.map((r) => r.id))
    for (const { id } of c2.rules) {
      const score = result.scores![id]!
      const p = modelScore(text, id).score
      const verdicts = rules.hits.filter((h) => h.rule === id).map((h) => h.verdict)
      const expected = verdicts.includes('block') ? 1 : verdicts.length ? 0.6 + 0.4 * p : p
      expect(score).toBeCloseTo(expected, 3)
      expect(score >= 0 && score <= 1).toBe(true)
    }
  })

  it('c1 (no model) scores from the rules alone', () => {
    const text = '红包收到了。听说明天封城'
    const result = checkMessage(c1, text, 'zh', { scores: true })
    for (const { id } of c1.rules) {
      const verdicts = result.hits.filter((h) => h.rule === id).map((h) => h.verdict)
      expect(result.scores?.[id]).toBe(verdicts.includes('block') ? 1 : verdicts.length ? 0.6 : 0)
    }
  })
})

describe('channels', () => {
  const text = '红包收到了，你那个事放心。' + MODEL_ONLY[0]![1]
  const channelsOf = (r: CheckResult) =>
    [...new Set(r.hits.map((h) => h.channel === 'model'))].sort()
  it.each([
    ['rules', [false]],
    ['model', [true]],
    ['both', [false, true]],
  ] as const)('%s', (channels, expected) => {
    expect(channelsOf(checkMessage(c2, text, 'zh', { channels }))).toEqual(expected)
  })
  it('a pack without a model answers the same with or without the model channel', () => {
    expect(checkMessage(c1, text, 'zh')).toEqual(
      checkMessage(c1, text, 'zh', { channels: 'rules' }),
    )
  })
})

describe('the cap counts model hits too', () => {
  it('a dense text keeps its model hit listed and counts every hit', () => {
    const text = '投票'.repeat(10) + '。' + MODEL_ONLY[2]![1] + '。' + '贿选'.repeat(2000)
    const result = checkMessage(c2, text, 'zh')
    expect(result.hits).toHaveLength(MAX_HITS)
    expect(result.truncated).toBe(true)
    const model = result.hits.filter((h) => h.channel === 'model')
    expect(model.map((h) => h.rule)).toContain('pornography')
    expect(result.totalHits).toBeGreaterThan(2000)
    expect(result.hits.every((h, i) => i === 0 || result.hits[i - 1]!.start <= h.start)).toBe(true)
  })
})

describe("the model's hits share a quote budget: the text's length, or MODEL_QUOTE_FLOOR", () => {
  // A vote bought with a road (test/fixtures/check/dev/a7.jsonl, a7-v088): one sentence, which
  // c11's model flags for vote rigging (0.924) and for inappropriate statements (0.927). A budget
  // of the text's length listed only the stronger of the two.
  const VOTE = '村里的事我干了这么多年，这次要是还能继续为大家服务，那条通组路我保证先给咱们三组修'
  const modelHits = (result: CheckResult) => result.hits.filter((h) => h.channel === 'model')
  const quoted = (result: CheckResult) => modelHits(result).reduce((n, h) => n + h.match.length, 0)

  it('lists every rule the model flags on the sentence of a short message', async () => {
    const c11 = (await rulePackFor(archive, NOTICE, 2, 11))!
    const result = checkMessage(c11, `${VOTE}。周六记得早点去村委会。`, 'zh')
    expect(modelHits(result).map((h) => [h.rule, h.start, h.end])).toEqual([
      ['inappropriate-statements', 0, VOTE.length],
      ['vote-rigging', 0, VOTE.length],
    ])
    expect(result.verdict).toBe('review')
  })

  it('quotes no more than the text itself once the text is longer than the floor', async () => {
    const c11 = (await rulePackFor(archive, NOTICE, 2, 11))!
    // The same words as one long sentence: both rules flag it, and both would quote all of it.
    const text = Array.from({ length: 60 }, () => VOTE).join('，')
    expect(text.length).toBeGreaterThan(MODEL_QUOTE_FLOOR)
    const result = checkMessage(c11, text, 'zh', { scores: true })
    expect(result.scores!['vote-rigging']).toBeGreaterThan(c11.model!.threshold[4]!)
    expect(result.scores!['inappropriate-statements']).toBeGreaterThan(c11.model!.threshold[7]!)
    expect(modelHits(result)).toHaveLength(1)
    expect(quoted(result)).toBeLessThanOrEqual(text.length)
    expect(modelQuoteBudget(text.length)).toBe(text.length)
    expect(modelQuoteBudget(10)).toBe(MODEL_QUOTE_FLOOR)
  })
})

describe('the API answers with the model channel and scores', () => {
  it('POST /api/check: a model hit, every rule scored, citing check version c2', async () => {
    // Pinned: c3 is the newest check version since it was published.
    const res = await post({ text: MODEL_ONLY[3]![1], check: 2 }, '203.0.113.71')
    expect(res.status).toBe(200)
    const body = (await res.json()) as CheckResult & { check: { version: number } }
    expect(body.check.version).toBe(2)
    expect(body.verdict).toBe('review')
    expect(body.hits[0]).toMatchObject({ rule: 'rumours', channel: 'model', verdict: 'review' })
    expect(Object.keys(body.scores!)).toEqual(c2.rules.map((r) => r.id))
  })

  it('POST /api/check pinned to c1: no model, still scored', async () => {
    const res = await post({ text: MODEL_ONLY[3]![1], check: 1 }, '203.0.113.72')
    const body = (await res.json()) as CheckResult
    expect(body.hits.filter((h) => h.channel === 'model')).toEqual([])
    expect(Object.keys(body.scores!)).toHaveLength(c1.rules.length)
  })
})
