// Cases a second reviewer found by writing ordinary messages and evasions of their own. Each row
// failed before its fix; the "still" rows guard against a fix that simply stopped seeing a term.
import { describe, expect, it } from 'vitest'
import { checkMessage, type CheckResult, type Lang } from '../src/check/engine'
import { rulePackFor } from '../src/check/packs'
import { archive } from './check-helpers'

// Check version c1 (locked), for notice versions 1 and 2.
const packs = [
  (await rulePackFor(archive, 'wechat-red-lines', 1, 1))!,
  (await rulePackFor(archive, 'wechat-red-lines', 2, 1))!,
]

function checkAll(text: string, lang: Lang): CheckResult[] {
  return packs.map((pack) => {
    const result = checkMessage(pack, text, lang)
    for (const hit of result.hits) expect(text.slice(hit.start, hit.end)).toBe(hit.match)
    return result
  })
}

describe('marks that show nothing are read as absent', () => {
  it.each([
    [
      'a decomposed accent inside an English word',
      'free po\u0301rn here',
      'pornography',
      'po\u0301rn',
    ],
    ['a zero-width space in one place only', 'free po\u200brn here', 'pornography', 'po\u200brn'],
    ['a soft hyphen', 'free p\u00adorn here', 'pornography', 'p\u00adorn'],
    ['a word joiner', 'a red pa\u2060cket, thanks', 'red-envelopes', 'red pa\u2060cket'],
    ['a Hangul filler', '红\u3164包收到了，谢谢', 'red-envelopes', '红\u3164包'],
    ['a half-width Hangul filler', '红\uffa0包收到了，谢谢', 'red-envelopes', '红\uffa0包'],
    ['a Hangul choseong filler', '贿\u115f选名单', 'vote-rigging', '贿\u115f选'],
  ])('%s: %j', (_, text, rule, match) => {
    for (const result of checkAll(text, 'en'))
      expect(result.hits.filter((h) => h.rule === rule).map((h) => h.match)).toContain(match)
  })

  it.each([
    ['a visible space still parts the letters', 'the po\u200b rn sign'],
    ['a combining mark does not join two words', 'the po\u0301 rn sign'],
  ])('%s: %j', (_, text) => {
    for (const result of checkAll(text, 'en')) expect(result.verdict).toBe('pass')
  })
})

describe('ordinary messages that pass', () => {
  it.each([
    ['a prohibition with 不要在', '请大家注意保密，不要在微信里谈工作秘密'],
    ['a prohibition with 千万别', '千万别在群里发红包'],
    ['a prohibition with 请不要…把', '请不要把这次会议的内部文件发到群里'],
    ['speeding up, not "forward fast"', '加速转型升级，推动高质量发展'],
    ['turning quickly to the next task', '迅速转入下一阶段工作'],
    ['a leading group, not "I am the boss"', '我是领导小组办公室的小王'],
    ['going to his office, not a curse', '我去他的办公室拿文件'],
    ['choosing near my home, not "vote for me"', '吃饭的地方选我家附近吧，请你吃饭'],
    ['a district, not a porn film', '请A片区的同志先到会议室签到'],
    ['garbage sorting, not "policy is garbage"', '垃圾分类政策明天开始实施'],
    ['an ordinary assurance', '他办事绝对可靠'],
    ['an ordinary certainty', '这个消息千真万确，明天放假'],
    ['a copyright disclaimer', '图片来源网络，如有侵权请联系，随时删除'],
  ])('%s: %j', (_, text) => {
    for (const result of checkAll(text, 'zh')) expect(result).toEqual({ verdict: 'pass', hits: [] })
  })

  it.each([
    ['a hyphenated "-free"', 'We run a bribe-free procurement process'],
    ['"free" as a separate word', 'Our office is bribe free'],
    ['a statement that it is a crime', 'Giving a bribe is a crime'],
    ['a statement that it is illegal', 'Red envelopes from suppliers are illegal'],
  ])('%s: %j', (_, text) => {
    for (const result of checkAll(text, 'en')) expect(result.verdict).toBe('pass')
  })
})

describe('the same words still flag where they should', () => {
  it.each([
    ['速转 on its own', '明天全市停水，速转！', 'rumours'],
    ['千真万确 with a call to forward', '千真万确！赶紧转发给你关心的人', 'rumours'],
    ['我是领导 on its own', '我是领导，这里我说了算', 'inappropriate-statements'],
    ['a policy called garbage', '这个政策就是垃圾', 'disparaging-policy'],
    ['a bribe taken', 'He took a bribe from the contractor', 'red-envelopes'],
    ['a past tense', 'He was bribed by the contractor', 'red-envelopes'],
    ['the noun', 'Bribery is everywhere in that office', 'red-envelopes'],
    ['the gerund', 'He is bribing officials', 'red-envelopes'],
    ['free porn', 'free porn videos here', 'pornography'],
    ['an abbreviated WeChat handle for orders', '加vx下单，包邮', 'online-shops'],
    ['an abbreviated WeChat handle for orders (wx)', '加wx下单，包邮', 'online-shops'],
    ['不要 without a place is not a prohibition', '红包收到了，不要客气', 'red-envelopes'],
    ['"要不要在" asks, it does not forbid', '你要不要在群里发个红包', 'red-envelopes'],
    ['"特别在" is not "别在"', '他特别在意那个红包', 'red-envelopes'],
    ['"分别把" is not "别把"', '他们分别把红包收下了', 'red-envelopes'],
  ])('%s: %j', (_, text, rule) => {
    for (const result of checkAll(text, /\p{Script=Han}/u.test(text) ? 'zh' : 'en'))
      expect(result.hits.map((h) => h.rule)).toContain(rule)
  })
})

describe('a classification mark needs its star', () => {
  it.each([
    ['keeping a secret for ten years', '我守着这个秘密10年了'],
    ['a secret kept for years, spaced', '这个秘密 20年没人知道'],
    ['a secret of long standing', '这是我们俩的秘密长期以来没人知道'],
    ['a star elsewhere in the sentence', '★我守着这个秘密10年了★'],
  ])('%s: %j', (_, text) => {
    for (const result of checkAll(text, 'zh')) expect(result).toEqual({ verdict: 'pass', hits: [] })
  })

  it.each([
    ['a marking on a request', '秘密★1年 关于某项目的请示', 'block', '秘密★1年'],
    ['a confidential marking of five years', '机密★5年', 'block', '机密★5年'],
    ['a top-secret marking without limit', '绝密★长期', 'block', '绝密★长期'],
    ['a hollow star', '机密☆10年 请各位领导审阅', 'block', '机密☆10年'],
    ['an asterisk typed for the star', '秘密*3年，明天开会讨论', 'block', '秘密*3年'],
    ['no star, but a document in the sentence', '秘密10年的文件发你了', 'review', '秘密10年'],
    ['no star on a top-secret marking', '绝密长期', 'review', '绝密长期'],
  ])('%s: %j', (_, text, verdict, match) => {
    for (const result of checkAll(text, 'zh')) {
      const hits = result.hits.filter((h) => h.rule === 'leaking-secrets')
      expect(hits.map((h) => h.match)).toContain(match)
      expect(result.verdict).toBe(verdict)
    }
  })
})
