/**
 * The name an official types is compared with the roster after normalising what phones vary:
 * full-width letters and spaces (NFKC), letter case, spaces anywhere (张 三 = 张三), and the
 * several middle dots used in transliterated names (阿依古丽·买买提).
 */
export function normaliseName(name: string): string {
  return stripInvisible(name)
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u00B7\u2022\u2027\u2219\u30FB\uFF65\u318D.]/g, '·')
    .replace(/[\s\u200B-\u200D\uFEFF]+/g, '')
}

export function namesMatch(typed: string, roster: string): boolean {
  const a = normaliseName(typed)
  return a.length > 0 && a === normaliseName(roster)
}

/** Scripts whose spelling uses the zero-width (non-)joiner between letters. */
const JOINING = [
  'Arabic',
  'Syriac',
  'Thaana',
  'Nko',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Tibetan',
  'Myanmar',
  'Khmer',
  'Mongolian',
]
  .map((script) => `\\p{Script=${script}}`)
  .join('')

/**
 * What renders as nothing yet changes what a name is or how it displays: every format character
 * (Unicode Cf: the bidirectional embeddings, overrides, isolates and marks, zero-width spaces,
 * word joiner, BOM, soft hyphen, invisible operators, tag characters, interlinear annotation
 * marks) and the Hangul fillers. Kept: ZWNJ and ZWJ between letters of a script that spells with
 * them (Persian, Indic scripts), the Mongolian vowel separator inside Mongolian, and variation
 * selectors (not format characters: they choose a glyph, as some names need).
 */
const INVISIBLE = new RegExp(
  [
    `(?<![${JOINING}])[\\u200C\\u200D]`,
    `[\\u200C\\u200D](?![${JOINING}])`,
    '(?<!\\p{Script=Mongolian})\\u180E',
    '\\u180E(?!\\p{Script=Mongolian})',
    '(?![\\u200C\\u200D\\u180E])\\p{Cf}',
    '[\\u115F\\u1160\\u3164\\uFFA0]',
  ].join('|'),
  'gu',
)

export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, '')
}

/** Roster text as stored: NFC, single spaces, no control or invisible characters. */
export function cleanText(text: string): string {
  return stripInvisible(text.normalize('NFC'))
    .replace(/[\u0000-\u001F\u007F-\u009F]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
}
