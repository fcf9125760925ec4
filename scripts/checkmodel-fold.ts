/**
 * The check model's fold tables (see src/check/model.ts): what every BMP code unit reads as, and
 * how styled mathematical letters fold. Built with the rule pack's character folding (NFKC,
 * accents, Cyrillic and Greek look-alikes, case, opencc traditional -> simplified) when the model
 * is trained, and committed with its weights: the model must be scored on the folding it was
 * trained on, whatever later changes to the rule pack's folding.
 */
import {
  FOLD_CHAR,
  FOLD_CURRENCY,
  FOLD_DIGIT,
  FOLD_DOT,
  FOLD_INVISIBLE,
  FOLD_LETTER,
  FOLD_SENTENCE,
  FOLD_SEPARATOR,
  FOLD_SURROGATE,
  FOLD_SYMBOL,
  FOLD_TOKEN,
} from '../src/check/model'
import { foldChar } from './rulepack'

const INVISIBLE = /^[\p{M}\p{Cf}\p{Default_Ignorable_Code_Point}]$/u
const SENTENCE = new Set([...'。！？；!?;｡\n\r\u2028\u2029\u0085\v\f'])
const CURRENCY = new Set([...'¥$€£￥＄￡€'])
/** Scripts whose characters are tokens of their own (no spaces between words). */
const CHAR_SCRIPT =
  /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Bopomofo}\p{Script=Thai}]$/u
const LETTER = /^\p{L}$/u
const DIGIT = /^\p{Nd}$/u
/** Emoji and pictographs: a symbol that means something. */
const PICTOGRAPH = /^\p{Extended_Pictographic}$/u

/** The fold value of one BMP code point. */
export function foldValue(cp: number): number {
  const ch = String.fromCodePoint(cp)
  // Unassigned and private-use code points: tokens of their own, which keeps the table sparse.
  if (/^[\p{Cn}\p{Co}]$/u.test(ch)) return FOLD_TOKEN
  if (INVISIBLE.test(ch)) return FOLD_INVISIBLE
  if (SENTENCE.has(ch)) return FOLD_SENTENCE
  if (ch === '.' || ch === '．') return FOLD_DOT
  if (CURRENCY.has(ch)) return FOLD_CURRENCY
  if (PICTOGRAPH.test(ch)) return FOLD_SYMBOL
  const folded = [...foldChar(ch)]
  if (folded.length === 0) return FOLD_INVISIBLE
  const f = folded[0] as string
  if (folded.every((c) => DIGIT.test(c))) return FOLD_DIGIT
  if (CHAR_SCRIPT.test(f)) {
    const fcp = f.codePointAt(0) as number
    if (fcp === cp) return FOLD_TOKEN
    return fcp >= FOLD_CHAR && fcp <= 0xffff ? fcp : FOLD_TOKEN
  }
  if (LETTER.test(f)) {
    const fcp = f.codePointAt(0) as number
    // A letter of a script with spaces between words: part of a word token.
    if (fcp >= FOLD_LETTER && fcp < FOLD_CHAR) return fcp
    return fcp === cp ? FOLD_TOKEN : FOLD_SEPARATOR
  }
  if (/^\p{N}$/u.test(f)) return FOLD_TOKEN
  return FOLD_SEPARATOR
}

export function foldTables(): { fold: Uint16Array; styled: Uint8Array } {
  const fold = new Uint16Array(0x10000)
  for (let cp = 0; cp < 0x10000; cp++)
    fold[cp] = cp >= 0xd800 && cp <= 0xdfff ? FOLD_SURROGATE : foldValue(cp)
  const styled = new Uint8Array(0x400)
  for (let i = 0; i < 0x400; i++) {
    const folded = String.fromCodePoint(0x1d400 + i)
      .normalize('NFKC')
      .toLowerCase()
    if (/^[a-z0-9]$/.test(folded)) styled[i] = folded.charCodeAt(0)
  }
  return { fold, styled }
}
