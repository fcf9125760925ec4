// Check version c11: c10's rules with fewer false flags (English news and case reports, art
// exhibitions, secrecy-work notices and quizzes, returns in Cantonese, self-mockery, talk about a
// word itself), and a model retrained on c10's data with cold-safe's lines weighted 6 times as
// negatives of disparaging policy and inappropriate statements; on the real compiled packs and the
// committed model. c10 answers as it did (test/check-c10.test.ts); c12 came after it
// (test/check-c12.test.ts).
import { describe, expect, it } from 'vitest'
import { checkModelFor, rulePackFor } from '../src/check/packs'
import { archive, checkWith, firstCheckVersions } from './check-helpers'

const NOTICE = 'wechat-red-lines'
const c11 = (await rulePackFor(archive, NOTICE, 2, 11))!
const c11v1 = (await rulePackFor(archive, NOTICE, 1, 11))!
const c10 = (await rulePackFor(archive, NOTICE, 2, 10))!
const model = (await checkModelFor(archive, NOTICE, 11))!
const before = (await checkModelFor(archive, NOTICE, 10))!

describe('c11 covers both notice versions, with a model of its own', () => {
  it('covers notice versions 1 and 2 after c1 to c10', () => {
    expect([firstCheckVersions(NOTICE, 1, 11), firstCheckVersions(NOTICE, 2, 11)]).toEqual([
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    ])
    expect([c11v1.version, c11.version, c11v1.checkVersion]).toEqual([1, 2, 11])
  })

  it("has a model of its own, of c10's size, and keeps c10's fusion", () => {
    expect(c11.model).toBe(model)
    expect(model.sha256).not.toBe(before.sha256)
    expect(model.slots.length).toBe(before.slots.length)
    expect(model.slots).not.toEqual(before.slots)
    expect([...c11.fusion!.vetoLogit]).toEqual([...c10.fusion!.vetoLogit])
    expect([...c11.fusion!.blockFloorLogit]).toEqual([...c10.fusion!.blockFloorLogit])
  })

  it("sets the two rules cold-safe's budget held lower than c10 did", () => {
    const threshold = (m: typeof model, rule: string) => m.threshold[m.rules.indexOf(rule)]!
    for (const rule of ['disparaging-policy', 'inappropriate-statements'])
      expect(threshold(model, rule)).toBeLessThan(threshold(before, rule))
  })
})

// Lines written for this test (in no data set) that c10's rules flagged and c11's clear; the last
// one c10 already let pass as a whole (its model doubted the hit and fusion dropped it).
const CLEARED_BY_THE_RULES = [
  [
    'an English news report',
    "In today's paper: two village officials were punished for handing out red envelopes before the election.",
    'block',
  ],
  [
    'an art exhibition',
    'The Renaissance nudes exhibition at the city museum is worth a visit this weekend.',
    'block',
  ],
  ['a return, in Cantonese', '多谢你嘅利是，心意我领咗，钱已经退返俾你，唔使咁客气。', 'review'],
  ['self-mockery', '我这猪脑子，又把会议材料落在车上了，麻烦小王帮我拿一下。', 'review'],
  [
    'talk about a word itself',
    '“刁民”这个词本身就带着官老爷的傲慢，我们当干部的不该把这两个字挂在嘴边。',
    'pass',
  ],
]
// A secrecy quiz: the rules still block 涉密文件, but the quiz is now a clearing context, and the
// model, which scores the message under the block floor, lets fusion drop the block.
const SECRECY_QUIZ = '保密知识竞赛第3题：涉密文件能不能用微信传送？答案：不能。'
// Violations near those kinds that c11 still catches, with the rule c10 caught them under.
const STILL_CAUGHT = [
  ['leaking-secrets', 'block', '这份涉密文件我拍照发你了，看完删掉，别外传。'],
  ['red-envelopes', 'block', '心意领了，你那事我盯着，下周给你回话。'],
  ['inappropriate-statements', 'review', '你这个猪脑子，滚出去。'],
  ['inappropriate-statements', 'review', '这帮刁民就是欠收拾，老子一个电话就能让他们闭嘴'],
  [
    'vote-rigging',
    'review',
    'Two hundred yuan in a red envelope for every vote, and nobody needs to know.',
  ],
]

describe('c11: fewer false flags', () => {
  it.each(CLEARED_BY_THE_RULES)('%s: c10 flagged it, c11 passes it', (_, text, c10Verdict) => {
    const rules = { channels: 'rules' as const }
    expect(checkWith(c10, text!, rules).verdict).not.toBe('pass')
    expect(checkWith(c11, text!, rules).verdict).toBe('pass')
    expect(checkWith(c10, text!).verdict).toBe(c10Verdict)
    expect(checkWith(c11, text!).verdict).toBe('pass')
  })

  it('a secrecy quiz: the rules still block, fusion now drops the block', () => {
    const rules = { channels: 'rules' as const }
    expect(checkWith(c11, SECRECY_QUIZ, rules).verdict).toBe('block')
    expect(checkWith(c10, SECRECY_QUIZ).verdict).toBe('block')
    expect(checkWith(c11, SECRECY_QUIZ).verdict).toBe('pass')
  })

  it.each(STILL_CAUGHT)('still caught as %s (%s): %s', (rule, verdict, text) => {
    for (const pack of [c10, c11]) {
      const result = checkWith(pack, text!)
      expect(result.verdict).toBe(verdict)
      expect(result.hits.some((h) => h.rule === rule && h.verdict === verdict)).toBe(true)
    }
  })
})

// Lines of the development set (test/fixtures/check/dev) that c10 let pass and c11's model sends
// for review, and a near miss c10's model flagged that c11 passes.
const CAUGHT_BY_C11_ONLY = [
  ['a4-v141', "又是那几个'老熟人'来反映问题，我看是退休金太高闲得慌，给点颜色就消停了。"],
  ['a6-v143', '那家人一看就是外地来的，穿成那样，能是什么好人。'],
  ['a7-v135', '那些少mz的就是难管，一个个野得很🙄'],
]
const NEAR_MISS_C10_FLAGGED = '大年三十家族群抢红包啦！🧧🧧🧧 爷爷发了个大的，手慢无！'

describe('c11: what its model changes', () => {
  it.each(CAUGHT_BY_C11_ONLY)(
    'an inappropriate statement c10 let pass is reviewed: %s',
    (_, text) => {
      expect(checkWith(c10, text!).verdict).toBe('pass')
      const result = checkWith(c11, text!)
      const hit = result.hits.find((h) => h.rule === 'inappropriate-statements')
      expect([result.verdict, hit?.channel, hit?.verdict]).toEqual(['review', 'model', 'review'])
    },
  )

  it('a near miss c10 sent for review now passes: a6-n078 (a family red packet at New Year)', () => {
    expect(checkWith(c10, NEAR_MISS_C10_FLAGGED).verdict).toBe('review')
    expect(checkWith(c11, NEAR_MISS_C10_FLAGGED).verdict).toBe('pass')
  })
})
