/**
 * npm run build:rulepack    compile every check version's check files into
 *   src/generated/rulepacks.json  which packs there are, and where each one's description is
 *   src/generated/rulepacks.bin   the tables, raw, then each pack's description as UTF-8 JSON: a
 *                                 Data module, so the Worker gets them as an ArrayBuffer, with
 *                                 nothing to parse, decode or compile at start-up (a pack's
 *                                 JSON is parsed when the pack is first used)
 * and the committed check models beside them (src/generated/checkmodels.{json,bin}; see
 * scripts/checkmodel-pack.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { writeCheckModels } from './checkmodel-pack'
import { compileRulePacks, layoutPacks, readRulePackInputs, RulePackError } from './rulepack'

const root = path.resolve(import.meta.dirname, '..')
const outDir = path.join(root, 'src/generated')

try {
  const started = performance.now()
  const { index, bytes } = layoutPacks(compileRulePacks(await readRulePackInputs(root)))
  const json = JSON.stringify(index)
  await mkdir(outDir, { recursive: true })
  await writeFile(path.join(outDir, 'rulepacks.json'), json)
  await writeFile(path.join(outDir, 'rulepacks.bin'), bytes)
  console.log(
    `rule packs: ${Object.keys(index).join(', ')} -> src/generated/rulepacks.json ` +
      `(${(json.length / 1024).toFixed(1)} KiB) + rulepacks.bin (${(bytes.length / 1024).toFixed(0)} KiB), ` +
      `${(performance.now() - started).toFixed(0)} ms`,
  )
  // The learned channel: committed check models, in a data module of their own.
  console.log(await writeCheckModels(root, outDir))
} catch (error) {
  if (!(error instanceof RulePackError)) throw error
  console.error(error.message)
  process.exit(1)
}
