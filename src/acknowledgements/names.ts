/**
 * The name an official types is compared with the roster after normalising what phones vary:
 * full-width letters and spaces (NFKC), letter case, spaces anywhere (张 三 = 张三), and the
 * several middle dots used in transliterated names (阿依古丽·买买提).
 */
export function normaliseName(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u00B7\u2022\u2027\u2219\u30FB\uFF65\u318D.]/g, '·')
    .replace(/[\s\u200B-\u200D\uFEFF]+/g, '')
}

export function namesMatch(typed: string, roster: string): boolean {
  const a = normaliseName(typed)
  return a.length > 0 && a === normaliseName(roster)
}

/** Roster text as stored: NFC, single spaces, no control characters. */
export function cleanText(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[\u0000-\u001F\u007F]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
}
