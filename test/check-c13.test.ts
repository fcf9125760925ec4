// Check version c13: c12's rules unchanged and a model retrained with eight more authors' lines
// (t56-t63, each with 30 more vote-rigging lines); on the real compiled packs and the committed
// model. c12 answers as it did (test/check-c12.test.ts).
import { describe, expect, it } from 'vitest'
import { checkModelFor, rulePackFor } from '../src/check/packs'
import { archive, checkWith, firstCheckVersions, hitPlaces, scoreFor } from './check-helpers'

const NOTICE = 'wechat-red-lines'
const c13 = (await rulePackFor(archive, NOTICE, 2, 13))!
const c13v1 = (await rulePackFor(archive, NOTICE, 1, 13))!
const c12 = (await rulePackFor(archive, NOTICE, 2, 12))!
const c12v1 = (await rulePackFor(archive, NOTICE, 1, 12))!
const model = (await checkModelFor(archive, NOTICE, 13))!
const before = (await checkModelFor(archive, NOTICE, 12))!

describe('c13 is the newest check version of both notice versions', () => {
  it('covers notice versions 1 and 2 after c1 to c12, and answers by default', async () => {
    expect([firstCheckVersions(NOTICE, 1, 13), firstCheckVersions(NOTICE, 2, 13)]).toEqual([
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
    ])
    expect(await rulePackFor(archive, NOTICE, 2)).toBe(c13)
    expect(await rulePackFor(archive, NOTICE, 1)).toBe(c13v1)
    expect([c13v1.version, c13.version, c13v1.checkVersion]).toEqual([1, 2, 13])
  })

  it("has a model of its own, of c12's size, and keeps c12's fusion", () => {
    expect(c13.model).toBe(model)
    expect(model.sha256).not.toBe(before.sha256)
    expect(model.slots.length).toBe(before.slots.length)
    expect(model.slots).not.toEqual(before.slots)
    expect([...c13.fusion!.floorLogit]).toEqual([...c12.fusion!.floorLogit])
    expect([...c13.fusion!.vetoLogit]).toEqual([...c12.fusion!.vetoLogit])
    expect([...c13.fusion!.blockFloorLogit]).toEqual([...c12.fusion!.blockFloorLogit])
  })
})

// Lines written for this test (in no data set).
const VOTES_BOUGHT = [
  "Online poll for best township: everyone vote 10 times a day, I'll top up your phones.",
  "Vote for Mr. Chen at the owners' meeting and your parking fee for next year is on him.",
]
const ORDINARY = [
  '业委会换届选举定在下周六上午九点，请各位业主带好房产证到小区会所投票。',
  '红包收到了，谢谢二姨，祝您身体健康！',
  '这次民主测评按规定无记名填写，填完直接投进票箱。',
  '明天的会改到下午三点，材料我晚上发群里。',
]

describe('c13: the same rules, a retrained model', () => {
  it.each([...VOTES_BOUGHT, ...ORDINARY])("its rules answer as c12's: %s", (text) => {
    const rules = { channels: 'rules' as const }
    expect(hitPlaces(checkWith(c13, text, rules))).toEqual(hitPlaces(checkWith(c12, text, rules)))
    expect(hitPlaces(checkWith(c13v1, text, rules))).toEqual(
      hitPlaces(checkWith(c12v1, text, rules)),
    )
  })

  it.each(VOTES_BOUGHT)(
    'a vote bought with a favour: c12 missed it, c13 reviews it: %s',
    (text) => {
      expect(checkWith(c12, text).hits.some((h) => h.rule === 'vote-rigging')).toBe(false)
      for (const pack of [c13, c13v1]) {
        const result = checkWith(pack, text)
        expect(result.verdict).toBe('review')
        const hit = result.hits.find((h) => h.rule === 'vote-rigging')!
        expect(hit.channel).toBe('model')
        expect(hit.score).toBeGreaterThan(scoreFor(before, text, 'vote-rigging'))
      }
    },
  )

  it.each(ORDINARY)('still passes: %s', (text) => {
    for (const pack of [c12, c13, c13v1]) expect(checkWith(pack, text).verdict).toBe('pass')
  })
})
