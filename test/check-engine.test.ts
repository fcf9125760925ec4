import { describe, expect, it } from 'vitest'
import { checkMessage, MAX_HITS, type CheckResult, type Lang } from '../src/check/engine'
import { rulePackFor } from '../src/check/packs'
import { archive } from './check-helpers'

// Check version c1, which is locked: its answers never change (c2's constructs: check-c2.test.ts).
const v1 = (await rulePackFor(archive, 'wechat-red-lines', 1, 1))!
const v2 = (await rulePackFor(archive, 'wechat-red-lines', 2, 1))!

function check(text: string, lang: Lang = 'zh', pack = v2): CheckResult {
  const result = checkMessage(pack, text, lang)
  for (const hit of result.hits) {
    expect(text.slice(hit.start, hit.end)).toBe(hit.match)
    expect(hit.start).toBeGreaterThanOrEqual(0)
    expect(hit.end).toBeLessThanOrEqual(text.length)
  }
  return result
}

describe('sees through disguises', () => {
  it.each([
    ['spaces', '那个红 包我收下了', 'red-envelopes', '红 包'],
    ['an ideographic space', '红\u3000包已经到账', 'red-envelopes', '红\u3000包'],
    ['a line break', '刚收的红\n包', 'red-envelopes', '红\n包'],
    ['a zero-width space', '红\u200b包领了', 'red-envelopes', '红\u200b包'],
    ['zero-width joiners', '贿\u200d\u200d选', 'vote-rigging', '贿\u200d\u200d选'],
    ['a byte order mark', '贿\ufeff选', 'vote-rigging', '贿\ufeff选'],
    ['a bidi override', '贿\u202e选', 'vote-rigging', '贿\u202e选'],
    ['bidi isolates', '贿\u2066选\u2069名单', 'vote-rigging', '贿\u2066选'],
    ['a variation selector', '贿\ufe0f选', 'vote-rigging', '贿\ufe0f选'],
    ['a supplementary variation selector', '贿\udb40\udd00选', 'vote-rigging', '贿\udb40\udd00选'],
    ['asterisks', '色*情*视*频发你', 'pornography', '色*情*视*频'],
    ['middle dots', '这是内·部·资·料', 'leaking-secrets', '内·部·资·料'],
    ['an emoji between characters', '贿🌹选', 'vote-rigging', '贿🌹选'],
    ['traditional characters', '這份內部資料', 'leaking-secrets', '內部資料'],
    ['traditional characters (2)', '賄選的事', 'vote-rigging', '賄選'],
    ['a repeated character', '内部部部文件', 'leaking-secrets', '内部部部文件'],
    ['repeats on every character', '贿贿选选', 'vote-rigging', '贿贿选选'],
    ['full-width letters', 'ＰＯＲＮ here', 'pornography', 'ＰＯＲＮ'],
    ['circled letters', 'ⓟⓞⓡⓝ link', 'pornography', 'ⓟⓞⓡⓝ'],
    ['mathematical letters', '𝐩𝐨𝐫𝐧 link', 'pornography', '𝐩𝐨𝐫𝐧'],
    ['mixed case', 'a PoRnO site', 'pornography', 'PoRnO'],
    ['accents', 'pörn tonight', 'pornography', 'pörn'],
    ['a Cyrillic o', 'free pоrn', 'pornography', 'pоrn'],
    ['a Greek rho', 'free ρorn', 'pornography', 'ρorn'],
    ['letters spaced out', 'want some p o r n', 'pornography', 'p o r n'],
    ['letters dotted', 'p.o.r.n inside', 'pornography', 'p.o.r.n'],
    ['pinyin', 'huixuan的名单', 'vote-rigging', 'huixuan'],
    ['spaced pinyin', 'la piao的事办好了', 'vote-rigging', 'la piao'],
    ['capital pinyin', 'HONGBAO到账', 'red-envelopes', 'HONGBAO'],
    ['full-width pinyin', 'ｈｏｎｇｂａｏ到账', 'red-envelopes', 'ｈｏｎｇｂａｏ'],
    ['a homophone', '宏包已领', 'red-envelopes', '宏包'],
    ['a Latin letter for a character', '加v信下单有优惠', 'online-shops', 'v信下单'],
    ['a look-alike character', '加薇信下单，包邮', 'online-shops', '薇信下单'],
    ['an emoji for the term', '🧧收到，谢谢老板', 'red-envelopes', '🧧'],
    ['full-width digits in a classification mark', '绝密★１５年', 'leaking-secrets', '绝密★１５年'],
    [
      'a circled digit in a classification mark',
      '机密★⑤年 关于人事调整',
      'leaking-secrets',
      '机密★⑤年',
    ],
  ])('%s: %j', (_, text, rule, match) => {
    const hits = check(text).hits.filter((h) => h.rule === rule)
    expect(hits.map((h) => h.match)).toContain(match)
  })
})

describe('reports how a term was found', () => {
  it.each([
    ['红包收到了', 'exact', '红包'],
    ['紅 包收到了', 'folded', '红包'],
    ['hong bao收到了', 'pinyin', '红包'],
    ['洪包收到了', 'homophone', '红包'],
    ['🧧🧧收到了', 'emoji', '红包'],
    ['I received a Red Envelope', 'exact', 'red envelope'],
    ['I received two red envelopes', 'exact', 'red envelope'],
    ['I received two RED ENVELOPES', 'exact', 'red envelope'],
    ['I received two red-envelopes', 'folded', 'red envelope'],
  ])('%j -> %s', (text, channel, term) => {
    const [hit] = check(text).hits
    expect(hit).toMatchObject({ rule: 'red-envelopes', channel, term })
  })
})

describe('does not flag', () => {
  it.each([
    ['a prohibition', '严禁在工作群里收发电子红包'],
    ['a prohibition of several acts', '各位同事严禁拉票、贿选'],
    ['a warning to colleagues', '请大家不要收供应商的红包'],
    ['a rule stated after the act', '内部文件不得发到微信群'],
    ['a refusal', '他硬塞给我红包，我当场拒收了'],
    ['a returned envelope', '他的红包我已经退回去了'],
    ['a refusal after the term', '这种红包坚决不收'],
    ['a debunk', '辟谣：关于局长被带走的小道消息纯属虚构'],
    ['a debunk at the end', '群里传的小道消息，经核实是假消息'],
    ['an anti-rumour slogan', '请以官方发布为准，不信谣、不传谣'],
    ['studying the rules', '今天组织学习八条红线，大家要严守纪律'],
    ['a disciplinary case study', '某干部因收受红包受到党纪处分'],
    ['a look-alike: packaging', '这款月饼的红包装很喜庆'],
    ['a look-alike: a bun', '奶奶蒸了一锅红豆包'],
    ['a look-alike: a red bag', '桌上放着一个红色的包'],
    ['a look-alike: a weather warning', '今晚有暴雨黄色预警'],
    ['a look-alike: adult education', '她报名了成人教育的课程'],
    ['a look-alike: an AV socket', '电视后面的AV接口松了'],
    ['a look-alike: a secret of success', '分享一下成功的秘密'],
    ['a look-alike: a confidentiality meeting', '下午召开保密工作会议'],
    ['buying, not selling', '我在他家网店买了两斤茶叶'],
    ['an ordinary online order', '网购的快递到了'],
    ['a bank transfer reminder', '转账前请核对收款人'],
    ['a vote for a photo contest', '帮我家孩子投一票，谢谢'],
    ['supporting a policy', '坚决贯彻落实党中央决策部署'],
    ['a central air conditioner', '中央空调坏了真垃圾'],
    ['ordinary chat', '明早九点开会，别迟到'],
    ['"can\'t help but" is not a prohibition', '今晚的菜不得不说很好吃'],
  ])('%s: %j', (_, text) => {
    expect(check(text)).toEqual({ verdict: 'pass', hits: [] })
  })

  it.each([
    ['an English warning', 'Do not accept red envelopes from vendors.'],
    ['a rule', 'Red packets are prohibited for all staff.'],
    ['a refusal', 'I refused the red envelope he offered.'],
    ['Scunthorpe words', 'The class assessment and analysis are due on Friday'],
    ['a term glued inside a word', 'Essex video night at the pub'],
    ['letters across word boundaries', 'the po rn sign'],
    ['kisses', 'see you tonight, love you xxx'],
    ['looking forward', 'Looking forward to all of it'],
    ['adult education', 'She teaches adult education classes'],
  ])('%s: %j', (_, text) => {
    expect(check(text, 'en').verdict).toBe('pass')
  })
})

describe('tells block from review', () => {
  it.each([
    ['a red envelope received', '刘总的红包收到了，多谢', 'red-envelopes', 'block'],
    ['a red envelope, nothing more', '这个红包是谁的', 'red-envelopes', 'review'],
    ['a transfer for a favour', '帮忙的事办成了，我给你转账一千当辛苦费', 'red-envelopes', 'block'],
    ['a kickback', '这个月的好处费打到你卡上了', 'red-envelopes', 'block'],
    ['pinyin stays review', 'hongbao收到了', 'red-envelopes', 'review'],
    ['a homophone stays review', '鸿包收到了', 'red-envelopes', 'review'],
    ['vote buying', '投我一票，每人给200元', 'vote-rigging', 'block'],
    ['canvassing with a promise', '换届时帮我拉拉票，不会亏待你', 'vote-rigging', 'block'],
    ['canvassing alone', '帮我拉票', 'vote-rigging', 'review'],
    ['a classification mark', '机密★3年 会议纪要', 'leaking-secrets', 'block'],
    ['an internal document not to forward', '内部材料，请勿外传', 'leaking-secrets', 'block'],
    ['an internal document', '内部材料在我这', 'leaking-secrets', 'review'],
    ['an offer to sell', '我开了家微店，卖自家的蜂蜜，欢迎光顾', 'online-shops', 'block'],
    ['a sales recruitment', '诚招代理，一件代发', 'online-shops', 'block'],
    ['pornographic material', '谁有色情视频', 'pornography', 'block'],
    ['disparaging a policy', '这个政策纯属瞎折腾', 'disparaging-policy', 'review'],
    ['an arrogant official', '在这里我说了算', 'inappropriate-statements', 'review'],
    ['a forwarded rumour', '据内部人士透露，明天全市停水，转发给你关心的人', 'rumours', 'review'],
  ])('%s: %j', (_, text, rule, verdict) => {
    const result = check(text)
    const hit = result.hits.find((h) => h.rule === rule)
    expect(hit?.verdict).toBe(verdict)
    expect(result.verdict).toBe(result.hits.some((h) => h.verdict === 'block') ? 'block' : 'review')
  })
})

describe('versions', () => {
  it.each([
    ['选举期间给村民发红包', 'review', 'block'],
    ['换届前派红包给大家', 'review', 'block'],
    ['过年给侄子发红包', 'review', 'review'],
  ])('%j is %s under v1 and %s under v2', (text, before, after) => {
    expect(check(text, 'zh', v1).verdict).toBe(before)
    expect(check(text, 'zh', v2).verdict).toBe(after)
  })

  it('cites the version 2 clarification in the reason', () => {
    const [hit] = check('During the election period I sent everyone a red envelope', 'en').hits
    expect(hit?.reason).toContain('version 2')
    expect(check('选举期间给村民发红包', 'zh').hits[0]?.reason).toContain('第2版')
  })

  it('says which pack it is', () => {
    expect([v1.notice, v1.version, v2.version]).toEqual(['wechat-red-lines', 1, 2])
  })
})

describe('reasons', () => {
  it.each([
    ['zh', '「不得收受电子红包」：出现“红包”，附近有“收到”，属明确证据'],
    ['en', 'Do not accept electronic red envelopes: contains "红包" near "收到"; clear evidence'],
  ] as const)('are in %s and cite the rule', (lang, reason) => {
    expect(check('红包收到', lang).hits[0]?.reason).toBe(reason)
  })
})

describe('spans', () => {
  it.each([
    ['leading and trailing separators stay outside the span', ' * 红 包 * 收到', '红 包'],
    ['a repeat at the end belongs to the span', '内部文件件件发你', '内部文件件件'],
    ['a surrogate pair is never split', '🌹红🌹包🌹收到', '红🌹包'],
    ['offsets count UTF-16 units', '𝐚𝐛𝐜 贿选', '贿选'],
  ])('%s', (_, text, match) => {
    const hit = check(text).hits.find((h) => h.match === match)
    expect(hit).toBeDefined()
    expect(text.slice(hit!.start, hit!.end)).toBe(match)
  })

  it('keeps the stronger of two overlapping hits of one rule', () => {
    const { hits } = check('色情网站')
    expect(hits).toHaveLength(1)
    expect(hits[0]).toMatchObject({ match: '色情网站', verdict: 'block' })
  })
})

describe('dense texts', () => {
  it(`lists the first ${MAX_HITS} hits in text order, says it cut the list and counts them all`, () => {
    const result = check('红包'.repeat(5000))
    expect(result.hits).toHaveLength(MAX_HITS)
    expect(result.hits.map((h) => h.start)).toEqual(
      Array.from({ length: MAX_HITS }, (_, i) => 2 * i),
    )
    expect(result).toMatchObject({ verdict: 'review', truncated: true, totalHits: 5000 })
  })

  it('decides the verdict on every hit, listed or not', () => {
    const result = check(`${'红包，'.repeat(150)}名单上全是贿选的人`)
    expect(result.hits.every((h) => h.verdict === 'review')).toBe(true)
    expect(result).toMatchObject({ verdict: 'block', truncated: true, totalHits: 151 })
  })

  it('lists exactly the cap without saying it cut anything', () => {
    const result = check('红包，'.repeat(MAX_HITS))
    expect(result.hits).toHaveLength(MAX_HITS)
    expect(result).not.toHaveProperty('truncated')
    expect(result).not.toHaveProperty('totalHits')
  })

  it('never quotes more of the text than the text itself', () => {
    // Hits of different rules may share a span (转给你 inside 转给你关心的人): spread over long gaps,
    // each would quote them all.
    const text = [...'转给你关心的人红包'].join('\u0001'.repeat(1100))
    const result = check(text)
    const quoted = result.hits.reduce((n, h) => n + h.match.length, 0)
    expect(quoted).toBeLessThanOrEqual(text.length)
    expect(result.truncated).toBe(true)
    expect(result.totalHits).toBeGreaterThan(result.hits.length)
  })
})
