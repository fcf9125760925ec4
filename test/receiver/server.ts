/**
 * A local webhook receiver that behaves like the services' robots, for the tests, the browser
 * test and the benchmark: it checks each kind's signature as the service would (DingTalk's
 * timestamp+sign query, Feishu's timestamp+sign body fields, the generic webhook's
 * X-Redlines-Signature over the raw body, with sentAt freshness and deliveryId replay checks),
 * answers as the service does, and can be told to fail a number of times first.
 *
 * Control (JSON): POST /_register {path, type, secret?, failTimes?, failStatus?}; GET
 * /_received?path=…; everything else is a webhook.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'

type ChannelType = 'wecom' | 'dingtalk' | 'feishu' | 'webhook'

interface Route {
  type: ChannelType
  secret: string | null
  failTimes: number
  failStatus: number
}

export interface Received {
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  body: string
  /** true: the signature checked out; false: it did not; null: the kind or channel is unsigned. */
  verified: boolean | null
  status: number
  at: string
}

const equal = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))

function verify(
  route: Route,
  url: URL,
  headers: IncomingMessage['headers'],
  body: string,
  seen: Set<string>,
) {
  if (!route.secret) return null
  const now = Date.now()
  switch (route.type) {
    case 'wecom':
      return null
    case 'dingtalk': {
      const timestamp = url.searchParams.get('timestamp') ?? ''
      const sign = url.searchParams.get('sign') ?? ''
      const expected = createHmac('sha256', route.secret)
        .update(`${timestamp}\n${route.secret}`)
        .digest('base64')
      return Math.abs(now - Number(timestamp)) < 3_600_000 && equal(sign, expected)
    }
    case 'feishu': {
      let parsed: { timestamp?: string; sign?: string }
      try {
        parsed = JSON.parse(body) as typeof parsed
      } catch {
        return false
      }
      const expected = createHmac('sha256', `${parsed.timestamp}\n${route.secret}`)
        .update('')
        .digest('base64')
      return (
        Math.abs(now / 1000 - Number(parsed.timestamp)) < 3600 && equal(parsed.sign ?? '', expected)
      )
    }
    case 'webhook': {
      const signature = String(headers['x-redlines-signature'] ?? '')
      const expected = `sha256=${createHmac('sha256', route.secret).update(body).digest('hex')}`
      if (!equal(signature, expected)) return false
      const payload = JSON.parse(body) as { sentAt: string; deliveryId: string }
      // Replay: a stale sentAt, or a delivery id this receiver has taken before.
      if (Math.abs(now - Date.parse(payload.sentAt)) > 300_000) return false
      if (seen.has(`${payload.deliveryId}@${payload.sentAt}`)) return false
      seen.add(`${payload.deliveryId}@${payload.sentAt}`)
      return true
    }
  }
}

function answer(type: ChannelType, ok: boolean): [number, string] {
  switch (type) {
    case 'wecom':
    case 'dingtalk':
      return [
        200,
        JSON.stringify(
          ok ? { errcode: 0, errmsg: 'ok' } : { errcode: 310000, errmsg: 'sign not match' },
        ),
      ]
    case 'feishu':
      return [
        200,
        JSON.stringify(
          ok ? { code: 0, msg: 'success', data: {} } : { code: 19021, msg: 'sign match fail' },
        ),
      ]
    case 'webhook':
      return ok ? [204, ''] : [401, 'bad signature']
  }
}

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })

/** `anyPath`: a route for every path not registered (npm run receiver: any webhook URL works). */
export function startReceiver(
  port: number,
  host = '127.0.0.1',
  anyPath?: { type: ChannelType; secret?: string },
): Promise<Server & { received: Received[] }> {
  const routes = new Map<string, Route>()
  const received: Received[] = []
  const seen = new Set<string>()
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}:${port}`)
    const body = await read(req)
    const reply = (status: number, text: string) => {
      res.writeHead(status, { 'Content-Type': 'application/json' })
      res.end(text)
    }
    if (url.pathname === '/_register') {
      const r = JSON.parse(body) as {
        path: string
        type: ChannelType
        secret?: string
        failTimes?: number
        failStatus?: number
      }
      routes.set(r.path, {
        type: r.type,
        secret: r.secret ?? null,
        failTimes: r.failTimes ?? 0,
        failStatus: r.failStatus ?? 500,
      })
      return reply(200, '{}')
    }
    if (url.pathname === '/_received') {
      const path = url.searchParams.get('path')
      return reply(200, JSON.stringify(received.filter((r) => !path || r.path === path)))
    }
    let route = routes.get(url.pathname)
    if (!route && anyPath) {
      route = { type: anyPath.type, secret: anyPath.secret ?? null, failTimes: 0, failStatus: 500 }
      routes.set(url.pathname, route)
    }
    let status = 404
    let text = '{"error":"no such robot"}'
    let verified: boolean | null = null
    if (route) {
      if (route.failTimes > 0) {
        route.failTimes--
        status = route.failStatus
        text = '{"error":"failing on purpose"}'
      } else {
        verified = verify(route, url, req.headers, body, seen)
        ;[status, text] = answer(route.type, verified !== false)
      }
    }
    received.push({
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      body,
      verified,
      status,
      at: new Date().toISOString(),
    })
    reply(status, text)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve(Object.assign(server, { received })))
  })
}
