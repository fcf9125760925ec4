// Check version c8: c7's rules with one-character words no longer spelled by single look-alike
// characters (homophonesMinLength 2: 钱 is not also 前), and a model retrained with two authors
// of long messages (t36, t37); on the real compiled packs and the committed model. c7 answers as
// it did (test/check-c7.test.ts); c9 came after it (test/check-c9.test.ts).
import { describe, expect, it } from 'vitest'
import type { CheckResult } from '../src/check/engine'
import { checkModelFor, rulePackFor } from '../src/check/packs'
import { archive, checkWith, firstCheckVersions } from './check-helpers'

const NOTICE = 'wechat-red-lines'
const c8 = (await rulePackFor(archive, NOTICE, 2, 8))!
const c8v1 = (await rulePackFor(archive, NOTICE, 1, 8))!
const c7 = (await rulePackFor(archive, NOTICE, 2, 7))!
const c7v1 = (await rulePackFor(archive, NOTICE, 1, 7))!
const model = (await checkModelFor(archive, NOTICE, 8))!

const rulesOnly = { channels: 'rules' } as const
const lookAlike = (result: CheckResult) => result.hits.find((h) => h.channel === 'homophone')

describe('c8 covers both notice versions, with a model of its own', () => {
  it('covers notice versions 1 and 2 after c1 to c7', async () => {
    expect([firstCheckVersions(NOTICE, 1, 8), firstCheckVersions(NOTICE, 2, 8)]).toEqual([
      [1, 2, 3, 4, 5, 6, 7, 8],
      [1, 2, 3, 4, 5, 6, 7, 8],
    ])
    expect([c8v1.version, c8.version, c8v1.checkVersion]).toEqual([1, 2, 8])
  })

  it('carries its own model, not c7 one, and keeps c7 fusion', async () => {
    expect(c8.model).toBe(model)
    expect(model).not.toBe(await checkModelFor(archive, NOTICE, 7))
    expect(c8.fusion!.vetoTokens).toBe(c7.fusion!.vetoTokens)
    expect([...c8.fusion!.vetoLogit]).toEqual([...c7.fusion!.vetoLogit])
  })
})

describe('c8: a one-character word is not spelled by one ordinary character', () => {
  it.each([
    ['notice version 2', c7, c8],
    ['notice version 1', c7v1, c8v1],
  ])('a deadline before a list passes the rules of %s', (_, before, after) => {
    const text = '通知收到，我们科室周四前报名单。收到收到，辛苦了。'
    expect(lookAlike(checkWith(before, text, rulesOnly))?.match).toBe('前')
    expect(checkWith(after, text, rulesOnly).verdict).toBe('pass')
  })

  it.each([
    ['a split form of that word', '王局，项目的事多亏您费心，一点钅戋，请收下', '钅戋'],
    ['a look-alike inside a longer word', '王局，项目的事多亏您，这是一点心意，红苞请收下', '红苞'],
  ])('still a hit: %s', (_, text, match) => {
    const hit = lookAlike(checkWith(c8, text, rulesOnly))
    expect([hit?.rule, hit?.match]).toEqual(['red-envelopes', match])
  })
})

// Lines of the development set (test/fixtures/check/dev) on which c7 and c8 differ.
describe('c8: what its model changes', () => {
  it.each([
    ['a4-n103', '【视频会员】您订阅的纪录片频道已更新《人体的奥秘》第3集，点击观看。'],
    [
      'a6-n114',
      'The branch committee election will be by secret ballot on Tuesday at 3pm. Ballot papers will be handed out at the venue.',
    ],
    ['a8-n098', '小区团购群：今天樱桃39一斤，团长是驿站老板娘，需要的接龙。'],
  ])('a near miss c7 flagged now passes: %s', (_, text) => {
    expect(checkWith(c7, text).verdict).toBe('review')
    expect(checkWith(c8, text).verdict).toBe('pass')
  })

  it('a violation c7 missed is sent for review: a6-v032 (pornography)', () => {
    const text =
      "The 'documentary' I sent last night, skip to minute 12, the lead actress really commits to her role 😏 zero plot though lol"
    expect(checkWith(c7, text).verdict).toBe('pass')
    const hit = checkWith(c8, text).hits.find((h) => h.rule === 'pornography')
    expect([hit?.channel, hit?.verdict]).toEqual(['model', 'review'])
  })
})
