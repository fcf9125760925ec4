/**
 * The yardstick of `npm run bench:serve`: an empty Hono Worker. GET /page answers a page of
 * PAGE_BYTES bytes (the size of the redlines page it is compared with), POST /echo answers the
 * JSON it was sent. With MIRROR set, both also send the headers the redlines response sent
 * (captured by the benchmark at start: security headers, ETag, caching), so that the comparison
 * is of the work done per request rather than of the header bytes; without it, only what Hono
 * sends. Nothing else: what redlines does beyond this is what the ratios measure.
 */
import { Hono } from 'hono'

interface Bindings {
  PAGE_BYTES: string
  MIRROR?: string
  PAGE_HEADERS?: string
  ECHO_HEADERS?: string
}

const app = new Hono<{ Bindings: Bindings }>()

const head = '<!doctype html><html><body>'
const tail = '</body></html>'
let page: string | undefined
let pageHeaders: Record<string, string> | undefined
let echoHeaders: Record<string, string> | undefined

app.get('/page', (c) => {
  page ??= `${head}${'x'.repeat(Math.max(0, Number(c.env.PAGE_BYTES) - head.length - tail.length))}${tail}`
  if (!c.env.MIRROR) return c.html(page)
  pageHeaders ??= JSON.parse(c.env.PAGE_HEADERS ?? '{}') as Record<string, string>
  return c.body(page, 200, pageHeaders)
})

app.post('/echo', async (c) => {
  const body = await c.req.json()
  if (!c.env.MIRROR) return c.json(body)
  echoHeaders ??= JSON.parse(c.env.ECHO_HEADERS ?? '{}') as Record<string, string>
  return c.json(body, 200, echoHeaders)
})

export default app
