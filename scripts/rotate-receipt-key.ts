/**
 * npm run rotate-receipt-key
 *   Rotates the receipt signing key in the local .dev.vars: a new RECEIPT_PRIVATE_KEY signs from
 *   now on, and the old key's public half joins RECEIPT_RETIRED_KEYS, so every receipt and
 *   checkpoint it signed keeps verifying. Restart `npm start` afterwards.
 *
 * npm run rotate-receipt-key -- --published keys.json [--out DIR]
 *   For production, where the private key cannot be read back: from the JWK set the Worker
 *   publishes now (curl https://HOST/.well-known/redlines-receipt-keys.json > keys.json), writes
 *   DIR/RECEIPT_RETIRED_KEYS.json (every published key) and DIR/RECEIPT_PRIVATE_KEY.json (the new
 *   key, mode 0600) and prints the `wrangler secret put` commands, retired keys first.
 *
 * Prints key ids only, never a private key.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fail, option } from './cli'
import { readDevVar, writeDevVars } from './dev-vars'
import { newPrivateKey, rotate, rotatePublished, type Rotation } from './receipt-keys'

function describe(rotation: Rotation) {
  console.log(`signing key now: ${rotation.current}`)
  console.log(`retired keys (still published, still verify): ${rotation.retired.join(', ')}`)
}

async function local() {
  const file = path.resolve(import.meta.dirname, '..', '.dev.vars')
  if (!existsSync(file)) fail('no .dev.vars: run npm run setup:local first')
  const text = readFileSync(file, 'utf8')
  const current = readDevVar(text, 'RECEIPT_PRIVATE_KEY')
  if (!current) fail('.dev.vars has no RECEIPT_PRIVATE_KEY: run npm run setup:local first')
  const rotation = await rotate(
    {
      RECEIPT_PRIVATE_KEY: current,
      RECEIPT_RETIRED_KEYS: readDevVar(text, 'RECEIPT_RETIRED_KEYS'),
    },
    await newPrivateKey(),
  ).catch((error: Error) => fail(`cannot rotate: ${error.message}`))
  writeFileSync(
    file,
    writeDevVars(text, {
      RECEIPT_PRIVATE_KEY: rotation.RECEIPT_PRIVATE_KEY,
      RECEIPT_RETIRED_KEYS: rotation.RECEIPT_RETIRED_KEYS,
    }),
    { mode: 0o600 },
  )
  console.log('.dev.vars: receipt key rotated')
  describe(rotation)
  console.log('restart npm start (wrangler dev) to sign with the new key')
}

async function production(publishedFile: string) {
  let published: unknown
  try {
    published = JSON.parse(readFileSync(publishedFile, 'utf8'))
  } catch (error) {
    fail(`cannot read ${publishedFile}: ${(error as Error).message}`)
  }
  const rotation = await rotatePublished(published, await newPrivateKey()).catch((error: Error) =>
    fail(`cannot rotate: ${error.message}`),
  )
  const out = path.resolve(option('--out') ?? `receipt-key-rotation-${Date.now()}`)
  mkdirSync(out, { recursive: true, mode: 0o700 })
  const retired = path.join(out, 'RECEIPT_RETIRED_KEYS.json')
  const secret = path.join(out, 'RECEIPT_PRIVATE_KEY.json')
  writeFileSync(retired, rotation.RECEIPT_RETIRED_KEYS)
  writeFileSync(secret, rotation.RECEIPT_PRIVATE_KEY, { mode: 0o600 })
  describe(rotation)
  console.log(
    '\nNow, in this order (the retired keys first, so nothing stops verifying meanwhile):',
  )
  console.log(`  npx wrangler secret put RECEIPT_RETIRED_KEYS < ${retired}`)
  console.log(`  npx wrangler secret put RECEIPT_PRIVATE_KEY < ${secret}`)
  console.log(`  rm ${secret}`)
}

const publishedFile = option('--published')
await (publishedFile ? production(publishedFile) : local())
