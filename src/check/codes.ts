/**
 * The numbers the rule pack's tables and the engine's code are written in (character classes,
 * pattern kinds, verdicts, channels, the layout of a pattern), in a module of their own that
 * imports nothing: esbuild writes the value of such a module's constants wherever they are used
 * (only of those declared before anything else, in a module with no imports). The Worker runs
 * the bundle, where each one would otherwise be a module variable, read and checked at every use
 * in the scan's loop. pack.ts exports them all.
 */
/** Character classes. Classes below DIGIT never reach the automaton. */
export const OTHER = 0 // a character no pattern uses: resets the automaton, separates words
export const INVISIBLE = 1 // zero-width, bidi and format marks, combining marks: as if absent
export const SKIP = 2 // spaces, punctuation, symbols: seen through, but they part Latin letters
export const MARK = 3 // a skip (★, *) that a pattern may require at a junction (秘密★1年)
export const CLAUSE = 4 // a skip that also ends a clause (，,：:)
export const SENTENCE = 5 // a skip that also ends a sentence (。.!?！？；;\n)
export const DIGIT = 6 // every digit folds to this one class; a run of digits counts once
export const LETTER_A = 7 // a..z are 7..32; DIGIT..LETTER_Z are "word" classes for boundaries
export const LETTER_Z = 32

export const KIND_TERM = 0
export const KIND_ALLOW = 1
export const KIND_CUE = 2

export const VERDICT_REVIEW = 1
export const VERDICT_BLOCK = 2

export const CHANNEL_TEXT = 0 // exact or folded, told apart at run time
export const CHANNEL_PINYIN = 1
export const CHANNEL_HOMOPHONE = 2
export const CHANNEL_EMOJI = 3

export const DIR_AROUND = 0
export const DIR_BEFORE = 1
export const DIR_AFTER = 2

export const SCOPE_CLAUSE = 0
export const SCOPE_SENTENCE = 1
export const SCOPE_MESSAGE = 2
/** Within the window, across clause and sentence ends. */
export const SCOPE_NEAR = 3

/**
 * One pattern is PATTERN_STRIDE values:
 * 0 flags: kind | channel << 4 | latinStart << 7 | latinEnd << 8
 * 1 length in symbols
 * 2 terms and allow words: rule index + 1 (0 = every rule); cues: index into masks of the groups
 * 3 terms: index k into masks of the entries that list it: masks[k] = how many, then their indices
 *   (RulePackData.entries), in order; 0 otherwise
 * 4 Latin spacing and marks: index k into masks, masks[k] = junctions (bit i: symbols i-1 and i
 *   are both Latin), masks[k + 1] = breaks (the junctions where the word itself has a space); with
 *   FLAG_MARKS, masks[k + 2] = the junctions where a MARK character must stand; 0 = none
 * 5 label: index into labels of the canonical term (or cue word)
 * 6 form: 1 + index into labels of this spelling in lower case; 0 when it is the label
 */
export const PATTERN_STRIDE = 7
export const FLAG_LATIN_START = 1 << 7
export const FLAG_LATIN_END = 1 << 8
export const FLAG_MARKS = 1 << 9

/** The longest pattern, in symbols; the engine keeps this much history in ring buffers. */
export const MAX_PATTERN = 63

/** Code points per block of the two-level BMP class table (see TABLES.bmpBlocks). */
export const BMP_BLOCK_BITS = 6
export const BMP_BLOCK_MASK = (1 << BMP_BLOCK_BITS) - 1

/** Character runs whose class steps up by one per code point (ａ..ｚ, ⓐ..ⓩ) set this class bit. */
export const RUN_STEPS = 0x8000

export const PACK_FORMAT = 13
