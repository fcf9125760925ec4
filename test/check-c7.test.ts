// Check version c7: c6's rules and fusion, with a model retrained on the same data with near
// misses and the corpora's ordinary lines weighted more (24 and 10, not 8 and 4); on the real
// compiled packs and the committed model. c6 answers as it did (test/check-c6.test.ts); c8 came
// after it (test/check-c8.test.ts).
import { describe, expect, it } from 'vitest'
import { checkModelFor, rulePackFor } from '../src/check/packs'
import { archive, checkWith, firstCheckVersions, hitPlaces } from './check-helpers'

const NOTICE = 'wechat-red-lines'
const c7 = (await rulePackFor(archive, NOTICE, 2, 7))!
const c7v1 = (await rulePackFor(archive, NOTICE, 1, 7))!
const c6 = (await rulePackFor(archive, NOTICE, 2, 6))!
const model = (await checkModelFor(archive, NOTICE, 7))!

describe('c7 covers both notice versions, with a model of its own', () => {
  it('covers notice versions 1 and 2 after c1 to c6', async () => {
    expect([firstCheckVersions(NOTICE, 1, 7), firstCheckVersions(NOTICE, 2, 7)]).toEqual([
      [1, 2, 3, 4, 5, 6, 7],
      [1, 2, 3, 4, 5, 6, 7],
    ])
    expect([c7v1.version, c7.version, c7v1.checkVersion]).toEqual([1, 2, 7])
  })

  it('carries its own model, not c6 one, and keeps c6 fusion', async () => {
    expect(c7.model).toBe(model)
    expect(model).not.toBe(await checkModelFor(archive, NOTICE, 6))
    expect(c7.fusion!.vetoTokens).toBe(c6.fusion!.vetoTokens)
    expect([...c7.fusion!.vetoLogit]).toEqual([...c6.fusion!.vetoLogit])
  })
})

// Lines of the development set (test/fixtures/check/dev) on which the two versions differ.
const NEAR_MISS_BLOCKED_BY_C6 = [
  [
    'a2-n084',
    '老婆，孩子的平板我装了绿色上网软件，能屏蔽色情网站那种，你回家看看家长模式怎么设置。',
  ],
  ['a6-n060', '【净网行动】发现色情网站、淫秽直播，请通过12377举报，让网络空间清朗起来。'],
]
const CAUGHT_BY_C7_ONLY = [
  [
    'a2-v105',
    'leaking-secrets',
    '下周三上午会有人去你们工地看看，该收拾的自己收拾好，其他的我就不多讲了',
  ],
  [
    'a8-v041',
    'rumours',
    'Heard from a friend the district head was taken away by the discipline commission last night, pass it on to the others',
  ],
]

describe('c7: the same rules as c6', () => {
  it.each([...NEAR_MISS_BLOCKED_BY_C6, ...CAUGHT_BY_C7_ONLY.map(([id, , text]) => [id, text])])(
    'the rules channel answers alike: %s',
    (_, text) => {
      const options = { channels: 'rules' as const }
      expect(hitPlaces(checkWith(c7, text!, options))).toEqual(
        hitPlaces(checkWith(c6, text!, options)),
      )
    },
  )
})

describe('c7: what its model changes', () => {
  it.each(NEAR_MISS_BLOCKED_BY_C6)('a near miss c6 blocked now passes: %s', (_, text) => {
    expect(checkWith(c6, text!).verdict).toBe('block')
    expect(checkWith(c7, text!, { channels: 'rules' }).verdict).toBe('block')
    // The model scores it below the veto, so the rules' block does not stand.
    expect(checkWith(c7, text!).verdict).toBe('pass')
  })

  it.each(CAUGHT_BY_C7_ONLY)(
    'a violation c6 missed is sent for review: %s (%s)',
    (_, rule, text) => {
      expect(checkWith(c6, text!).verdict).toBe('pass')
      const hit = checkWith(c7, text!).hits.find((h) => h.rule === rule)
      expect([hit?.channel, hit?.verdict]).toEqual(['model', 'review'])
      expect(hit!.score).toBeGreaterThan(0.5)
    },
  )
})
