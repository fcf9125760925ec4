import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  checkMessage,
  checkMessageByDefinition,
  type CheckResult,
  type RulePack,
} from '../src/check/engine'
import { PATTERN_STRIDE } from '../src/check/pack'
import { checkedNotices, checkVersionsFor, rulePackFor } from '../src/check/packs'
import { archive } from './check-helpers'

// Every (notice version, check version) pack of every checked notice.
const packs: RulePack[] = []
for (const notice of checkedNotices())
  for (let v = 1; checkVersionsFor(notice, v).length; v++)
    for (const check of checkVersionsFor(notice, v))
      packs.push((await rulePackFor(archive, notice, v, check))!)

/** Any UTF-16 unit, so lone and reversed surrogates turn up, plus whole emoji and CJK. */
const unit = fc.oneof(
  fc.nat({ max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.constantFrom(
    '🧧',
    '🌹',
    '👍🏽',
    '\u200d',
    '\ufe0f',
    '红',
    '包',
    '贿',
    '选',
    ' ',
    '\n',
    'p',
    'o',
    'r',
    'n',
  ),
  fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
)
const anyText = fc.string({ unit, maxLength: 200 })

/** Separators an evader puts between characters, all of which the check should see through. */
const SEPARATORS = [
  ' ',
  '\u3000',
  '\n',
  '\u200b',
  '\u200d',
  '\u2060',
  '\u202e',
  '\ufe0f',
  '*',
  '·',
  '-',
  '~',
  '🌹',
  '★',
]
/** Terms that need no context and no cue can clear (so the property holds in any filler). */
const UNCONDITIONAL: [string, string][] = [
  ['贿选', 'vote-rigging'],
  ['色情网站', 'pornography'],
  ['机密文件', 'leaking-secrets'],
  ['一件代发', 'online-shops'],
  ['不转不是中国人', 'rumours'],
]
const filler = fc.string({
  unit: fc.constantFrom('a', 'Z', '7', ' ', '。', '，', '😀', '\ud800', '\udfff'),
  maxLength: 30,
})

function wellFormed(text: string, result: CheckResult): void {
  expect(['pass', 'review', 'block']).toContain(result.verdict)
  expect(result.verdict === 'pass').toBe(result.hits.length === 0)
  if (result.hits.length) {
    const strongest = result.hits.some((h) => h.verdict === 'block') ? 'block' : 'review'
    expect(result.verdict).toBe(strongest)
  }
  for (const hit of result.hits) {
    expect(Number.isInteger(hit.start) && Number.isInteger(hit.end)).toBe(true)
    expect(0 <= hit.start && hit.start < hit.end && hit.end <= text.length).toBe(true)
    expect(text.slice(hit.start, hit.end)).toBe(hit.match)
    // A span never cuts a surrogate pair in two.
    const before = text.charCodeAt(hit.start - 1)
    const first = text.charCodeAt(hit.start)
    const last = text.charCodeAt(hit.end - 1)
    const after = text.charCodeAt(hit.end)
    expect(before >= 0xd800 && before < 0xdc00 && first >= 0xdc00 && first < 0xe000).toBe(false)
    expect(last >= 0xd800 && last < 0xdc00 && after >= 0xdc00 && after < 0xe000).toBe(false)
    expect(hit.reason).toMatch(/\S/)
  }
}

describe('any text', () => {
  it.each(packs.map((p) => [`${p.notice}@${p.version}/c${p.checkVersion}`, p] as const))(
    '%s: never throws, spans round-trip and stay in range',
    (_, pack) => {
      fc.assert(
        fc.property(anyText, fc.constantFrom('zh' as const, 'en' as const), (text, lang) => {
          wellFormed(text, checkMessage(pack, text, lang))
        }),
        { numRuns: 2000 },
      )
    },
  )
})

describe('terms hidden with separators', () => {
  it.each(packs.map((p) => [`${p.notice}@${p.version}/c${p.checkVersion}`, p] as const))(
    '%s: are found, and the span runs from the first character of the term to the last',
    (_, pack) => {
      fc.assert(
        fc.property(
          filler,
          fc.constantFrom(...UNCONDITIONAL),
          fc.array(fc.array(fc.constantFrom(...SEPARATORS), { maxLength: 3 }), {
            minLength: 8,
            maxLength: 8,
          }),
          filler,
          (prefix, [term, rule], gaps, suffix) => {
            const chars = [...term]
            const hidden = chars.map((c, i) => (i ? (gaps[i] ?? []).join('') : '') + c).join('')
            const text = prefix + hidden + suffix
            // From c4 a review hit goes wherever the model is all but sure of the rule (fusion's
            // veto), as these random fillers can make it: what the rules find is the property.
            const channels = pack.fusion?.vetoLogit.some((l) => l > -Infinity) ? 'rules' : undefined
            const result = checkMessage(pack, text, 'zh', channels && { channels })
            wellFormed(text, result)
            const hit = result.hits.find((h) => h.rule === rule && h.term === term)
            expect(hit).toBeDefined()
            expect(hit!.start).toBe(prefix.length)
            expect(hit!.match).toBe(hidden)
          },
        ),
        { numRuns: 1000 },
      )
    },
  )
})

/**
 * c2's co-occurrence: a term that needs context, hidden with separators, framed by the context it
 * needs; the hit's span is still exactly the hidden term (context never widens it).
 */
const FRAMED: [string, string, string, string][] = [
  ['红包', '', '收到了，你那个事放心', 'red-envelopes'],
  ['乡村振兴', '这个', '就是瞎折腾', 'disparaging-policy'],
  ['内部资料', '这是', '，不要外传', 'leaking-secrets'],
  ['听说', '', '明天封城，赶紧囤货', 'rumours'],
  ['代购', '本人', '面膜，价格好商量', 'online-shops'],
]
const c2Packs = packs.filter((p) => p.checkVersion >= 2)

describe.runIf(c2Packs.length > 0)('terms that need context, hidden with separators', () => {
  it.each(c2Packs.map((p) => [`${p.notice}@${p.version}/c${p.checkVersion}`, p] as const))(
    '%s: the span is the hidden term, not its context',
    (_, pack) => {
      fc.assert(
        fc.property(
          fc.constantFrom(...FRAMED),
          fc.array(fc.array(fc.constantFrom(...SEPARATORS), { maxLength: 3 }), {
            minLength: 8,
            maxLength: 8,
          }),
          ([term, before, after, rule], gaps) => {
            const hidden = [...term].map((c, i) => (i ? (gaps[i] ?? []).join('') : '') + c).join('')
            const text = before + hidden + after
            const result = checkMessage(pack, text, 'zh')
            wellFormed(text, result)
            const hit = result.hits.find((h) => h.rule === rule && h.term === term)
            expect(hit).toBeDefined()
            expect(hit!.start).toBe(before.length)
            expect(hit!.match).toBe(hidden)
          },
        ),
        { numRuns: 500 },
      )
    },
  )
})

describe("dense texts of the pack's own words", () => {
  it.each(packs.map((p) => [`${p.notice}@${p.version}/c${p.checkVersion}`, p] as const))(
    '%s: the shortcuts decide exactly as walking every cue near every term does',
    (_, pack) => {
      const all = new Set<string>()
      for (let at = 0; at < pack.patterns.length; at += PATTERN_STRIDE)
        all.add(pack.label(pack.patterns[at + 5]!))
      // A large pack's words, every k-th of them: the glued pairs grow with the square.
      const step = Math.ceil(all.size / 400)
      const words = new Set([...all].filter((_, i) => i % step === 0))
      // Two words glued where one ends as the other begins: a cue that starts before a term and
      // ends inside it (or the other way round), the edge of every shortcut.
      const glued: string[] = []
      for (const a of words)
        for (const b of words)
          for (let k = 1; k <= 3 && k < a.length && k < b.length; k++)
            if (a !== b && a.endsWith(b.slice(0, k))) glued.push(a + b.slice(k))
      const word = fc.oneof(
        fc.constantFrom(...words),
        fc.constantFrom(...glued),
        fc.constantFrom('，', '。', ' ', '\u200b', '的', 'a', '1', '🧧'),
      )
      const text = fc.array(word, { maxLength: 400 }).map((parts) => parts.join(''))
      fc.assert(
        fc.property(text, fc.constantFrom('zh' as const, 'en' as const), (text, lang) => {
          expect(checkMessage(pack, text, lang)).toEqual(checkMessageByDefinition(pack, text, lang))
        }),
        { numRuns: 300 },
      )
    },
  )
})
