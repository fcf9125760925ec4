/**
 * npm run setup:local (run by `npm start` first): writes .dev.vars with fresh random secrets when
 * it is missing, and adds any secret a newer version needs to an existing one. Never overwrites
 * a value, never prints one. .dev.vars is git-ignored; production uses `wrangler secret put`.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { readDevVar, writeDevVars } from './dev-vars'

const file = path.resolve(import.meta.dirname, '..', '.dev.vars')
const random = () => randomBytes(32).toString('base64url')

const secrets: Record<string, () => string> = {
  ADMIN_TOKEN: random,
  LINK_SECRET: random,
  IP_HASH_KEY: random,
  SESSION_SECRET: random,
  CHANNEL_SECRET: random,
  // Not a secret: lets channels point at a receiver on this machine (wrangler.toml says "false").
  ALLOW_LOCAL_WEBHOOKS: () => 'true',
  RECEIPT_PRIVATE_KEY: () =>
    JSON.stringify(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })),
  // No key has retired yet; npm run rotate-receipt-key adds them here.
  RECEIPT_RETIRED_KEYS: () => '[]',
}

const existing = existsSync(file) ? readFileSync(file, 'utf8') : ''
const added = Object.keys(secrets).filter((name) => readDevVar(existing, name) === undefined)
if (added.length === 0) {
  console.log('.dev.vars: all secrets present')
} else {
  const values = Object.fromEntries(added.map((name) => [name, secrets[name]!()]))
  writeFileSync(file, writeDevVars(existing, values), { mode: 0o600 })
  console.log(`.dev.vars: ${existing ? 'added' : 'created with'} ${added.join(', ')}`)
}
