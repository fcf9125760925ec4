/**
 * The four kinds of channel and exactly what each receives: the request (URL, headers, body),
 * how its answer says it took the message, and its rate limit. The formats are those the
 * services document for their group robots:
 * - WeChat Work (企业微信) group robot: POST {"msgtype":"text","text":{"content"}} to
 *   https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…, answers {"errcode":0}; 20 messages a
 *   minute per robot; text up to 2048 bytes.
 * - DingTalk (钉钉) custom robot: the same body shape to https://oapi.dingtalk.com/robot/send?access_token=…;
 *   signed ("加签"): &timestamp=<ms>&sign=urlencode(base64(HMAC-SHA256(key=secret,
 *   timestamp+"\n"+secret))); answers {"errcode":0}; 20 a minute.
 * - Feishu/Lark custom bot: {"msg_type":"text","content":{"text"}} to
 *   https://open.feishu.cn/open-apis/bot/v2/hook/…; signed: "timestamp" (seconds) and
 *   "sign" = base64(HMAC-SHA256(key=timestamp+"\n"+secret, empty message)) in the body; answers
 *   {"code":0}; 100 a minute and 5 a second; body up to 20 KB.
 * - A generic JSON webhook: our own JSON, X-Redlines-Signature: sha256=<hex HMAC-SHA256 of the
 *   raw body> (as GitHub signs), the body carrying `sentAt` and `deliveryId` so a receiver can
 *   refuse a replay (X-Redlines-Timestamp repeats sentAt in seconds).
 */
import { hex, hmac, hmacKey, utf8 } from '../acknowledgements/bytes'

export const CHANNEL_TYPES = ['wecom', 'dingtalk', 'feishu', 'webhook'] as const
export type ChannelType = (typeof CHANNEL_TYPES)[number]

export interface RateLimit {
  perMinute: number
  perSecond?: number
}

export const RATE_LIMITS: Record<ChannelType, RateLimit> = {
  wecom: { perMinute: 20 },
  dingtalk: { perMinute: 20 },
  feishu: { perMinute: 100, perSecond: 5 },
  // Our own receivers: a limit all the same, so a slow one is not flooded.
  webhook: { perMinute: 60 },
}

/** The hosts each service's robots live on; a generic webhook may be any https host. */
export const OFFICIAL_HOSTS: Record<ChannelType, readonly string[] | null> = {
  wecom: ['qyapi.weixin.qq.com'],
  dingtalk: ['oapi.dingtalk.com'],
  feishu: ['open.feishu.cn', 'open.larksuite.com'],
  webhook: null,
}

/** Bytes a text may have on each service (WeCom's text limit is the smallest). */
export const TEXT_LIMITS: Record<ChannelType, number> = {
  wecom: 2048,
  dingtalk: 18_000,
  feishu: 18_000,
  webhook: 60_000,
}

export interface Reminder {
  deliveryId: string
  notice: string
  version: number
  unit: string
  purpose: 'group' | 'leaders'
  slot: string
  dueDate: string
  /** The notice's public page: a reminder never carries a personal link. */
  noticeUrl: string
  outstanding: number
  overdue: number
  /** Empty when the unit's channel shows only counts. */
  names: string[]
  /** The message as people read it. */
  text: string
}

export interface OutgoingRequest {
  url: string
  headers: Record<string, string>
  body: string
}

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))

async function hmacBytes(key: string, message: string) {
  return hmac(await hmacKey(key), message)
}

export const SIGNATURE_HEADER = 'X-Redlines-Signature'
export const TIMESTAMP_HEADER = 'X-Redlines-Timestamp'

/** The generic webhook's signature of a raw body: sha256=<hex>. */
export async function webhookSignature(secret: string, body: string) {
  return `sha256=${hex(await hmacBytes(secret, body))}`
}

export async function dingtalkSign(secret: string, timestampMs: number) {
  return base64(await hmacBytes(secret, `${timestampMs}\n${secret}`))
}

export async function feishuSign(secret: string, timestampSeconds: number) {
  // Feishu keys the HMAC with the string to sign and signs nothing.
  const key = await crypto.subtle.importKey(
    'raw',
    utf8(`${timestampSeconds}\n${secret}`),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  return base64(new Uint8Array(await crypto.subtle.sign('HMAC', key, new Uint8Array(0))))
}

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' }

export async function buildRequest(
  type: ChannelType,
  url: string,
  secret: string | null,
  reminder: Reminder,
  now: Date,
): Promise<OutgoingRequest> {
  switch (type) {
    case 'wecom':
      return {
        url,
        headers: JSON_HEADERS,
        body: JSON.stringify({ msgtype: 'text', text: { content: reminder.text } }),
      }
    case 'dingtalk': {
      let signed = url
      if (secret) {
        const timestamp = now.getTime()
        const sign = encodeURIComponent(await dingtalkSign(secret, timestamp))
        signed = `${url}${url.includes('?') ? '&' : '?'}timestamp=${timestamp}&sign=${sign}`
      }
      return {
        url: signed,
        headers: JSON_HEADERS,
        body: JSON.stringify({ msgtype: 'text', text: { content: reminder.text } }),
      }
    }
    case 'feishu': {
      const timestamp = Math.floor(now.getTime() / 1000)
      const signature = secret
        ? { timestamp: String(timestamp), sign: await feishuSign(secret, timestamp) }
        : {}
      return {
        url,
        headers: JSON_HEADERS,
        body: JSON.stringify({ ...signature, msg_type: 'text', content: { text: reminder.text } }),
      }
    }
    case 'webhook': {
      const body = JSON.stringify({
        event: 'reminder',
        deliveryId: reminder.deliveryId,
        sentAt: now.toISOString(),
        notice: reminder.notice,
        version: reminder.version,
        unit: reminder.unit,
        purpose: reminder.purpose,
        slot: reminder.slot,
        dueDate: reminder.dueDate,
        noticeUrl: reminder.noticeUrl,
        outstanding: reminder.outstanding,
        overdue: reminder.overdue,
        names: reminder.names,
        text: reminder.text,
      })
      const headers: Record<string, string> = {
        ...JSON_HEADERS,
        [TIMESTAMP_HEADER]: String(Math.floor(now.getTime() / 1000)),
      }
      if (secret) headers[SIGNATURE_HEADER] = await webhookSignature(secret, body)
      return { url, headers, body }
    }
  }
}

/**
 * Whether an answer means the message was taken. The robots answer 200 with an error code in
 * the body for refusals (a wrong key, a failed signature, a rate limit), so the body decides.
 */
export function accepted(
  type: ChannelType,
  status: number,
  body: string,
): { ok: boolean; detail: string } {
  if (status < 200 || status > 299) return { ok: false, detail: `HTTP ${status}` }
  if (type === 'webhook') return { ok: true, detail: `HTTP ${status}` }
  let answer: {
    errcode?: unknown
    code?: unknown
    StatusCode?: unknown
    errmsg?: unknown
    msg?: unknown
  }
  try {
    answer = JSON.parse(body) as typeof answer
  } catch {
    return { ok: false, detail: 'the answer was not JSON' }
  }
  const code = type === 'feishu' ? (answer.code ?? answer.StatusCode) : answer.errcode
  if (code === 0) return { ok: true, detail: 'ok' }
  // The service's own code and words, cut short: they never echo the key.
  const words = String(answer.errmsg ?? answer.msg ?? '').slice(0, 80)
  return { ok: false, detail: `code ${String(code)}${words ? `: ${words}` : ''}` }
}
