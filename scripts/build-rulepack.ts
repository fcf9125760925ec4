/**
 * npm run build:rulepack    compile every check version's check files into
 *   src/generated/rulepacks.json  what each pack is and where its tables are
 *   src/generated/rulepacks.bin   the tables, raw: a Data module, so the Worker gets them as an
 *                                 ArrayBuffer, with nothing to parse, decode or compile at start-up
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
  const { packs, bytes } = layoutPacks(compileRulePacks(await readRulePackInputs(root)))
  const json = JSON.stringify(packs)
  await mkdir(outDir, { recursive: true })
  await writeFile(path.join(outDir, 'rulepacks.json'), json)
  await writeFile(path.join(outDir, 'rulepacks.bin'), bytes)
  console.log(
    `rule packs: ${Object.keys(packs).join(', ')} -> src/generated/rulepacks.json ` +
      `(${(json.length / 1024).toFixed(0)} KiB) + rulepacks.bin (${(bytes.length / 1024).toFixed(0)} KiB), ` +
      `${(performance.now() - started).toFixed(0)} ms`,
  )
  // The learned channel: committed check models, in a data module of their own.
  console.log(await writeCheckModels(root, outDir))
} catch (error) {
  if (!(error instanceof RulePackError)) throw error
  console.error(error.message)
  process.exit(1)
}
