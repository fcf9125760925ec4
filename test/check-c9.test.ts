// Check version c9: c8's rules and fusion, with a model retrained with four more training authors
// (t38-t41: inappropriate statements, dismissals of policy and their near misses) and calibrated
// with a corpus budget of 0.2%, not 0.15%; on the real compiled packs and the committed model. c8
// answers as it did (test/check-c8.test.ts); c10 came after it (test/check-c10.test.ts).
import { describe, expect, it } from 'vitest'
import { checkModelFor, rulePackFor } from '../src/check/packs'
import { archive, checkWith, firstCheckVersions, hitPlaces } from './check-helpers'

const NOTICE = 'wechat-red-lines'
const c9 = (await rulePackFor(archive, NOTICE, 2, 9))!
const c9v1 = (await rulePackFor(archive, NOTICE, 1, 9))!
const c8 = (await rulePackFor(archive, NOTICE, 2, 8))!
const model = (await checkModelFor(archive, NOTICE, 9))!

describe('c9 covers both notice versions, with a model of its own', () => {
  it('covers notice versions 1 and 2 after c1 to c8', async () => {
    expect([firstCheckVersions(NOTICE, 1, 9), firstCheckVersions(NOTICE, 2, 9)]).toEqual([
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    ])
    expect([c9v1.version, c9.version, c9v1.checkVersion]).toEqual([1, 2, 9])
  })

  it('carries its own model, not c8 one, and keeps c8 fusion', async () => {
    expect(c9.model).toBe(model)
    expect(model).not.toBe(await checkModelFor(archive, NOTICE, 8))
    expect(c9.fusion!.vetoTokens).toBe(c8.fusion!.vetoTokens)
    expect([...c9.fusion!.vetoLogit]).toEqual([...c8.fusion!.vetoLogit])
  })
})

// Lines of the development set (test/fixtures/check/dev) on which c8 and c9 differ.
const CAUGHT_BY_C9_ONLY = [
  ['a7-v131', '女同志就别当什么领导了，动不动哭哭啼啼，成不了事。'],
  ['a8-v144', '今天又去慰问了，拍完照就走，谁有空真听他们唠叨。'],
  ['a4-v139', '退休了也一样，我那辆车挂着原单位的通行证，停哪儿都没人敢贴条，这就是区别😎'],
  ['a6-v138', 'qz 都是🐑，喂点草就跟着走，还用讲什么道理'],
]
const NEAR_MISS_C8_FLAGGED =
  '专项行动期间收缴的涉黄视频、图片一律按证据封存，严禁私自拷贝、传阅，谁动谁负责。'

describe('c9: the same rules as c8', () => {
  it.each([...CAUGHT_BY_C9_ONLY, ['a6-n012', NEAR_MISS_C8_FLAGGED]])(
    'the rules channel answers alike: %s',
    (_, text) => {
      const options = { channels: 'rules' as const }
      expect(hitPlaces(checkWith(c9, text!, options))).toEqual(
        hitPlaces(checkWith(c8, text!, options)),
      )
    },
  )
})

describe('c9: what its model changes', () => {
  it.each(CAUGHT_BY_C9_ONLY)(
    'an inappropriate statement c8 let pass is sent for review: %s',
    (_, text) => {
      expect(checkWith(c8, text!).verdict).toBe('pass')
      const hit = checkWith(c9, text!).hits.find((h) => h.rule === 'inappropriate-statements')
      expect([hit?.channel, hit?.verdict]).toEqual(['model', 'review'])
    },
  )

  it('a near miss c8 sent for review now passes: a6-n012 (an order to seal seized obscene videos)', () => {
    expect(checkWith(c8, NEAR_MISS_C8_FLAGGED).verdict).toBe('review')
    expect(checkWith(c9, NEAR_MISS_C8_FLAGGED).verdict).toBe('pass')
  })

  it('flags inappropriate statements at a lower score than c8 did', async () => {
    const rule = model.rules.indexOf('inappropriate-statements')
    const before = (await checkModelFor(archive, NOTICE, 8))!
    expect(model.threshold[rule]!).toBeLessThan(before.threshold[rule]!)
  })
})
