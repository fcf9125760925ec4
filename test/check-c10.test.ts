// Check version c10: c9's rules and fusion, with a model of twice the slots (slotBits 16: c9's
// 45,430 features shared 32,768 slots) retrained with eight more training authors (t42-t49:
// inappropriate statements, dismissals of policy and their near misses); on the real compiled
// packs and the committed model. c9 answers as it did (test/check-c9.test.ts); c11 came after it
// (test/check-c11.test.ts).
import { describe, expect, it } from 'vitest'
import { checkModelFor, rulePackFor } from '../src/check/packs'
import { archive, checkWith, firstCheckVersions, hitPlaces } from './check-helpers'

const NOTICE = 'wechat-red-lines'
const c10 = (await rulePackFor(archive, NOTICE, 2, 10))!
const c10v1 = (await rulePackFor(archive, NOTICE, 1, 10))!
const c9 = (await rulePackFor(archive, NOTICE, 2, 9))!
const model = (await checkModelFor(archive, NOTICE, 10))!
const before = (await checkModelFor(archive, NOTICE, 9))!

describe('c10 covers both notice versions, with a model of its own', () => {
  it('covers notice versions 1 and 2 after c1 to c9', async () => {
    expect([firstCheckVersions(NOTICE, 1, 10), firstCheckVersions(NOTICE, 2, 10)]).toEqual([
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    ])
    expect([c10v1.version, c10.version, c10v1.checkVersion]).toEqual([1, 2, 10])
  })

  it('carries its own model, of twice the slots of c9 one, and keeps c9 fusion', () => {
    expect(c10.model).toBe(model)
    expect(model).not.toBe(before)
    expect(model.slots.length).toBe(2 * before.slots.length)
    expect([model.slotShift, before.slotShift]).toEqual([16, 17])
    expect(model.sha256).not.toBe(before.sha256)
    expect(c10.fusion!.vetoTokens).toBe(c9.fusion!.vetoTokens)
    expect([...c10.fusion!.vetoLogit]).toEqual([...c9.fusion!.vetoLogit])
  })
})

// Lines of the development set (test/fixtures/check/dev) that c9 let pass and c10 sends for review.
const CAUGHT_BY_C10_ONLY = [
  ['a2-v134', 'inappropriate-statements', '呢班友真係廢柴，冇腦嘅，投訴咩啫，我睬你都傻'],
  ['a6-v130', 'inappropriate-statements', '河南人没几个好东西，办案的时候都多留个心眼。'],
  [
    'a8-v142',
    'inappropriate-statements',
    '天天打12345的多半是闲得没事的退休老头老太，随便回个“已转办”就行，他们看不懂。',
  ],
  [
    'a8-v018',
    'disparaging-policy',
    '今天集中学习了新提法，感触很深：口号越长，兑现越短；文件越厚，老百姓越薄。',
  ],
]
// A near miss of the development set that c9's model sent for review and c10's lets pass.
const NEAR_MISS_C9_FLAGGED = '【视频会员】您订阅的纪录片频道已更新《人体的奥秘》第3集，点击观看。'

describe('c10: the same rules as c9', () => {
  it.each([
    ...CAUGHT_BY_C10_ONLY.map(([id, , text]) => [id, text]),
    ['a4-n103', NEAR_MISS_C9_FLAGGED],
  ])('the rules channel answers alike: %s', (_, text) => {
    const options = { channels: 'rules' as const }
    expect(hitPlaces(checkWith(c10, text!, options))).toEqual(
      hitPlaces(checkWith(c9, text!, options)),
    )
  })
})

describe('c10: what its model changes', () => {
  it.each(CAUGHT_BY_C10_ONLY)('a line c9 let pass is sent for review: %s (%s)', (_, rule, text) => {
    expect(checkWith(c9, text!).verdict).toBe('pass')
    const result = checkWith(c10, text!)
    const hit = result.hits.find((h) => h.rule === rule)
    expect([result.verdict, hit?.channel, hit?.verdict]).toEqual(['review', 'model', 'review'])
  })

  it('a near miss c9 sent for review now passes: a4-n103 (a documentary about the human body)', () => {
    expect(checkWith(c9, NEAR_MISS_C9_FLAGGED).verdict).toBe('review')
    expect(checkWith(c10, NEAR_MISS_C9_FLAGGED).verdict).toBe('pass')
  })
})
