/**
 * npm run verify-receipt -- receipt.json [published-keys.json]
 *
 * Checks a downloaded acknowledgement receipt offline: the Ed25519 signature over the canonical
 * receipt, and that the key is the one published at /.well-known/redlines-receipt-keys.json.
 * Fetches nothing. Without a key file, the key embedded in the receipt is used and its id is
 * printed to compare with the published one. Exit 0: valid; 1: invalid; 2: cannot read input.
 */
import { readFileSync } from 'node:fs'
import { checkReceiptFile } from '../src/acknowledgements/offline'

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    console.error(`cannot read ${file}: ${(error as Error).message}`)
    process.exit(2)
  }
}

const [receiptFile, keyFile] = process.argv.slice(2)
if (!receiptFile) {
  console.error('usage: npm run verify-receipt -- receipt.json [published-keys.json]')
  process.exit(2)
}
const receipt = readJson(receiptFile)
const keys = keyFile ? readJson(keyFile) : undefined
const result = await checkReceiptFile(receipt, keys)
const r = (receipt as { receipt?: { receiptId?: string; official?: { name?: string } } }).receipt

if (result.valid) {
  console.log(`VALID: receipt ${r?.receiptId} is signed by key ${result.keyId}`)
  if (result.keySource === 'embedded')
    console.log(
      'note: checked against the key embedded in the receipt; to be sure it is the published key, ' +
        'compare this key id with /.well-known/redlines-receipt-keys.json or pass that file as the second argument',
    )
  else console.log('the key is among the published keys given')
  process.exit(0)
}
console.log(`INVALID: ${result.problems.join('; ')}`)
process.exit(1)
