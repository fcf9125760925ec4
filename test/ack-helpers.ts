/** Shared steps of the acknowledgement tests: everything goes through the Worker's fetch. */
import { env } from 'cloudflare:test'
import { exports } from 'cloudflare:workers'
import { expect } from 'vitest'

export const ORIGIN = 'http://localhost'
export const NOTICE = 'wechat-red-lines'

export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, { redirect: 'manual', ...init }))
}

export const admin = (extra: Record<string, string> = {}) => ({
  Authorization: `Bearer ${env.ADMIN_TOKEN}`,
  ...extra,
})

export async function importRoster(csv: string, query = ''): Promise<Response> {
  return call(`/api/admin/roster${query}`, {
    method: 'POST',
    headers: admin({ 'Content-Type': 'text/csv' }),
    body: csv,
  })
}

export async function createLinks(body: Record<string, unknown>) {
  const response = await call('/api/admin/links?format=json', {
    method: 'POST',
    headers: admin({ 'Content-Type': 'application/json' }),
    body: JSON.stringify({ notice: NOTICE, version: 2, ...body }),
  })
  expect(response.status).toBe(200)
  return (await response.json()) as {
    batch: { id: string; officials: number; expiresAt: string; dueDate: string | null }
    links: { externalId: string; name: string; unit: string; url: string }[]
  }
}

export const pathOf = (url: string) => new URL(url).pathname

/** Opens the form page and returns what the browser would post back, minus the typed name. */
export async function openForm(path: string, lang: 'zh' | 'en' = 'zh') {
  const response = await call(`${path}?lang=${lang}`)
  expect(response.status).toBe(200)
  const page = await response.text()
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? ''
  return { page, csrf: field('csrf'), lang: field('lang'), text: field('text') }
}

export function post(
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return call(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: ORIGIN, ...headers },
    body: new URLSearchParams(fields).toString(),
  })
}

/** Opens the link, fills the form, submits; returns the POST response. */
export async function acknowledge(path: string, name: string, lang: 'zh' | 'en' = 'zh') {
  const form = await openForm(path, lang)
  return post(path, {
    csrf: form.csrf,
    lang: form.lang,
    text: form.text,
    statement: 'agree',
    name,
  })
}

export async function rows<T = Record<string, unknown>>(sql: string, ...binds: unknown[]) {
  return (
    await env.DB.prepare(sql)
      .bind(...binds)
      .all<T>()
  ).results
}
