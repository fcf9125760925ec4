/**
 * npm run setup:local (run by `npm start` first): writes .dev.vars with fresh random secrets when
 * it is missing, and adds any secret a newer version needs to an existing one. Never overwrites
 * a value, never prints one. .dev.vars is git-ignored; production uses `wrangler secret put`.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

const file = path.resolve(import.meta.dirname, '..', '.dev.vars')
const random = () => randomBytes(32).toString('base64url')

const secrets: Record<string, () => string> = {
  ADMIN_TOKEN: random,
  LINK_SECRET: random,
  IP_HASH_KEY: random,
  SESSION_SECRET: random,
  RECEIPT_PRIVATE_KEY: () =>
    JSON.stringify(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })),
}

const existing = existsSync(file) ? readFileSync(file, 'utf8') : ''
const present = new Set(
  existing
    .split('\n')
    .map((line) => /^([A-Z0-9_]+)=/.exec(line)?.[1])
    .filter(Boolean),
)
const added = Object.keys(secrets).filter((name) => !present.has(name))
if (added.length === 0) {
  console.log('.dev.vars: all secrets present')
} else {
  // JSON values go in single quotes: dotenv keeps them literally.
  const lines = added.map((name) => {
    const value = secrets[name]!()
    return `${name}=${value.startsWith('{') ? `'${value}'` : value}`
  })
  const prefix = existing && !existing.endsWith('\n') ? '\n' : ''
  writeFileSync(file, `${existing}${prefix}${lines.join('\n')}\n`, { mode: 0o600 })
  console.log(`.dev.vars: ${existing ? 'added' : 'created with'} ${added.join(', ')}`)
}
