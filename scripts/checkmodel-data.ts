/**
 * The check model's data: the project's authored lines (the development set) and the licensed
 * corpora in ../shared/corpora, split the same way every time.
 *
 * - Authored lines are split by author: the test authors' lines are never trained or tuned on;
 *   every other author's lines (the tune half and the training-only authors) are training data.
 * - Each corpus is split by a hash of the text into a train half and a held half; only the train
 *   half is trained on, and identical texts always fall in the same half.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'

export const RULES = [
  'disparaging-policy',
  'pornography',
  'rumours',
  'red-envelopes',
  'vote-rigging',
  'leaking-secrets',
  'online-shops',
  'inappropriate-statements',
] as const
export type RuleId = (typeof RULES)[number]

/** Authors whose lines are the test half: measured at the end, never trained or tuned on. */
export const TEST_AUTHORS = ['a2', 'a4', 'a6']
/** Authors whose lines are the tune half (the rest of the training authors are training-only). */
export const TUNE_AUTHORS = ['a1', 'a3', 'a5']
/**
 * Authors whose lines are the fresh half: written after the test half had been measured many
 * times (eight, over check versions c4 and c5), to be a held-out measure nobody has spent yet.
 * Never trained or tuned on, like the test half.
 */
export const FRESH_AUTHORS = ['a7', 'a8', 'a9']
/**
 * The second fresh half: written for the stop after check version c11 was published, when the
 * fresh half had in turn been measured for six check versions (c6 to c11). Never trained or tuned
 * on; `npm run eval` reports it as a fourth half.
 */
export const FRESH2_AUTHORS = ['a13', 'a14', 'a15']
/**
 * The third fresh half: written for the stop after check version c12 was published (fresh2 had by
 * then been measured three times). Never trained or tuned on; `npm run eval` reports it as fresh3.
 */
export const FRESH3_AUTHORS = ['a16', 'a17', 'a18']
/** The development set's halves, by author; every other author's lines are training-only. */
export const DEV_HALVES = {
  tune: TUNE_AUTHORS,
  test: TEST_AUTHORS,
  fresh: FRESH_AUTHORS,
  fresh2: FRESH2_AUTHORS,
  fresh3: FRESH3_AUTHORS,
} as const satisfies Record<string, readonly string[]>
export type DevHalf = keyof typeof DEV_HALVES
const halfOfAuthor = new Map<string, DevHalf>(
  Object.entries(DEV_HALVES).flatMap(([half, authors]) =>
    authors.map((author) => [author, half as DevHalf] as const),
  ),
)

/** Negative corpora (every line should pass) and the positive one (inappropriate statements). */
export const NEGATIVE_CORPORA = ['lccc-chat', 'cold-safe', 'uci-sms-ham'] as const
export const POSITIVE_CORPUS = 'cold-offensive'
export const CORPUS_LICENCES: Record<string, string> = {
  'lccc-chat': 'MIT (thu-coai/CDial-GPT)',
  'cold-safe': 'Apache-2.0 (thu-coai/COLDataset)',
  'cold-offensive': 'Apache-2.0 (thu-coai/COLDataset)',
  'uci-sms-ham': 'CC BY 4.0 (UCI SMS Spam Collection)',
}

export interface Example {
  text: string
  /** Bit r set: the line crosses RULES[r]. */
  labels: number
  /** An author id (a1, t3...) or a corpus name. */
  source: string
  /** Written for the project (the development set), not from a corpus. */
  authored: boolean
  /** devset: one of DEV_HALVES, or train (training-only authors); corpora: train or held. */
  half: DevHalf | 'train' | 'held'
  /**
   * Corpora's train half only: true for the part the model is not fitted on but whose scores set
   * the thresholds (so they are measured on lines the model never saw).
   */
  calibration: boolean
  /** Violations: plain, evasive or subtle; hard negatives: their category; corpora: the corpus. */
  kind: string
}

interface DevsetLine {
  id: string
  text: string
  expect: 'flag' | 'pass'
  rules: string[]
  kind: string
  category?: string
  author: string
}

const lines = (text: string) => text.split('\n').filter((l) => l.trim())

/** test/fixtures/check when the project has it, else the authors' working folder. */
export function defaultDevsetDir(root: string): string {
  const inProject = path.join(root, 'test/fixtures/check')
  return existsSync(inProject) ? inProject : '/work/devset'
}

/** Every *.jsonl under dir (sorted, so the order never depends on the file system). */
async function jsonlFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  )) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await jsonlFiles(full)))
    else if (entry.name.endsWith('.jsonl')) out.push(full)
  }
  return out
}

export interface LoadedData {
  examples: Example[]
  /** What was read, for the manifest: file -> sha256 and line count. */
  files: { file: string; sha256: string; lines: number }[]
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')

/**
 * The half of a corpus a text belongs to, by a salted hash of the text (cold-offensive is itself
 * the half of COLD's offensive lines picked by sha256(text), so an unsalted hash would put all of
 * it in one half).
 */
export const corpusHalf = (text: string): 'train' | 'held' =>
  (createHash('sha256').update(`redlines check model\n${text}`).digest()[0] as number) & 1
    ? 'held'
    : 'train'

/** Within a corpus's train half, the calibration slice: half of it, by another salted hash. */
const calibrationSlice = (text: string): boolean =>
  ((createHash('sha256').update(`redlines check model\n${text}`).digest()[1] as number) & 1) === 1

/**
 * The development set's lines (every file under devsetDir, or only those named in `only`, paths
 * relative to it: what a committed model was trained from) and the corpora's.
 */
export async function loadData(
  devsetDir: string,
  corporaDir: string,
  only?: ReadonlySet<string>,
): Promise<LoadedData> {
  const examples: Example[] = []
  const files: LoadedData['files'] = []
  const relative = (file: string) => path.relative(devsetDir, file).split(path.sep).join('/')
  for (const file of await jsonlFiles(devsetDir)) {
    if (only && !only.has(relative(file))) continue
    const raw = await readFile(file, 'utf8')
    const rows = lines(raw).map((l, i) => {
      try {
        return JSON.parse(l) as DevsetLine
      } catch {
        throw new Error(`${file}:${i + 1}: not JSON`)
      }
    })
    files.push({
      file: relative(file),
      sha256: sha256(raw),
      lines: rows.length,
    })
    for (const row of rows) {
      let labels = 0
      for (const rule of row.rules) {
        const r = RULES.indexOf(rule as RuleId)
        if (r < 0) throw new Error(`${file}: ${row.id}: unknown rule ${rule}`)
        labels |= 1 << r
      }
      if ((row.expect === 'flag') !== (labels !== 0))
        throw new Error(`${file}: ${row.id}: expect ${row.expect} with rules [${row.rules}]`)
      const half = halfOfAuthor.get(row.author) ?? 'train'
      examples.push({
        text: row.text,
        labels,
        source: row.author,
        authored: true,
        half,
        calibration: false,
        kind: row.expect === 'flag' ? row.kind : (row.category ?? 'other'),
      })
    }
  }
  for (const corpus of [...NEGATIVE_CORPORA, POSITIVE_CORPUS]) {
    const file = path.join(corporaDir, `${corpus}.jsonl`)
    const raw = await readFile(file, 'utf8')
    const rows = lines(raw).map((l) => JSON.parse(l) as { text: string })
    files.push({ file: `${corpus}.jsonl`, sha256: sha256(raw), lines: rows.length })
    const labels = corpus === POSITIVE_CORPUS ? 1 << RULES.indexOf('inappropriate-statements') : 0
    for (const { text } of rows)
      examples.push({
        text,
        labels,
        source: corpus,
        authored: false,
        half: corpusHalf(text),
        calibration: calibrationSlice(text),
        kind: corpus,
      })
  }
  return { examples, files }
}

/** Lines the model is fitted on: never the test authors, never a corpus's held half. */
export const isTraining = (e: Example) =>
  (e.half === 'tune' || e.half === 'train') && !e.calibration
/** Lines that set the thresholds: the calibration slice of each corpus's train half. */
export const isCalibration = (e: Example) => e.half === 'train' && e.calibration
