// Check version c5: the same rules as c4 with a stronger veto (a review hit goes when the model
// scores its rule below 0.1, leaks below 0.05, in a message of 20 characters or more) and a model
// retrained with more authors, on the real compiled packs and the committed model; c4 answers as
// it did (test/check-c4.test.ts).
import { describe, expect, it } from 'vitest'
import type { CheckResult } from '../src/check/engine'
import { countTokens } from '../src/check/model'
import { checkModelFor, rulePackFor } from '../src/check/packs'
import { archive, checkWith, firstCheckVersions, fusionScore, scoreFor } from './check-helpers'

const NOTICE = 'wechat-red-lines'
const c5 = (await rulePackFor(archive, NOTICE, 2, 5))!
const c5v1 = (await rulePackFor(archive, NOTICE, 1, 5))!
const c4 = (await rulePackFor(archive, NOTICE, 2, 4))!
const model = (await checkModelFor(archive, NOTICE, 5))!

const check = (text: string, pack = c5, options = {}) => checkWith(pack, text, options)
const scoreOf = (text: string, rule: string) => scoreFor(model, text, rule)
const vetoOf = (rule: string, pack = c5) => fusionScore(pack, 'vetoLogit', rule)
const hasRulesHit = (result: CheckResult, rule: string) =>
  result.hits.some((h) => h.rule === rule && h.channel !== 'model')

describe('c5 covers both notice versions, with a model of its own', () => {
  it('covers notice versions 1 and 2 after c1 to c4', async () => {
    // c6 came after it (test/check-c6.test.ts).
    expect([firstCheckVersions(NOTICE, 1, 5), firstCheckVersions(NOTICE, 2, 5)]).toEqual([
      [1, 2, 3, 4, 5],
      [1, 2, 3, 4, 5],
    ])
    expect([c5v1.version, c5.version, c5v1.checkVersion]).toEqual([1, 2, 5])
  })

  it('carries its own model, not c4 one', async () => {
    expect(c5.model).toBe(model)
    expect(model).not.toBe(await checkModelFor(archive, NOTICE, 4))
  })

  it('vetoes below 0.1 (leaks below 0.05) from 20 characters on; c4 below 0.02', () => {
    for (const { id } of c5.rules) {
      expect(vetoOf(id)).toBeCloseTo(id === 'leaking-secrets' ? 0.05 : 0.1, 10)
      expect(vetoOf(id, c4)).toBeCloseTo(0.02, 10)
    }
    expect([c5.fusion!.vetoLength, c5v1.fusion!.vetoLength]).toEqual([20, 20])
    expect([c5.fusion!.vetoTokens, c5v1.fusion!.vetoTokens, c4.fusion!.vetoTokens]).toEqual([
      16, 16, 0,
    ])
  })
})

describe('the stronger veto', () => {
  // A cadre laughing at himself, with a word of the insult list, which the model scores between
  // the two vetoes.
  const SELF_MOCKING = "今天在田坎上摔了个狗吃屎，村民笑我是'泥巴书记'，我也跟到笑，巴适"
  it('drops a review hit c4 keeps when the model scores the rule between 0.02 and 0.1', () => {
    expect(SELF_MOCKING.length).toBeGreaterThanOrEqual(20)
    expect(
      hasRulesHit(check(SELF_MOCKING, c5, { channels: 'rules' }), 'inappropriate-statements'),
    ).toBe(true)
    const score = scoreOf(SELF_MOCKING, 'inappropriate-statements')
    expect(score).toBeGreaterThan(vetoOf('inappropriate-statements', c4))
    expect(score).toBeLessThan(vetoOf('inappropriate-statements'))
    expect(check(SELF_MOCKING).verdict).toBe('pass')
    expect(check(SELF_MOCKING, c4).verdict).toBe('review')
  })

  it.each([
    // Short: the veto does not apply.
    ['你这个猪队友'],
    // An insult the model is sure of.
    ['你个猪队友，脑子被驴踢了吧，滚出我们科室，看见你就恶心'],
  ])('keeps the hit elsewhere: %j', (text) => {
    expect(check(text).verdict).not.toBe('pass')
  })
})

describe('tokens, as the veto counts them', () => {
  it.each([
    ['', 0],
    ['红包', 2],
    ['红 包，收到！', 4],
    ['This is an internal document', 5],
    ["don't", 2],
    ['转账 500 元', 4],
    ['po\u200brn', 1],
    ['¥500', 2],
    ['👍👍', 0],
    ['ｈｅｌｌｏ　世界', 3],
    ['𝐡𝐞𝐥𝐥𝐨', 1],
  ])('%j has %i', (text, tokens) => {
    expect(countTokens(model.fold, model.styled, text)).toBe(tokens)
  })

  // Ten English words: 60 characters, yet too few tokens for the veto (the model has read far
  // less English than Chinese).
  const ENGLISH = 'My online store is open, colleagues get a discount'
  it('keeps a review hit in a message of fewer than 16 tokens, however many characters', () => {
    expect(ENGLISH.length).toBeGreaterThanOrEqual(20)
    expect(countTokens(model.fold, model.styled, ENGLISH)).toBeLessThan(16)
    expect(scoreOf(ENGLISH, 'online-shops')).toBeLessThan(vetoOf('online-shops'))
    expect(hasRulesHit(check(ENGLISH), 'online-shops')).toBe(true)
  })

  it('vetoes the same hit in a longer English message the model is sure of', () => {
    const longer = `Morning all, the quarterly figures are in the shared folder, and ${ENGLISH.toLowerCase()} today`
    expect(countTokens(model.fold, model.styled, longer)).toBeGreaterThanOrEqual(16)
    const rules = hasRulesHit(check(longer, c5, { channels: 'rules' }), 'online-shops')
    expect(rules).toBe(true)
    const score = scoreOf(longer, 'online-shops')
    expect(hasRulesHit(check(longer), 'online-shops')).toBe(score >= vetoOf('online-shops'))
  })
})
