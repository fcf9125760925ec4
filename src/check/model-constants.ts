/**
 * The learned channel's constants (model.ts exports them): the values of its fold table and the
 * layout of its slot table. A module of their own so that model.ts can hold them as its own consts.
 */

/** Values of the fold table below FOLD_LETTER are classes; above, folded code points. */
export const FOLD_TOKEN = 0 // a token of its own that folds to itself (Han, kana, Hangul, ...)
export const FOLD_SEPARATOR = 1 // space, punctuation, symbols: ends a word, seen through otherwise
export const FOLD_SENTENCE = 2 // ends a sentence (。！？；!?; and line breaks)
export const FOLD_INVISIBLE = 3 // zero-width, bidi, combining and variation marks: as if absent
export const FOLD_DIGIT = 4 // a run of digits is one token
export const FOLD_DOT = 5 // "." ends a sentence before a space or the end, else separates
export const FOLD_CURRENCY = 6 // ¥ $ € £ and their full-width forms: one token
export const FOLD_SYMBOL = 7 // emoji and pictographs: a feature of its own, transparent to n-grams
export const FOLD_SURROGATE = 8 // half of a character above the BMP (the scan reads the pair)
/** 0x20..0x2fff: a letter of a word, folded to this code point (lower case, no accents). */
export const FOLD_LETTER = 0x20
/** 0x3000 and above: a token, folded to this code point (simplified Han). */
export const FOLD_CHAR = 0x3000

/** Int32 words per slot of the slot table (see MODEL_TABLES in model.ts). */
export const SLOT_WORDS = 3
