/**
 * npm run build:rulepack    compile every check version's check files into
 *   src/generated/rulepacks.json  which packs the bundle carries, and where each one's description is
 *   src/generated/rulepacks.bin   the tables, raw, then each pack's description as UTF-8 JSON: a
 *                                 Data module, so the Worker gets them as an ArrayBuffer, with
 *                                 nothing to parse, decode or compile at start-up (a pack's
 *                                 JSON is parsed when the pack is first used)
 * and the committed check models beside them (src/generated/checkmodels.{json,bin}; see
 * scripts/checkmodel-pack.ts). The bundle carries each notice version's newest check version;
 * older ones go to the archive (src/generated/archive.json and src/generated/assets; see
 * scripts/check-archive.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { splitByNewest, writeArchive } from './check-archive'
import { writeCheckModels } from './checkmodel-pack'
import { compileRulePacks, layoutPacks, readRulePackInputs, RulePackError } from './rulepack'

const root = path.resolve(import.meta.dirname, '..')
const outDir = path.join(root, 'src/generated')
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`

try {
  const started = performance.now()
  const { bundled, archived } = splitByNewest(compileRulePacks(await readRulePackInputs(root)))
  const { index, bytes } = layoutPacks(bundled)
  const json = JSON.stringify(index)
  await mkdir(outDir, { recursive: true })
  await writeFile(path.join(outDir, 'rulepacks.json'), json)
  await writeFile(path.join(outDir, 'rulepacks.bin'), bytes)
  console.log(
    `rule packs: ${Object.keys(index).join(', ')} -> src/generated/rulepacks.json ` +
      `(${(json.length / 1024).toFixed(1)} KiB) + rulepacks.bin (${kib(bytes.length)}), ` +
      `${(performance.now() - started).toFixed(0)} ms`,
  )
  // The learned channel: the bundled check versions' models, in a data module of their own.
  const bundledChecks = new Set(bundled.map(({ meta }) => `${meta.notice}@c${meta.check}`))
  console.log(await writeCheckModels(root, outDir, bundledChecks))
  const held = await writeArchive(root, archived)
  await writeFile(path.join(outDir, 'archive.json'), JSON.stringify(held))
  console.log(
    `archived check versions (static assets, fetched when pinned): ${
      Object.values(held)
        .map((h) => `${h.notice}@c${h.check} ${kib(h.bytes)}`)
        .join(', ') || '(none)'
    }`,
  )
} catch (error) {
  if (!(error instanceof RulePackError)) throw error
  console.error(error.message)
  process.exit(1)
}
