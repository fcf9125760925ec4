import type { Bilingual } from './pack'

export type Lang = 'zh' | 'en'
export type Channel = 'exact' | 'folded' | 'pinyin' | 'homophone' | 'emoji' | 'model'

const SPOTTED: Record<Exclude<Channel, 'model'>, Bilingual> = {
  exact: { zh: '出现“{t}”', en: 'contains "{t}"' },
  folded: { zh: '出现“{t}”的变形写法', en: 'contains a disguised "{t}"' },
  pinyin: { zh: '出现“{t}”的拼音', en: 'contains "{t}" in pinyin' },
  homophone: { zh: '出现“{t}”的谐音或形近写法', en: 'contains a sound-alike of "{t}"' },
  emoji: { zh: '出现代表“{t}”的表情', en: 'contains an emoji for "{t}"' },
}

/** One sentence citing the rule: what was seen, the cue that decided, and what to do. */
export function reason(
  lang: Lang,
  rule: Bilingual,
  channel: Exclude<Channel, 'model'>,
  term: string,
  block: boolean,
  cue: string | undefined,
  note: Bilingual | undefined,
): string {
  const spotted = SPOTTED[channel][lang].replace('{t}', term)
  if (lang === 'zh')
    return (
      `「${rule.zh}」：${spotted}` +
      (cue === undefined ? '' : `，附近有“${cue}”`) +
      (block ? '，属明确证据' : '，需人工判断') +
      (note ? `（${note.zh}）` : '')
    )
  return (
    `${rule.en}: ${spotted}` +
    (cue === undefined ? '' : ` near "${cue}"`) +
    (block ? '; clear evidence' : '; a person should judge') +
    (note ? ` (${note.en})` : '')
  )
}

/** A hit of the learned channel: no term to cite, only how the sentence reads as a whole. */
export function modelReason(lang: Lang, rule: Bilingual, score: number): string {
  const shown = score.toFixed(2)
  return lang === 'zh'
    ? `「${rule.zh}」：这句话整体读来可能触碰本条（模型评分 ${shown}），需人工判断`
    : `${rule.en}: the sentence as a whole may cross this rule (model score ${shown}); a person should judge`
}
