// Check version c12: c11's rules with words added for kinds the fresh halves showed missing (calls to
// forward, hearsay sources, regional slurs, livestream selling pushed on subordinates, preliminary
// statistics) and two kinds of false flag fewer, and a model retrained with nine more authors'
// lines (a10-a12, t50-t55); on the real compiled packs and the committed model. c11 answers as it
// did (test/check-c11.test.ts); c13 came after it (test/check-c13.test.ts).
import { describe, expect, it } from 'vitest'
import { checkModelFor, rulePackFor } from '../src/check/packs'
import { archive, checkWith, firstCheckVersions } from './check-helpers'

const NOTICE = 'wechat-red-lines'
const c12 = (await rulePackFor(archive, NOTICE, 2, 12))!
const c12v1 = (await rulePackFor(archive, NOTICE, 1, 12))!
const c11 = (await rulePackFor(archive, NOTICE, 2, 11))!
const c11v1 = (await rulePackFor(archive, NOTICE, 1, 11))!
const model = (await checkModelFor(archive, NOTICE, 12))!
const before = (await checkModelFor(archive, NOTICE, 11))!

describe('c12 covers both notice versions, with a model of its own', () => {
  it('covers notice versions 1 and 2 after c1 to c11', () => {
    expect([firstCheckVersions(NOTICE, 1, 12), firstCheckVersions(NOTICE, 2, 12)]).toEqual([
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    ])
    expect([c12v1.version, c12.version, c12v1.checkVersion]).toEqual([1, 2, 12])
  })

  it("has a model of its own, of c11's size, and keeps c11's fusion", () => {
    expect(c12.model).toBe(model)
    expect(model.sha256).not.toBe(before.sha256)
    expect(model.slots.length).toBe(before.slots.length)
    expect(model.slots).not.toEqual(before.slots)
    expect([...c12.fusion!.vetoLogit]).toEqual([...c11.fusion!.vetoLogit])
    expect([...c12.fusion!.blockFloorLogit]).toEqual([...c11.fusion!.blockFloorLogit])
  })
})

// Lines written for this test (in no data set): c11's rules let them pass, c12's find the rule,
// in notice version 2 and in version 1 alike.
const CAUGHT_BY_THE_RULES = [
  ['rumours', 'a call to forward', '后山发现野猪伤人了！大家今晚别上山，转发保平安🙏'],
  ['rumours', 'a hearsay source', '听我老表说，下个月镇上的学校要撤并，赶紧传到各个群里头。'],
  ['inappropriate-statements', 'a regional slur', '那些北佬冇质素，搞到周围污糟邋遢。'],
  ['inappropriate-statements', 'contempt for migrants', '这种低端人口就不该来，清走就对了。'],
  ['inappropriate-statements', 'an insult in Wu', '外地宁侪是戆大，搭伊拉讲啥道理。'],
  [
    'online-shops',
    'livestream selling pushed on subordinates',
    '我今晚在抖音直播卖土鸡蛋，链接发群里了，各站所同志每人至少支持两箱。',
  ],
  ['leaking-secrets', 'preliminary statistics', '二季度GDP初步核算是4.1%，正式发布前别对外说。'],
]
// Near misses c11's rules flagged and c12's pass.
const CLEARED_BY_THE_RULES = [
  [
    'a reminder not to open red envelopes',
    '你刚分管招商，老板们加你微信的会越来越多。记住一条：谁的红包都不要点，点了就说不清。',
  ],
  ['a line from a TV drama', '那部电视剧里的局长张嘴就是“这事我说了算”，演得真像。'],
]
// Violations near those kinds that c12 still catches.
const STILL_CAUGHT = [
  ['red-envelopes', '红包我收了，不要点开给别人看。'],
  ['red-envelopes', '心意领了，你那事我盯着，下周给你回话。'],
  ['inappropriate-statements', '这事我说了算，你们谁不服就试试。'],
]

describe('c12: what its rules change', () => {
  it.each(CAUGHT_BY_THE_RULES)('%s, %s: c11 missed it, c12 finds it', (rule, _, text) => {
    const rules = { channels: 'rules' as const }
    for (const [older, newer] of [
      [c11, c12],
      [c11v1, c12v1],
    ] as const) {
      expect(checkWith(older, text!, rules).hits.some((h) => h.rule === rule)).toBe(false)
      const result = checkWith(newer, text!, rules)
      expect(result.verdict).not.toBe('pass')
      expect(result.hits.some((h) => h.rule === rule && h.channel !== 'model')).toBe(true)
      expect(checkWith(newer, text!).hits.some((h) => h.rule === rule)).toBe(true)
    }
  })

  it.each(CLEARED_BY_THE_RULES)('%s: c11 flagged it, c12 passes it', (_, text) => {
    expect(checkWith(c11, text!, { channels: 'rules' }).verdict).not.toBe('pass')
    expect(checkWith(c12, text!, { channels: 'rules' }).verdict).toBe('pass')
    expect(checkWith(c12, text!).verdict).toBe('pass')
  })

  it.each(STILL_CAUGHT)('still caught as %s: %s', (rule, text) => {
    for (const pack of [c11, c12]) {
      const result = checkWith(pack, text!)
      expect(result.verdict).not.toBe('pass')
      expect(result.hits.some((h) => h.rule === rule)).toBe(true)
    }
  })
})
