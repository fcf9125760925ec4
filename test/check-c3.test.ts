// Check version c3: the rules and the model fused and calibrated together, and the rule language's
// new construct (fusion, content/README-check.md), on the real compiled packs and the committed
// model. c2 and c1 answer as they did (their own tests: check-c2.test.ts, check-engine.test.ts).
import { describe, expect, it } from 'vitest'
import { checkMessage, type CheckResult, type Lang } from '../src/check/engine'
import { scoreMessage } from '../src/check/model'
import { checkModelFor, rulePackFor } from '../src/check/packs'
import { archive, firstCheckVersions } from './check-helpers'

const NOTICE = 'wechat-red-lines'
const c3 = (await rulePackFor(archive, NOTICE, 2, 3))!
const c3v1 = (await rulePackFor(archive, NOTICE, 1, 3))!
const c2 = (await rulePackFor(archive, NOTICE, 2, 2))!
const model = (await checkModelFor(archive, NOTICE, 3))!

const langOf = (text: string): Lang => (/\p{Script=Han}/u.test(text) ? 'zh' : 'en')
function check(text: string, pack = c3, options = {}): CheckResult {
  const result = checkMessage(pack, text, langOf(text), options)
  for (const hit of result.hits) expect(text.slice(hit.start, hit.end)).toBe(hit.match)
  return result
}
const rulesOf = (r: CheckResult) => [...new Set(r.hits.map((h) => h.rule))].sort()
const scoreOf = (text: string, rule: string) =>
  scoreMessage(model, text).find((s) => s.rule === rule)!.score
const floorOf = (rule: string) => {
  const logit = c3.fusion!.floorLogit[c3.rules.findIndex((r) => r.id === rule)]!
  return 1 / (1 + Math.exp(-logit))
}

describe('c3 covers both notice versions, with a model of its own', () => {
  it('covers notice versions 1 and 2 after c1 and c2', () => {
    // c4 came after it (test/check-c4.test.ts).
    expect([firstCheckVersions(NOTICE, 1, 3), firstCheckVersions(NOTICE, 2, 3)]).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ])
    expect([c3v1.checkVersion, c3.checkVersion, c3v1.version, c3.version]).toEqual([3, 3, 1, 2])
  })

  it('carries its own model, not c2 one', async () => {
    expect(c3.model).toBe(model)
    expect(c2.model).toBe(await checkModelFor(archive, NOTICE, 2))
    expect(model).not.toBe(await checkModelFor(archive, NOTICE, 2))
  })

  it('has fusion; c2 and c1 have none', async () => {
    expect(c3.fusion).toBeDefined()
    expect(c3v1.fusion).toBeDefined()
    expect(c2.fusion).toBeUndefined()
    expect((await rulePackFor(archive, NOTICE, 2, 1))!.fusion).toBeUndefined()
  })

  it('never drops inappropriate statements (no floor) and has a floor below 0.5 for the rest', () => {
    expect(floorOf('inappropriate-statements')).toBe(0)
    for (const { id } of c3.rules)
      if (id !== 'inappropriate-statements') expect(floorOf(id)).toBeLessThan(0.5)
  })
})

// FUSION rows: [why, text, rule]: c3's rules give a review hit of rule; the message carries a
// clearing context; the model scores the rule below its floor, so c3 with both channels drops it.
const FUSION: [string, string, string][] = [
  ['family talk (闺女) about a shop', '我闺女在淘宝开网店卖手工饰品，包邮哦', 'online-shops'],
]

describe('fusion: a review hit in a clearing context that the model scores very low is dropped', () => {
  it.each(FUSION)('%s: %j', (_, text, rule) => {
    const rules = check(text, c3, { channels: 'rules' })
    expect(rules.hits.some((h) => h.rule === rule && h.verdict === 'review')).toBe(true)
    expect(scoreOf(text, rule)).toBeLessThan(floorOf(rule))
    const both = check(text, c3, { scores: true })
    expect(both.hits.some((h) => h.rule === rule)).toBe(false)
    // The rule then scores as the model does, not as a review hit of the rules (0.6 and more).
    expect(both.scores![rule]).toBeCloseTo(scoreOf(text, rule), 2)
  })

  it.each(FUSION)('c2 keeps it (%s)', (_, text, rule) => {
    expect(check(text, c2).hits.some((h) => h.rule === rule)).toBe(true)
  })
})

// KEPT rows: [why, text, rule]: the rules' hit stands in c3 with both channels.
const KEPT: [string, string, string][] = [
  // The same words with no clearing context: the model's doubt alone drops nothing.
  ['no clearing context', '开网店卖手工饰品，包邮哦', 'online-shops'],
  // A block hit stays, however low the model scores it and whatever the context.
  ['a block hit in a notice', '通知：请各位同事把涉密文件交回保密室登记', 'leaking-secrets'],
  // AA (c2's family lexicon: splitting a bill) is no clearing context in c3.
  ['a weak family cue', 'aa不转不是中国人', 'rumours'],
  // inappropriate-statements has no floor.
  ['a rule with no floor', '儿子，你算什么东西，也配跟我说话', 'inappropriate-statements'],
]

describe('fusion keeps what it must', () => {
  it.each(KEPT)('%s: %j', (_, text, rule) => {
    expect(check(text).hits.some((h) => h.rule === rule && h.channel !== 'model')).toBe(true)
  })
})

// INSULTS rows: [kind, text]: c3's rules find an inappropriate statement that c2's did not.
const INSULTS: [string, string][] = [
  ['pinyin initials of an insult (狗娘养的)', '你就是个gnyd'],
  ['one syllable of an insult in pinyin (王八蛋)', '王ba蛋'],
  ['contempt: who do you think you are', '你算什么东西，也配跟我说话'],
  ["boasting of one's turf", '在这一亩三分地，谁能把我怎么样'],
  ['cynicism about power', '有权不用过期作废'],
]

describe('inappropriate statements: insults and boasts in more forms', () => {
  it.each(INSULTS)('%s: %j', (_, text) => {
    expect(rulesOf(check(text, c3, { channels: 'rules' }))).toContain('inappropriate-statements')
    expect(rulesOf(check(text, c2, { channels: 'rules' }))).not.toContain(
      'inappropriate-statements',
    )
  })
})

describe('version 2 still adds its election clause under c3', () => {
  it.each([['选举期间给村民发红包'], ['换届前派红包给大家，到时候支持我']])('%j', (text) => {
    const verdict = (pack: typeof c3) =>
      check(text, pack, { channels: 'rules' }).hits.find((h) => h.rule === 'red-envelopes')?.verdict
    expect([verdict(c3v1), verdict(c3)]).toEqual(['review', 'block'])
  })
})

describe('without the model channel there is no fusion', () => {
  it.each(FUSION)('%s: the rules alone keep the hit', (_, text, rule) => {
    expect(rulesOf(check(text, c3, { channels: 'rules' }))).toContain(rule)
  })
})
