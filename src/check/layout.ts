/**
 * The engine's ring buffers and match records: their size, flags and fields. In a module of its
 * own that imports nothing, as ./codes is, so that esbuild writes these values where the scan's
 * loop uses them (see there).
 */

/** Symbols the ring buffers remember (more than MAX_PATTERN, so a match's symbols are all there). */
export const RING = 64
export const MASK = RING - 1
// A symbol's values in the ring buffer, RING_STRIDE int32s each.
export const R_FLAGS = 0 // GAP | GLUED
export const R_START = 1 // UTF-16 offset where the symbol starts
export const R_TOKEN = 2 // token number: a Han character or a Latin word is a token
export const R_CLAUSE = 3
export const R_SENTENCE = 4
export const RING_STRIDE = 8
/** Ring flags of a symbol: skipped characters before it. */
export const GAP = 1
/** A Latin letter or digit right after another: no word boundary before it. */
export const GLUED = 2

// The fields of a match found by the scan, FIELDS int32s each.
export const PAT = 0
export const SSYM = 1
export const ESYM = 2
export const SOFF = 3
export const EOFF = 4
export const STOK = 5
export const ETOK = 6
export const SCLAUSE = 7
export const ECLAUSE = 8
export const SSENT = 9
export const ESENT = 10
export const STATE = 11 // per match: DROPPED, or IN_TERM for a cue inside a longer term
export const VERDICT = 12 // per hit: how strong it is
export const CUE = 13 // per hit: the cue that decided it, or -1
export const NEGATED = 14 // per cue: 0 not yet known, 1 free, 2 under a negation (no context)
export const ENTRY = 15 // per hit: the term entry that decided it
export const FIELDS = 16
// Values of STATE.
export const DROPPED = 1
export const IN_TERM = 2
