// Check version c4: fusion's veto (a review hit goes wherever the model is all but sure its rule
// is not crossed, in a message long enough to tell) and block floor (a block hit goes in a
// clearing context when the model is all but sure), on the real compiled packs and the committed
// model; c3 answers as it did (test/check-c3.test.ts).
import { describe, expect, it } from 'vitest'
import type { CheckResult } from '../src/check/engine'
import { checkModelFor, rulePackFor } from '../src/check/packs'
import { archive, checkWith, firstCheckVersions, fusionScore, scoreFor } from './check-helpers'

const NOTICE = 'wechat-red-lines'
const c4 = (await rulePackFor(archive, NOTICE, 2, 4))!
const c4v1 = (await rulePackFor(archive, NOTICE, 1, 4))!
const c3 = (await rulePackFor(archive, NOTICE, 2, 3))!
const model = (await checkModelFor(archive, NOTICE, 4))!

const check = (text: string, pack = c4, options = {}) => checkWith(pack, text, options)
const scoreOf = (text: string, rule: string) => scoreFor(model, text, rule)
const vetoOf = (rule: string) => fusionScore(c4, 'vetoLogit', rule)
const blockFloorOf = (rule: string) => fusionScore(c4, 'blockFloorLogit', rule)
const has = (result: CheckResult, rule: string, verdict?: string) =>
  result.hits.some(
    (h) => h.rule === rule && h.channel !== 'model' && (!verdict || h.verdict === verdict),
  )

describe('c4 covers both notice versions, with a model of its own', () => {
  it('covers notice versions 1 and 2 after c1 to c3', () => {
    // c5 came after it (test/check-c5.test.ts).
    expect([firstCheckVersions(NOTICE, 1, 4), firstCheckVersions(NOTICE, 2, 4)]).toEqual([
      [1, 2, 3, 4],
      [1, 2, 3, 4],
    ])
    expect([c4v1.version, c4.version, c4v1.checkVersion, c4.checkVersion]).toEqual([1, 2, 4, 4])
  })

  it('carries its own model, not c3 one', async () => {
    expect(c4.model).toBe(model)
    expect(model).not.toBe(await checkModelFor(archive, NOTICE, 3))
  })

  it('vetoes below 0.02 from 20 characters on and drops block hits below 0.05; c3 does neither', () => {
    for (const { id } of c4.rules) {
      expect(vetoOf(id)).toBeCloseTo(0.02, 10)
      expect(blockFloorOf(id)).toBeCloseTo(0.05, 10)
    }
    expect(c4.fusion!.vetoLength).toBe(20)
    expect(c4v1.fusion!.vetoLength).toBe(20)
    expect(
      [...c3.fusion!.vetoLogit, ...c3.fusion!.blockFloorLogit].every((l) => l === -Infinity),
    ).toBe(true)
  })
})

// A set phrase of the rules that the model never learnt (it scores rumours near 0 for it).
const PHRASE = '不转不是中国人'
const PADDED = `明天上午九点在三楼会议室开会，${PHRASE}`

describe('the veto: a review hit goes wherever the model is all but sure', () => {
  it('drops the hit in a message of 20 characters or more, with no clearing context', () => {
    expect(PADDED.length).toBeGreaterThanOrEqual(20)
    expect(has(check(PADDED, c4, { channels: 'rules' }), 'rumours', 'review')).toBe(true)
    expect(scoreOf(PADDED, 'rumours')).toBeLessThan(vetoOf('rumours'))
    const both = check(PADDED, c4, { scores: true })
    expect(both.verdict).toBe('pass')
    // The rule then scores as the model does, not as a review hit of the rules.
    expect(both.scores!.rumours).toBeCloseTo(scoreOf(PADDED, 'rumours'), 2)
  })

  it('keeps it in a shorter message, which tells the model too little to be sure', () => {
    expect(PHRASE.length).toBeLessThan(20)
    expect(scoreOf(PHRASE, 'rumours')).toBeLessThan(vetoOf('rumours'))
    expect(has(check(PHRASE), 'rumours', 'review')).toBe(true)
  })

  it('c3, which has no veto, keeps it', () => {
    expect(has(check(PADDED, c3), 'rumours', 'review')).toBe(true)
  })
})

describe('the block floor: a block hit goes in a clearing context when the model is all but sure', () => {
  const NOTICE_TEXT = '通知：请各位同事把涉密文件交回保密室登记'
  it('drops the block hit of a notice that asks for secret files back', () => {
    expect(has(check(NOTICE_TEXT, c4, { channels: 'rules' }), 'leaking-secrets', 'block')).toBe(
      true,
    )
    expect(scoreOf(NOTICE_TEXT, 'leaking-secrets')).toBeLessThan(blockFloorOf('leaking-secrets'))
    expect(check(NOTICE_TEXT).verdict).toBe('pass')
    expect(check(NOTICE_TEXT, c3).verdict).toBe('block')
  })

  it.each([
    // No clearing context: a block hit stays, whatever the model says.
    ['涉密文件'],
    // The model is sure of a leak.
    ['这份涉密文件你先看看，看完删掉，别外传出去'],
  ])('keeps a block hit elsewhere: %j', (text) => {
    expect(check(text).verdict).toBe('block')
  })
})

describe('without the model channel there is no fusion in c4 either', () => {
  it.each([[PADDED], ['通知：请各位同事把涉密文件交回保密室登记']])('%j', (text) => {
    expect(check(text, c4, { channels: 'rules' }).verdict).not.toBe('pass')
  })
})
