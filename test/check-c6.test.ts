// Check version c6: c5's rules with inappropriate statements' lexicons much enlarged (insults and
// their disguises, groups of people and the ways of scorning them, boasts of power, relatives in
// office), a message-wide pass for reported speech, and a model recalibrated for those rules; on
// the real compiled packs and the committed model. c5 answers as it did (test/check-c5.test.ts);
// c7 came after it (test/check-c7.test.ts).
import { describe, expect, it } from 'vitest'
import type { CheckResult } from '../src/check/engine'
import { checkModelFor, rulePackFor } from '../src/check/packs'
import { archive, checkWith, firstCheckVersions } from './check-helpers'

const NOTICE = 'wechat-red-lines'
const c6 = (await rulePackFor(archive, NOTICE, 2, 6))!
const c6v1 = (await rulePackFor(archive, NOTICE, 1, 6))!
const c5 = (await rulePackFor(archive, NOTICE, 2, 5))!
const model = (await checkModelFor(archive, NOTICE, 6))!

const RULE = 'inappropriate-statements'
const rulesHit = (result: CheckResult) =>
  result.hits.find((h) => h.rule === RULE && h.channel !== 'model')

describe('c6 covers both notice versions, with a model of its own', () => {
  it('covers notice versions 1 and 2 after c1 to c5', async () => {
    expect([firstCheckVersions(NOTICE, 1, 6), firstCheckVersions(NOTICE, 2, 6)]).toEqual([
      [1, 2, 3, 4, 5, 6],
      [1, 2, 3, 4, 5, 6],
    ])
    expect([c6v1.version, c6.version, c6v1.checkVersion]).toEqual([1, 2, 6])
  })

  it('carries its own model, not c5 one, and keeps c5 fusion', async () => {
    expect(c6.model).toBe(model)
    expect(model).not.toBe(await checkModelFor(archive, NOTICE, 5))
    expect(c6.fusion!.vetoTokens).toBe(c5.fusion!.vetoTokens)
    expect([...c6.fusion!.vetoLogit]).toEqual([...c5.fusion!.vetoLogit])
  })
})

describe('c6: inappropriate statements the rules now name, where c5 rules found nothing', () => {
  it.each([
    ['a dialect insult', '你个鳖孙，材料又交错了', '鳖孙'],
    ['a curse in pinyin initials', 'wcnmd，钱都给你批了你还整不明白', 'wcnmd'],
    ['a disguised insult aimed at people', '你们这些傻13', '傻13'],
    ['a group and a sweeping scorn', '这帮贫困户好吃懒做，扶不起来', '贫困户'],
    ['a relative in office', '我姐夫是副县长，这事你放心', '我姐夫是副县长'],
  ])('%s: %s', (_, text, match) => {
    expect(rulesHit(checkWith(c5, text, { channels: 'rules' }))?.match).not.toBe(match)
    const hit = rulesHit(checkWith(c6, text))
    expect(hit?.match).toBe(match)
    expect(hit?.verdict).toBe('review')
  })
})

describe('c6: what must still pass', () => {
  it.each([
    [
      'speech reported as evidence',
      '笔录整理好了，当事人原话是“你们都是一群废物”，按要求如实记录。',
    ],
    ['a class for children with a disability', '我们学校新开了智障儿童康复班，欢迎家长咨询'],
    ['banter among friends in dialect', '老王你个瓜娃子，麻将桌上又放炮，今晚火锅你请哈'],
    ['a disguised insult aimed at no one', '傻13，又迟到'],
  ])('%s: %s', (_, text) => {
    expect(checkWith(c6, text).verdict).toBe('pass')
  })

  it('reported speech clears what the rules would flag without it', () => {
    const quoted = '情景模拟：群众说“你们这些吃干饭的”，请写出你作为接访干部的回应。'
    expect(rulesHit(checkWith(c6, quoted, { channels: 'rules' }))).toBeUndefined()
    expect(rulesHit(checkWith(c6, '你们这些吃干饭的', { channels: 'rules' }))).toBeDefined()
  })
})
