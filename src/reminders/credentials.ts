/**
 * Webhook URLs and secrets are credentials (whoever has a robot's URL can post to its group):
 * stored AES-256-GCM encrypted under a key derived from CHANNEL_SECRET, shown only masked, never
 * logged. Without CHANNEL_SECRET the channel routes answer 503 not_configured.
 */
import { base64url, fromBase64url, hex, utf8 } from '../acknowledgements/bytes'
import { AppError } from '../errors'

export interface ChannelKeys {
  encrypt: CryptoKey
  rate: CryptoKey
}

const cache = new Map<string, Promise<ChannelKeys>>()

async function derive(secret: string): Promise<ChannelKeys> {
  const base = await crypto.subtle.importKey('raw', utf8(secret), 'HKDF', false, ['deriveKey'])
  const params = (info: string) => ({
    name: 'HKDF',
    hash: 'SHA-256',
    salt: utf8('redlines channels'),
    info: utf8(info),
  })
  return {
    encrypt: await crypto.subtle.deriveKey(
      params('credential encryption'),
      base,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    ),
    rate: await crypto.subtle.deriveKey(
      params('rate key'),
      base,
      { name: 'HMAC', hash: 'SHA-256', length: 256 },
      false,
      ['sign'],
    ),
  }
}

export function channelKeys(env: { CHANNEL_SECRET?: string }): Promise<ChannelKeys> {
  const secret = env.CHANNEL_SECRET
  if (!secret || secret.length < 32) {
    console.error(
      JSON.stringify({
        event: 'not_configured',
        secret: 'CHANNEL_SECRET',
        fix: 'set CHANNEL_SECRET (32 characters or more): npx wrangler secret put CHANNEL_SECRET',
      }),
    )
    return Promise.reject(
      new AppError(
        503,
        'not_configured',
        'Reminder channels need the secret CHANNEL_SECRET (32 characters or more); set it with wrangler secret put CHANNEL_SECRET.',
      ),
    )
  }
  let keys = cache.get(secret)
  if (!keys) {
    keys = derive(secret)
    cache.set(secret, keys)
  }
  return keys
}

/** iv.ciphertext, both base64url; the channel id is bound in as additional data. */
export async function seal(keys: ChannelKeys, plain: string, boundTo: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: utf8(boundTo) },
    keys.encrypt,
    utf8(plain),
  )
  return `${base64url(iv)}.${base64url(sealed)}`
}

export async function open(keys: ChannelKeys, sealed: string, boundTo: string): Promise<string> {
  const [iv, data] = sealed.split('.')
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64url(iv ?? ''), additionalData: utf8(boundTo) },
    keys.encrypt,
    fromBase64url(data ?? ''),
  )
  return new TextDecoder().decode(plain)
}

/** The same robot, whatever unit's channel names it: the key its rate limit is counted under. */
export async function rateKeyOf(keys: ChannelKeys, url: string): Promise<string> {
  return hex(await crypto.subtle.sign('HMAC', keys.rate, utf8(url))).slice(0, 32)
}

/**
 * What people see of a URL: scheme and host, then the last four characters, e.g.
 * "https://qyapi.weixin.qq.com/…9f3a". Enough to tell two robots apart, not to post to one.
 */
export function maskUrl(url: string): string {
  const parsed = new URL(url)
  const tail = url.length > 12 ? url.slice(-4) : ''
  return `${parsed.protocol}//${parsed.host}/…${tail}`
}
