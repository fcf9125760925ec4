// Check version c2: the rule language for kinds (content/README-check.md), one table per
// construct, run on the real compiled packs. Each row names the construct it exercises.
import { describe, expect, it } from 'vitest'
import { expandCheck, expandItem } from '../scripts/check-versions'
import { checkMessage, type CheckResult, type Lang } from '../src/check/engine'
import { rulePackFor } from '../src/check/packs'
import { archive } from './check-helpers'

const v1 = (await rulePackFor(archive, 'wechat-red-lines', 1, 2))!
const v2 = (await rulePackFor(archive, 'wechat-red-lines', 2, 2))!

// The rule language's constructs, so the rules channel alone (test/check-integration.test.ts
// holds the rules and the model together).
function check(text: string, pack = v2, lang: Lang = /\p{Script=Han}/u.test(text) ? 'zh' : 'en') {
  const result = checkMessage(pack, text, lang, { channels: 'rules' })
  for (const hit of result.hits) expect(text.slice(hit.start, hit.end)).toBe(hit.match)
  return result
}
const rulesOf = (r: CheckResult) => [...new Set(r.hits.map((h) => h.rule))]

describe('c2 is the check version these packs belong to', () => {
  it('covers notice versions 1 and 2', () => {
    expect([v1.checkVersion, v2.checkVersion, v1.version, v2.version]).toEqual([2, 2, 1, 2])
  })
})

describe('co-occurrence: a term of one lexicon is a hit only with a cue of another in range', () => {
  it.each([
    ['a named policy + contempt', '这个乡村振兴就是瞎折腾', 'disparaging-policy', '乡村振兴'],
    [
      'a policy in English + contempt',
      'Common prosperity is just a slogan',
      'disparaging-policy',
      'Common prosperity',
    ],
    ['hearsay + urgency', '听说明天封城，赶紧囤货', 'rumours', '听说'],
    ['a call to forward + an alarming event', '自来水被投毒了，转给家人', 'rumours', '转给家人'],
    ['election words + money', '投我一票，每人给200元', 'vote-rigging', '投我一票'],
    [
      'election words + a treat',
      '换届选举那天都选老王，完事老地方请大家吃饭',
      'vote-rigging',
      '换届选举',
    ],
    ['an exam paper + sharing', '期末考试的卷子拍了发你', 'leaking-secrets', '考试的卷子'],
    [
      'an internal document + do not forward',
      '这是内部资料，不要外传',
      'leaking-secrets',
      '内部资料',
    ],
    ['selling + price', '代购面膜，价格好商量', 'online-shops', '代购'],
    [
      'selling + a colleague audience',
      '本人开了个网店，各位同事多捧场',
      'online-shops',
      '开了个网店',
    ],
    ['porn slang + media', '老司机发车了，链接在群里', 'pornography', '老司机'],
    ['a group of people + scorn', '这帮刁民就是欠收拾', 'inappropriate-statements', '刁民'],
  ])('%s: %j', (_, text, rule, match) => {
    expect(
      check(text)
        .hits.filter((h) => h.rule === rule)
        .map((h) => h.match),
    ).toContain(match)
  })

  it.each([
    ['a policy, praised', '乡村振兴战略部署落实得很好'],
    ['hearsay, nothing urgent', '听说明天下雨'],
    ['a vote with no benefit', '帮我投一票，谢谢'],
    ['an exam paper, nothing shared', '期末考试的卷子很难'],
    ['selling words, nothing else', '代购这个词是什么意思'],
    ['a people word, no scorn', '群众的满意就是我们的目标'],
  ])('%s passes: %j', (_, text) => {
    expect(check(text)).toEqual({ verdict: 'pass', hits: [] })
  })
})

describe('all: every listed group must be in range (money + receiving + a favour or giver)', () => {
  it.each([
    ['money received, a favour promised', '红包收到了，你那个事放心', 'block'],
    ['a transfer received from a boss', '王总，转账收到了，谢谢', 'block'],
    ['a red envelope received, nothing more', '红包收到了', 'review'],
    ['a red envelope in disguise, received', '纟工包收到了，谢谢王总', 'review'],
    ['money offered to a superior', '给您转了1888，您收下我才安心', 'review'],
  ])('%s: %j -> %s', (_, text, verdict) => {
    const hit = check(text).hits.find((h) => h.rule === 'red-envelopes')
    expect(hit?.verdict).toBe(verdict)
  })

  it.each([
    ['money, not received', '这个月的钱还没发'],
    ['a favour, no money', '你那个事放心，我记着呢'],
  ])('%s passes: %j', (_, text) => {
    expect(rulesOf(check(text))).not.toContain('red-envelopes')
  })
})

describe('pass and lower per entry: family clears a plain red envelope, lowers a favour to review', () => {
  it.each([
    ['a family red packet', '收到表姐的结婚红包啦，谢谢', undefined],
    ['a transfer from mum', '老妈转账收到了，说了别给我打钱', undefined],
    ['family, yet a favour promised', '妈 转账收到了，你那事我办好了', 'review'],
  ])('%s: %j', (_, text, verdict) => {
    expect(check(text).hits.find((h) => h.rule === 'red-envelopes')?.verdict).toBe(verdict)
  })
})

describe('clause scope: a prohibition ends at a contrast (但/但是/可是/不过/然而/but/however)', () => {
  it.each([
    ['严禁收受红包，但这个红包你收下吧', 'red-envelopes'],
    ['不要外传。不过这份内部文件发你看看', 'leaking-secrets'],
    ['We must not accept red envelopes, but I got your transfer, thanks Mr. Li', 'red-envelopes'],
  ])('%j is a hit', (text, rule) => {
    expect(rulesOf(check(text))).toContain(rule)
  })

  it.each([
    ['the prohibition alone', '严禁收受红包'],
    ['a refusal after the contrast still clears what came before', '红包收到了，但已经退回了'],
  ])('%s passes: %j', (_, text) => {
    expect(check(text).verdict).toBe('pass')
  })
})

describe('negated context: a cue under a prohibition is no context', () => {
  it.each([
    ['benefits forbidden during an election', '换届期间不得以任何名义在群里发红包'],
    ['money not to be taken for a favour', '办事严禁收钱'],
  ])('%s passes: %j', (_, text) => {
    expect(check(text).verdict).toBe('pass')
  })

  it('the same benefit offered is a hit', () => {
    expect(rulesOf(check('换届期间给大家发个红包'))).toEqual(
      expect.arrayContaining(['vote-rigging', 'red-envelopes']),
    )
  })
})

describe('near scope: context counts across a sentence end, within the window', () => {
  it.each([
    ['a rhetorical question and its answer', '共同富裕？早就名存实亡了'],
    ['an exclamation between', '一国两制！说白了就是权宜之计'],
  ])('%s: %j', (_, text) => {
    expect(rulesOf(check(text))).toContain('disparaging-policy')
  })
})

describe('contact and solicitation patterns, amounts and prices as patterns', () => {
  it.each([
    ['a price per box and a private chat', '自家蜂蜜一盒198，需要的私我', 'online-shops'],
    ['a yen sign and postage', '新品¥129包邮，V我下单', 'online-shops'],
    ['a disguised WeChat handle', '代购日本奶粉，加vx详聊，同事优惠', 'online-shops'],
    ['an amount in Chinese numerals', '两千块收到了，你那事我记着', 'red-envelopes'],
    ['an amount per vote', '选举那天每张票200，投完拍照给我', 'vote-rigging'],
  ])('%s: %j', (_, text, rule) => {
    expect(rulesOf(check(text))).toContain(rule)
  })
})

describe('message-level context clears a hit: quoting or studying the rules, warnings, cases, refusals, promotions', () => {
  it.each([
    ['a study post', '今天支部学习八条红线：不得收受红包、不得拉票贿选、不得泄露秘密'],
    ['a case report', '某局干部收受管理服务对象红包2万元，受到党内警告处分'],
    ['an anti-fraud warning', '反诈提醒：有人冒充领导加微信要求转账，请电话核实'],
    ['a platform promotion with its brand in brackets', '【美团外卖】送您10元无门槛红包，今日有效'],
    ['an unsubscribe marker', '您的话费红包已到账，可抵扣次月话费，回TD退订'],
    ['a debunk', '辟谣：网传明天封城系谣言，请以官方发布为准'],
    ['a refusal and return', '李总，红包我已经退回了，项目按流程走'],
    ['a published document', '这个文件县政府网站已经公开了，链接发群里'],
    [
      'an election procedure notice',
      '换届选举定于周三上午9点举行，采取无记名投票，请全体党员准时参加',
    ],
  ])('%s: %j', (_, text) => {
    expect(check(text)).toEqual({ verdict: 'pass', hits: [] })
  })
})

describe('evasions the spellings see through', () => {
  it.each([
    ['pinyin initials of a policy', 'xczx就是画大饼', 'disparaging-policy'],
    ['one syllable of a word in pinyin', '机mi文件发你了，看完删', 'leaking-secrets'],
    ['a whole word in pinyin', 'hongbao收到了，你的事放心', 'red-envelopes'],
    ['a split character', '纟工包收到了，谢谢王总', 'red-envelopes'],
    ['a sound-alike character', '共同负裕就是个口号', 'disparaging-policy'],
    ['an emoji inside a word', '你个🐶东西', 'inappropriate-statements'],
    ['traditional characters', '聽說化工廠洩漏了，大家快囤水', 'rumours'],
    ['a mahjong tile for 中', '🀄央那个新政纯属瞎折腾', 'disparaging-policy'],
  ])('%s: %j', (_, text, rule) => {
    expect(rulesOf(check(text))).toContain(rule)
  })
})

describe('versions under c2', () => {
  it.each([
    ['选举期间给村民发红包', 'review', 'block'],
    ['换届前派红包给大家，到时候支持我', 'review', 'block'],
  ])('%j: red-envelopes is %s under v1 and %s under v2', (text, before, after) => {
    const verdict = (pack: typeof v1) =>
      check(text, pack).hits.find((h) => h.rule === 'red-envelopes')?.verdict
    expect([verdict(v1), verdict(v2)]).toEqual([before, after])
  })

  it('cites the version 2 clarification in the reason', () => {
    const hit = check('选举期间给村民发红包').hits.find((h) => h.rule === 'red-envelopes')
    expect(hit?.reason).toContain('第2版')
  })
})

describe('scores', () => {
  it('every rule gets one, from 0 to 1', () => {
    const rules = { scores: true, channels: 'rules' } as const
    const result = checkMessage(v2, '红包收到了，你那个事放心', 'zh', rules)
    expect(Object.keys(result.scores ?? {})).toEqual(v2.rules.map((r) => r.id))
    expect(result.scores?.['red-envelopes']).toBe(1)
    expect(result.scores?.rumours).toBe(0)
    expect(checkMessage(v2, '红包收到了', 'zh', rules).scores?.['red-envelopes']).toBe(0.6)
  })

  it('none unless asked', () => {
    expect(checkMessage(v2, '红包收到了', 'zh')).not.toHaveProperty('scores')
  })
})

describe('lexicons and word patterns expand at build time', () => {
  const lexicons = { kin: ['表妹', '小舅子'], num: ['[一二三]'] }
  it.each([
    ['a lexicon', '@kin', ['表妹', '小舅子']],
    ['a character class', '[甲乙]方', ['甲方', '乙方']],
    ['alternatives', '(收|领)了', ['收了', '领了']],
    ['an empty alternative', '面试(的|)题', ['面试的题', '面试题']],
    ['a lexicon inside a word', '从(@kin)那拿', ['从表妹那拿', '从小舅子那拿']],
    ['a lexicon of patterns', '@num', ['一', '二', '三']],
  ])('%s: %j', (_, item, words) => {
    const problems: string[] = []
    expect(expandItem(item, lexicons, problems)).toEqual(words)
    expect(problems).toEqual([])
  })

  it.each([
    ['an unknown lexicon', '@nope', /no lexicon "nope"/],
    ['an unclosed choice', '(收|领了', /not closed/],
    ['a loop', '@a', /lexicon loop/],
  ])('refuses %s', (_, item, problem) => {
    const problems: string[] = []
    expandItem(item, { a: ['@b'], b: ['@a'] }, problems)
    expect(problems.join('\n')).toMatch(problem)
  })

  it('expands every list of a check and drops the lexicons', () => {
    const problems: string[] = []
    const out = expandCheck(
      {
        lexicons: { money: ['红包', '转账'] },
        cues: { got: { words: ['(收|领)了'] } },
        rules: { r: { terms: [{ words: ['@money'], verdict: 'review' }] } },
      },
      problems,
    )
    expect(out).not.toHaveProperty('lexicons')
    expect(out.cues?.got?.words).toEqual(['收了', '领了'])
    expect(out.rules?.r?.terms?.[0]?.words).toEqual(['红包', '转账'])
  })
})
