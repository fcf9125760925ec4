/**
 * The yardstick of `npm run bench:serve`: an empty Hono Worker. GET /page answers a page of
 * PAGE_BYTES bytes (the size of the redlines page it is compared with), POST /echo answers the
 * JSON it was sent. Nothing else: what redlines does beyond this is what the ratios measure.
 */
import { Hono } from 'hono'

const app = new Hono<{ Bindings: { PAGE_BYTES: string } }>()

const head = '<!doctype html><html><body>'
const tail = '</body></html>'
let page: string | undefined

app.get('/page', (c) => {
  page ??= `${head}${'x'.repeat(Math.max(0, Number(c.env.PAGE_BYTES) - head.length - tail.length))}${tail}`
  return c.html(page)
})

app.post('/echo', async (c) => c.json(await c.req.json()))

export default app
