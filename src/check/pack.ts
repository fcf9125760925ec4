/**
 * The compiled rule pack: what scripts/rulepack.ts writes and the engine reads.
 *
 * Everything the hot loop touches is a typed-array view into one buffer built at compile time, so
 * loading a pack decodes nothing and the engine never allocates per character.
 */
import { logit, type CheckModel, type CheckModelData } from './model'
import {
  OTHER,
  SKIP,
  SCOPE_MESSAGE,
  PATTERN_STRIDE,
  BMP_BLOCK_BITS,
  BMP_BLOCK_MASK,
  RUN_STEPS,
  PACK_FORMAT,
} from './codes'

export * from './codes'

export interface Bilingual {
  zh: string
  en: string
}

/**
 * The binary tables of a pack. They live in one shared buffer (the Data module the build writes,
 * so nothing is parsed, decoded or compiled at start-up); the pack's JSON says where each one is.
 */
export const TABLES = {
  /**
   * Class of every BMP code point, in two levels: the class of c is
   * bmpClasses[bmpBlocks[c >> BMP_BLOCK_BITS] + (c & BMP_BLOCK_MASK)]. Blocks of code points
   * that classify alike are stored once (most of the BMP is OTHER), so a pack's character table
   * is tens of KiB instead of 128 KiB: bytes every isolate copies and pages in at start-up.
   */
  bmpBlocks: Uint32Array,
  bmpClasses: Uint16Array,
  /** (first code point, run length, class | RUN_STEPS) triples above the BMP, sorted. */
  astral: Uint32Array,
  /**
   * Double-array Aho-Corasick automaton over classes: the child of state s on class c is
   * t = base[s] + c when check[t] === s; fail[s] is the failure link; outHead[s] indexes outs,
   * where a state's output list is stored as its length, then its pattern ids (0 = no outputs).
   */
  base: Uint16Array,
  check: Uint16Array,
  fail: Uint16Array,
  outHead: Uint16Array,
  outs: Uint16Array,
  /** PATTERN_STRIDE values per pattern. */
  patterns: Uint16Array,
  /** Group masks and Latin spacing masks; masks[0] = 0. */
  masks: Int32Array,
  /** Terms and cue words, and the spellings that differ from them, one per line (UTF-16). */
  labels: Uint16Array,
  /** Where label i starts in labels (it ends one before label i + 1 starts); one more at the end. */
  labelStarts: Uint32Array,
} as const
export type TableName = keyof typeof TABLES

/** Where a pack sits in the build's output: one per (notice version, check version). */
export const packKey = (notice: string, version: number, check: number) =>
  `${notice}@${version}/c${check}`

export interface RulePackData {
  format: typeof PACK_FORMAT
  notice: string
  /** The notice version it checks against. */
  version: number
  /** The check version (c1, c2...) it belongs to. */
  check: number
  rules: { id: string; name: Bilingual }[]
  /** Cue groups; a barrier's words end the reach of cues that clear a hit. */
  groups: { id: string; dir: number; scope: number; window: number; barrier: boolean }[]
  /**
   * Per rule: masks of the cue groups that clear a hit (the global ones included), that raise a
   * review hit to block, and that lower a block hit to review.
   */
  rulePass: number[]
  ruleBoost: number[]
  ruleLower: number[]
  /** Mask of the groups that negate context: a cue they apply to (as a pass cue would) counts for nothing. */
  negate: number
  /** Per cue group, its longest cue in symbols: how far before its end a cue can start. */
  longestCue: number[]
  /**
   * Per term entry: its verdict (VERDICT_*), masks of cue groups: at least one of needs, each of
   * all, and pass and lower as for rules; note: index into notes, or -1.
   */
  entries: {
    verdict: number[]
    needs: number[]
    all: number[]
    pass: number[]
    lower: number[]
    note: number[]
  }
  /**
   * Optional (check version c3 on): how the rules' hits and the model's scores combine. context:
   * mask of the cue groups whose cue anywhere in the message (not inside a longer term) allows a
   * review hit of the rules to be dropped; floor: per rule, the model's score (0-1) below which
   * it is (0: never). From c4, optional per rule as well: veto, the score below which a review
   * hit is dropped whatever the context (in a message of vetoLength characters or more), and
   * blockFloor, the score below which a block hit is dropped where a context cue stands.
   */
  fusion?: {
    context: number
    floor: number[]
    veto?: number[]
    vetoLength?: number
    /** From c5: the veto also needs this many of the model's tokens (words, Han characters, numbers). */
    vetoTokens?: number
    blockFloor?: number[]
  }
  /** Byte offset and element count of each table in the shared buffer. */
  tables: Record<TableName, [offset: number, length: number]>
  notes: Bilingual[]
}

/**
 * What src/generated/rulepacks.json says of a pack: enough to list the check versions at
 * start-up. The rest of the pack's description (RulePackData) is JSON in the Data module
 * beside its tables, at meta = [byte offset, byte length], decoded only when the pack is first
 * used: as a JS module, the JSON of every pack was compiled and evaluated at every cold start.
 */
export interface RulePackIndexEntry {
  notice: string
  version: number
  check: number
  meta: [offset: number, bytes: number]
}

/**
 * A check version that is no longer the newest of any notice version it covers, as
 * src/generated/archive.json lists it: its packs and its model are one file among the Worker's
 * static assets (src/generated/assets), not in the bundle, so that publishing check versions does
 * not make every cold start slower; it is fetched, checked against its sha256 and loaded when a
 * caller first pins that version. Offsets (packs' meta, the model's tables) are in that file.
 */
export interface ArchivedCheck {
  notice: string
  check: number
  /** The file's path among the static assets, its size and its SHA-256 (hex). */
  file: string
  bytes: number
  sha256: string
  /** By pack key (packKey): the pack as the index of the Worker's own packs would list it. */
  packs: Record<string, RulePackIndexEntry>
  model?: CheckModelData
}

/**
 * The description of a pack, decoded from the Data module (see RulePackIndexEntry). The build
 * writes it as ASCII JSON (\u escapes beyond), so the bytes are the UTF-16 units: no TextDecoder,
 * whose first use alone measured a millisecond in Node.
 */
export function packDataAt(entry: RulePackIndexEntry, buffer: ArrayBuffer): RulePackData {
  const [offset, bytes] = entry.meta
  return JSON.parse(utf16(new Uint8Array(buffer, offset, bytes))) as RulePackData
}

export interface RulePack {
  readonly notice: string
  readonly version: number
  /** The check version (c1, c2...) it belongs to. */
  readonly checkVersion: number
  readonly rules: readonly { id: string; name: Bilingual }[]
  readonly groups: RulePackData['groups']
  readonly rulePass: Int32Array
  readonly ruleBoost: Int32Array
  readonly ruleLower: Int32Array
  readonly entryVerdict: Int32Array
  readonly entryNeeds: Int32Array
  readonly entryAll: Int32Array
  readonly entryPass: Int32Array
  readonly entryLower: Int32Array
  readonly entryNote: Int32Array
  /** Mask of groups whose scope is the whole message. */
  readonly messageGroups: number
  /** Mask of barrier groups (但是, however). */
  readonly barrierGroups: number
  /** Mask of the groups whose cues make the context they stand before no context (严禁…发红包). */
  readonly negateGroups: number
  /** Per cue group, its longest cue in symbols. */
  readonly longestCue: Int32Array
  /** The widest window of the groups whose scope is not the whole message. */
  readonly widestWindow: number
  /** See RulePackData.fusion; the floors as logits per rule (-Infinity: never dropped). */
  readonly fusion?: {
    readonly context: number
    readonly floorLogit: Float64Array
    readonly vetoLogit: Float64Array
    /** The shortest message (UTF-16 units) the veto applies to: a short one tells the model little. */
    readonly vetoLength: number
    /**
     * The fewest tokens (a word, a Han character, a number: see countTokens) the veto applies
     * to; 0: no such limit. Ten English words are a short message though they are 60 characters.
     */
    readonly vetoTokens: number
    readonly blockFloorLogit: Float64Array
  }
  readonly bmpBlocks: Uint32Array
  readonly bmpClasses: Uint16Array
  readonly astral: Uint32Array
  readonly base: Uint16Array
  readonly check: Uint16Array
  readonly fail: Uint16Array
  readonly outHead: Uint16Array
  readonly outs: Uint16Array
  readonly patterns: Uint16Array
  readonly masks: Int32Array
  /** Label i: a term or cue word as reasons and hits show it. */
  label(i: number): string
  readonly notes: readonly Bilingual[]
  /** The learned channel of the check version, when it has one (see withModel). */
  readonly model?: CheckModel
  /** Per rule of the model, the index of the same rule in rules (-1: the pack has no such rule). */
  readonly modelRules?: Int32Array
}

/** The pack with its check version's model as the learned channel (checkMessage runs both). */
export function withModel(pack: RulePack, model: CheckModel | undefined): RulePack {
  if (!model) return pack
  const ids = pack.rules.map((r) => r.id)
  return { ...pack, model, modelRules: Int32Array.from(model.rules, (id) => ids.indexOf(id)) }
}

/** UTF-16 units (or Latin-1 bytes) -> string, in chunks small enough to pass as arguments. */
function utf16(units: Uint16Array | Uint8Array): string {
  let out = ''
  for (let i = 0; i < units.length; i += 4096)
    out += String.fromCharCode.apply(null, units.subarray(i, i + 4096) as unknown as number[])
  return out
}

/** Views over the tables (no copying, no decoding), plus the labels as strings. */
export function loadRulePack(data: RulePackData, buffer: ArrayBuffer): RulePack {
  if (data.format !== PACK_FORMAT)
    throw new Error(`unsupported rule pack format ${String(data.format)}`)
  const view = <K extends TableName>(name: K) => {
    const [offset, length] = data.tables[name]
    return new TABLES[name](buffer, offset, length) as InstanceType<(typeof TABLES)[K]>
  }
  const units = view('labels')
  const starts = view('labelStarts')
  const labels: string[] = []
  let messageGroups = 0
  let barrierGroups = 0
  let widestWindow = 0
  data.groups.forEach((g, i) => {
    if (g.scope === SCOPE_MESSAGE) messageGroups |= 1 << i
    else if (g.window > widestWindow) widestWindow = g.window
    if (g.barrier) barrierGroups |= 1 << i
  })
  return {
    notice: data.notice,
    version: data.version,
    checkVersion: data.check,
    rules: data.rules,
    groups: data.groups,
    rulePass: Int32Array.from(data.rulePass),
    ruleBoost: Int32Array.from(data.ruleBoost),
    ruleLower: Int32Array.from(data.ruleLower),
    entryVerdict: Int32Array.from(data.entries.verdict),
    entryNeeds: Int32Array.from(data.entries.needs),
    entryAll: Int32Array.from(data.entries.all),
    entryPass: Int32Array.from(data.entries.pass),
    entryLower: Int32Array.from(data.entries.lower),
    entryNote: Int32Array.from(data.entries.note),
    messageGroups,
    barrierGroups,
    negateGroups: data.negate,
    longestCue: Int32Array.from({ length: 32 }, (_, g) => data.longestCue[g] ?? 0),
    widestWindow,
    // Every pack has the same properties (fusion, model and modelRules undefined where it has
    // none), so all have one shape: code V8 optimised for one check version's packs does not
    // deoptimise on another's. (Seen: the bench's worst case, moving from c1's packs to c2's,
    // found decide's optimised code deoptimising at every call, and 收到红包 x 2,500 took 3.7 ms.)
    fusion: data.fusion && {
      context: data.fusion.context,
      floorLogit: Float64Array.from(data.fusion.floor, logit),
      vetoLogit: Float64Array.from(data.fusion.veto ?? data.fusion.floor.map(() => 0), logit),
      vetoLength: data.fusion.vetoLength ?? 0,
      vetoTokens: data.fusion.vetoTokens ?? 0,
      blockFloorLogit: Float64Array.from(
        data.fusion.blockFloor ?? data.fusion.floor.map(() => 0),
        logit,
      ),
    },
    bmpBlocks: view('bmpBlocks'),
    bmpClasses: view('bmpClasses'),
    astral: view('astral'),
    base: view('base'),
    check: view('check'),
    fail: view('fail'),
    outHead: view('outHead'),
    outs: view('outs'),
    patterns: view('patterns'),
    masks: view('masks'),
    // Only a hit needs labels: each becomes a string when it is first shown (a pack has tens of
    // thousands; a message shows a few).
    label(i: number) {
      let label = labels[i]
      if (label !== undefined) return label
      if (i < 0 || i + 1 >= starts.length) return ''
      label = utf16(units.subarray(starts[i] as number, (starts[i + 1] as number) - 1))
      labels[i] = label
      return label
    },
    notes: data.notes,
    model: undefined,
    modelRules: undefined,
  }
}

/** The class of the code point at text[i] (and how many code units it takes). */
export function classAt(pack: RulePack, text: string, i: number): number {
  const c = text.charCodeAt(i)
  if ((c & 0xf800) !== 0xd800)
    return pack.bmpClasses[
      (pack.bmpBlocks[c >> BMP_BLOCK_BITS] as number) + (c & BMP_BLOCK_MASK)
    ] as number
  const lo = text.charCodeAt(i + 1)
  if (c < 0xdc00 && (lo & 0xfc00) === 0xdc00)
    return astralClass(pack.astral, ((c - 0xd800) << 10) + (lo - 0xdc00) + 0x10000)
  return SKIP
}

/** Binary search over the astral runs; astral characters are rare (emoji, styled letters). */
export function astralClass(runs: Uint32Array, cp: number): number {
  let lo = 0
  let hi = (runs.length / 3) | 0
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    const start = runs[mid * 3] as number
    if (cp < start) hi = mid
    else if (cp >= start + (runs[mid * 3 + 1] as number)) lo = mid + 1
    else {
      const cls = runs[mid * 3 + 2] as number
      return cls & RUN_STEPS ? (cls ^ RUN_STEPS) + cp - start : cls
    }
  }
  return OTHER
}
