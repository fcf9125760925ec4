// The learned channel (src/check/model.ts) with the committed model, as the Worker loads it from
// the built data module (src/generated/checkmodels.*).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import manifest from '../content/notices/wechat-red-lines/checks/c2/model/model.json'
import {
  bestLogit,
  countTokens,
  scanFeatures,
  scanned,
  scoreInto,
  SLOT_WORDS,
  scoreMessage,
  tokensScanned,
  type CheckModel,
  type ModelScore,
} from '../src/check/model'
import { checkModelFor, rulePackFor } from '../src/check/packs'
import { archive } from './check-helpers'

const model = (await checkModelFor(archive, 'wechat-red-lines', 2)) as CheckModel
const score = (text: string): ModelScore[] => {
  const scores = scoreMessage(model, text)
  for (const s of scores) {
    expect(s.score).toBeGreaterThanOrEqual(0)
    expect(s.score).toBeLessThanOrEqual(1)
    expect(0 <= s.start && s.start <= s.end && s.end <= text.length).toBe(true)
  }
  return scores
}
/**
 * The hashes of the features of text, sorted (so the order they were found in does not matter),
 * under FEATURES_UNIGRAMS (every committed model's) or, with pairs, FEATURES_PAIRS (experiments).
 */
const featuresOf = (text: string, pairs = false) => {
  const count = scanFeatures(model.fold, model.styled, text, pairs)
  const { features, sentences } = scanned()
  return [...features.subarray(0, count ? sentences[4 * count - 3] : 0)].sort()
}
const flagged = (text: string) =>
  score(text)
    .filter((s) => s.flagged)
    .map((s) => s.rule)
const of = (text: string, rule: string) => score(text).find((s) => s.rule === rule) as ModelScore

describe('the committed model', () => {
  it('is built into the Worker with the rules of the notice it checks', async () => {
    expect(model).toBeDefined()
    expect(await checkModelFor(archive, 'wechat-red-lines', 1)).toBeUndefined()
    expect(await checkModelFor(archive, 'no-such-notice', 2)).toBeUndefined()
    expect(model.rules).toEqual(
      (await rulePackFor(archive, 'wechat-red-lines', 2))?.rules.map((r) => r.id),
    )
    expect(model.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect([...model.threshold]).toEqual(manifest.threshold)
  })

  // The training script scored these lines in Node with the tables it wrote; the Worker, reading
  // the committed files through the build, must get the very same numbers.
  it.each(manifest.reference.map((r) => [r.text, r] as const))(
    'scores %j exactly as training did',
    (text, reference) => {
      const scores = score(text)
      expect(scores.map((s) => s.score)).toEqual(reference.scores)
      expect(scores.filter((s) => s.flagged).map((s) => s.rule)).toEqual(reference.flagged)
    },
  )
})

describe('scores messages', () => {
  it.each([
    ['disparaging-policy', '这个政策就是拍脑袋定的，纯属瞎折腾，上面根本不管下面死活'],
    ['rumours', '内部消息，下周全市封城，赶紧去超市囤货，转发给亲戚朋友'],
    ['red-envelopes', '王局，这是一点心意，红包请收下，项目的事多费心'],
    ['vote-rigging', '明天选举投老张一票，投了的每人发两百块，名单我记着'],
    ['online-shops', '本人代购正品面膜，一盒98包邮，需要的私聊下单'],
  ])('flags %s: %j', (rule, text) => {
    expect(flagged(text)).toContain(rule)
  })

  it.each([
    '明天上午九点在三楼会议室开会，请各位准时参加。',
    '好的，我下午把材料送到您办公室',
    'See you at the station at 6, bring the tickets.',
    '',
    '。。。！！！   ',
  ])('leaves %j alone', (text) => {
    expect(flagged(text)).toEqual([])
  })

  it('reports the sentence that scored highest as the span', () => {
    const text = '大家辛苦了。今天的材料都交齐了。王局，红包收下吧，项目的事多费心。周末愉快！'
    const s = of(text, 'red-envelopes')
    expect(text.slice(s.start, s.end)).toBe('王局，红包收下吧，项目的事多费心')
    expect(s.flagged).toBe(true)
  })

  it('gives a text without features its biases and an empty span', () => {
    for (const s of score(' ，。!? \u200b')) {
      expect([s.start, s.end]).toEqual([0, 0])
      expect(s.flagged).toBe(false)
    }
  })

  it('reads disguised writing as the plain text', () => {
    expect(featuresOf('紅包')).toEqual(featuresOf('红包'))
    const plain = score('王局，红包请收下，项目的事多费心').map((s) => s.score)
    for (const disguised of [
      '王局，紅包請收下，項目的事多費心',
      '王局，红 包请收下，项目的事多费心',
      '王局，红\u200b包请收下，项目的事多费心',
      '王局，红*包请收下，项目的事多费心',
      '王局，红包包包请收下，项目的事多费心',
    ])
      expect(score(disguised).map((s) => s.score)).toEqual(plain)
    const ascii = score('free porn videos here').map((s) => s.score)
    expect(score('free ＰＯＲＮ videos here').map((s) => s.score)).toEqual(ascii)
    expect(score('free 𝐩𝐨𝐫𝐧 videos here').map((s) => s.score)).toEqual(ascii)
    expect(score('FREE PORN VIDEOS HERE').map((s) => s.score)).toEqual(ascii)
  })

  it('keeps Latin words apart and joins what invisible marks split', () => {
    expect(featuresOf('po\u200brn')).toEqual(featuresOf('porn'))
    expect(featuresOf('PORN')).toEqual(featuresOf('porn'))
    expect(featuresOf('po rn')).not.toEqual(featuresOf('porn'))
    expect(featuresOf('po rn')).toHaveLength(3) // po, rn and the bigram
  })

  it('ends bigrams at a sentence, and counts a repeated token once', () => {
    expect(featuresOf('红包')).toHaveLength(3)
    expect(featuresOf('红。包')).toHaveLength(2)
    expect(featuresOf('哈哈哈哈')).toEqual(featuresOf('哈'))
    expect(featuresOf('发300元')).toEqual(featuresOf('发5元'))
    expect(featuresOf('贿🌹选')).toEqual([...featuresOf('贿选'), ...featuresOf('🌹')].sort())
  })
})

describe('the feature schemes', () => {
  // Features per text: FEATURES_UNIGRAMS gives every token its unigram and its bigram with the
  // token before; FEATURES_PAIRS gives a Han character after a token only the pair of the two.
  it.each([
    ['红包收下', 7, 4], // 红 包 收 下 and three bigrams; 红 and three pairs
    ['红。包', 2, 2], // two sentences: each character starts a chain
    ['vote for me', 5, 5], // words keep their unigrams: three words and two pairs
    ['红包500元', 7, 5], // 红, 包 (pair), the number (unigram and pair), 元 (pair)
    ['VX加我', 5, 3], // vx, then 加 and 我 as pairs
    ['🧧红包', 4, 3], // the emoji, then 红 starts the chain
    ['哈哈哈哈', 1, 1], // a repeated token counts once
  ])(
    '%j: %i features under FEATURES_UNIGRAMS, %i under FEATURES_PAIRS',
    (text, unigrams, pairs) => {
      expect([featuresOf(text).length, featuresOf(text, true).length]).toEqual([unigrams, pairs])
    },
  )

  it('reads disguises the same way under either scheme, and tells the schemes apart', () => {
    for (const pairs of [false, true]) {
      expect(featuresOf('紅 包*收\u200b下', pairs)).toEqual(featuresOf('红包收下', pairs))
      expect(featuresOf('ＶＯＴＥ for me', pairs)).toEqual(featuresOf('vote for me', pairs))
    }
    // Pairs are hashed apart from bigrams: a model of one scheme finds nothing of the other's.
    const bigrams = new Set(featuresOf('vote for me'))
    expect(featuresOf('vote for me', true).filter((h) => !bigrams.has(h))).toHaveLength(2)
  })

  it('counts the same tokens under either scheme', () => {
    for (const text of ['第1\u200b2条，收了¥200红包 ok', '红包收下。vote for me 🧧'])
      expect(
        [false, true].map((pairs) => {
          scanFeatures(model.fold, model.styled, text, pairs)
          return tokensScanned()
        }),
      ).toEqual([
        countTokens(model.fold, model.styled, text),
        countTokens(model.fold, model.styled, text),
      ])
  })
})

describe('for any text', () => {
  const unit = fc.oneof(
    fc.nat({ max: 0xffff }).map((c) => String.fromCharCode(c)),
    fc.constantFrom(
      '红',
      '包',
      '紅',
      '收',
      ' ',
      '。',
      '\n',
      '.',
      'a',
      'Z',
      '9',
      '🧧',
      '\u200b',
      '\ud83e',
    ),
    fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
  )
  const anyText = fc.string({ unit, maxLength: 300 })

  it('spans are sentences of the text, never half a character, and scores are stable', () => {
    fc.assert(
      fc.property(anyText, anyText, (text, other) => {
        const first = score(text)
        scoreMessage(model, other) // nothing carries over from one message to the next
        expect(score(text)).toEqual(first)
        for (const s of first) {
          if (s.start === s.end) continue
          const span = text.slice(s.start, s.end)
          expect(span.trim()).toBe(span)
          expect(/^[\udc00-\udfff]/.test(span) || /[\ud800-\udbff]$/.test(span)).toBe(false)
        }
      }),
      { numRuns: 300 },
    )
  })

  // The scoring loop sums packed, biased weights in 16-bit lanes; this is the plain definition.
  function plainLogits(text: string): number[] {
    const count = scanFeatures(model.fold, model.styled, text, model.pairs)
    const { features, sentences } = scanned()
    const weight = (h: number, r: number) => {
      const at = (h >>> model.slotShift) * SLOT_WORDS
      if (model.slots[at] !== h) return 0
      return (((model.slots[at + 1 + (r >> 2)] as number) >>> (8 * (r & 3))) & 0xff) - 128
    }
    return model.rules.map((_, r) => {
      let best = -Infinity
      let total = 0
      let all = 0
      for (let s = 0; s < count; s++) {
        let sum = 0
        for (let k = sentences[4 * s] as number; k < (sentences[4 * s + 1] as number); k++)
          sum += weight(features[k] as number, r)
        const n = (sentences[4 * s + 1] as number) - (sentences[4 * s] as number)
        best = Math.max(
          best,
          model.bias[r]! + (model.scale[r]! * sum) / Math.sqrt(Math.max(n, model.normFloor)),
        )
        total += sum
        all += n
      }
      if (count > 1)
        best = Math.max(
          best,
          model.bias[r]! + (model.scale[r]! * total) / Math.sqrt(Math.max(all, model.normFloor)),
        )
      return count === 0 ? model.bias[r]! : best
    })
  }

  it('scores as the plain definition does, long sentences included', () => {
    const sentence = fc.string({ unit, minLength: 200, maxLength: 2000 })
    fc.assert(
      fc.property(fc.oneof(anyText, sentence), (text) => {
        scoreInto(model, text)
        const expected = plainLogits(text)
        expected.forEach((logit, r) => expect(bestLogit[r]).toBeCloseTo(logit, 9))
      }),
      { numRuns: 200 },
    )
    const long = '王局，红包请收下，项目的事多费心'.repeat(60) // one sentence, over 256 features
    scoreInto(model, long)
    plainLogits(long).forEach((logit, r) => expect(bestLogit[r]).toBeCloseTo(logit, 9))
  })

  it('counts the tokens countTokens counts as it scans', () => {
    const digits = fc.constantFrom('1', '23', '\u200b', '𝟕', '.', 'ab', '¥', '🧧', '哈哈')
    fc.assert(
      fc.property(fc.oneof(anyText, fc.string({ unit: digits, maxLength: 40 })), (text) => {
        scoreInto(model, text)
        expect(tokensScanned()).toBe(countTokens(model.fold, model.styled, text))
      }),
      { numRuns: 500 },
    )
    scoreInto(model, '第1\u200b2条，收了¥200红包 ok')
    expect(tokensScanned()).toBe(10) // 第 12 条 收 了 ¥ 200 红 包 ok
  })

  it('scores a 10,000-character message (the limit) and its flags agree with the scores', () => {
    const text = '王局，红包请收下。'.repeat(1000).slice(0, 10_000)
    const mask = scoreInto(model, text)
    const scores = score(text)
    scores.forEach((s, r) => expect(((mask >> r) & 1) === 1).toBe(s.score >= s.threshold))
  })
})
