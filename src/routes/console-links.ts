/**
 * /admin/links: hand out personal links for a version (a unit; only the outstanding by default,
 * or everyone), then per batch: the list with each person's link, a CSV for mail-merge (name,
 * unit, URL) and a printable sheet with one QR code per official. A batch's links are made again
 * from the batch on each view (they are HMACs), so nothing secret is stored. One person's lost
 * link comes from their page in /admin/officials.
 */
import { html, raw } from 'hono/html'
import { z } from '@hono/zod-openapi'
import { csvStream } from '../acknowledgements/export'
import { isDate, MAX_EXPIRY_DAYS, type IssuedLink } from '../acknowledgements/links'
import { ackSecrets } from '../acknowledgements/secrets'
import { take } from '../acknowledgements/status'
import { readRef } from '../admin/officials'
import { batchLinksAs, createLinksAs, linkBatchesAs, oneLinkAs } from '../admin/rollout'
import type { LinkBatch } from '../db/links'
import { newRoutes } from '../factory'
import type { Lang } from '../i18n'
import { withLang } from '../views/layout'
import { field, form, type FormState } from '../views/console/forms'
import { scopeLabel } from '../views/console/layout'
import { addConsoleErrors, consoleText } from '../views/console/messages'
import { pager, table, time } from '../views/console/parts'
import { qrSvg } from '../views/console/qr'
import { csvResponse } from './admin-input'
import {
  consoleAction,
  consolePage,
  refusalOnForm,
  validateForm,
  type ConsoleCtx,
} from './console-kit'
import { chosenVersion, currentVersionsOf } from './console-rollout-kit'

const PATH = '/admin/links'
const LIST_PAGE = 100
const SHEET_PAGE = 48

const words = {
  zh: {
    title: '确认链接',
    intro:
      '为某个单位生成个人确认链接。默认只为尚未确认的人员生成；每个链接只属于一个人，请只发给本人。',
    version: '通知版本',
    unit: '单位',
    who: '对象',
    outstanding: '仅未确认的人员',
    all: '全部在册人员',
    due: '截止日期',
    dueHint: '逾期统计以此为准（YYYY-MM-DD，可留空）。',
    expires: '有效天数',
    expiresHint: `1 到 ${MAX_EXPIRY_DAYS} 天。`,
    submit: '生成链接',
    batches: '已生成的批次',
    created: '生成时间',
    count: '人数',
    open: '查看',
    batch: '链接批次',
    batchIntro: (n: number, unit: string, due: string, expires: string) =>
      `${unit}：生成时 ${n} 人；截止 ${due}；链接有效至 ${expires}。`,
    showing: (who: string) => `下面列出${who}及其个人链接。`,
    outstandingNow: '目前仍未确认的人员',
    everyone: '全部在册人员',
    csv: '下载 CSV（姓名、单位、链接）',
    sheet: '打印二维码',
    externalId: '编号',
    name: '姓名',
    link: '个人链接',
    sheetTitle: '二维码（请只交给本人）',
    print: '请用浏览器的打印功能打印此页。',
    oneTitle: '个人链接',
    oneIntro: (name: string, until: string) => `${name} 的新链接，有效至 ${until}。请只发给本人。`,
    dateWrong: '请按 YYYY-MM-DD 填写日期。',
    expiryWrong: `请填写 1 到 ${MAX_EXPIRY_DAYS} 之间的整数。`,
  },
  en: {
    title: 'Links',
    intro:
      'Personal links for one unit. By default only officials who have not acknowledged get one; each link belongs to one person: send it to them alone.',
    version: 'Notice version',
    unit: 'Unit',
    who: 'For',
    outstanding: 'only those outstanding',
    all: 'every active official',
    due: 'Due date',
    dueHint: 'Overdue is counted from it (YYYY-MM-DD, optional).',
    expires: 'Valid for (days)',
    expiresHint: `1 to ${MAX_EXPIRY_DAYS} days.`,
    submit: 'Create the links',
    batches: 'Batches so far',
    created: 'Created',
    count: 'Officials',
    open: 'Open',
    batch: 'Batch of links',
    batchIntro: (n: number, unit: string, due: string, expires: string) =>
      `${unit}: ${n} officials when made; due ${due}; links valid until ${expires}.`,
    showing: (who: string) => `Below: ${who}, each with their link.`,
    outstandingNow: 'those still outstanding',
    everyone: 'every active official',
    csv: 'Download CSV (name, unit, URL)',
    sheet: 'Printable QR sheet',
    externalId: 'Id',
    name: 'Name',
    link: 'Personal link',
    sheetTitle: 'QR codes (hand each to its person only)',
    print: "Print this page with the browser's print command.",
    oneTitle: 'Personal link',
    oneIntro: (name: string, until: string) =>
      `A new link for ${name}, valid until ${until}. Send it to them alone.`,
    dateWrong: 'Enter the date as YYYY-MM-DD.',
    expiryWrong: `Enter a whole number from 1 to ${MAX_EXPIRY_DAYS}.`,
  },
} as const

addConsoleErrors({
  none_outstanding:
    '该单位所有在册人员都已确认，未生成链接。如需为所有人生成，请选择“全部在册人员”。',
  no_officials: '该单位没有在册人员。',
  version_superseded: '此版本已被新版本取代，请为现行版本生成链接。',
  invalid_due_date: '请按 YYYY-MM-DD 填写日期。',
  invalid_expiry: `请填写 1 到 ${MAX_EXPIRY_DAYS} 之间的整数。`,
  batch_not_found: '没有这个链接批次。',
  official_inactive: '此人已停用，请先恢复。',
  version_not_found: '没有这个通知版本。',
})

const schema = (lang: Lang) => {
  const w = words[lang]
  const m = consoleText(lang)
  return z.object({
    version: z.string().min(1, m.required),
    unit: z.string().trim().max(1100, m.tooLong(1100)),
    who: z.enum(['outstanding', 'all']).catch('outstanding'),
    dueDate: z
      .string()
      .trim()
      .refine((d) => d === '' || isDate(d), w.dateWrong),
    expiresInDays: z.coerce
      .number({ error: w.expiryWrong })
      .int(w.expiryWrong)
      .min(1, w.expiryWrong)
      .max(MAX_EXPIRY_DAYS, w.expiryWrong),
  })
}

const origin = (ctx: ConsoleCtx) => new URL(ctx.c.req.url).origin
const whoOf = (ctx: ConsoleCtx) => (ctx.query('who') === 'all' ? 'all' : 'outstanding')

function cursorOf(text: string | undefined) {
  if (!text) return undefined
  const at = text.indexOf(':')
  const id = Number(text.slice(0, at))
  return at > 0 && Number.isSafeInteger(id) ? { id, unit: text.slice(at + 1) } : undefined
}

async function linksPage(ctx: ConsoleCtx, state: FormState, status: 200 | 403 | 422 = 200) {
  const w = words[ctx.lang]
  const lang = ctx.lang
  const versions = currentVersionsOf(ctx.now)
  const chosen = chosenVersion(state.values.version || undefined, ctx.now)
  const batches = await linkBatchesAs(ctx.store, ctx.actor, chosen.notice, chosen.version)
  const canWrite = ctx.actor.access === 'write'
  return {
    title: w.title,
    nav: 'links',
    status,
    body: html`<p>${w.intro}</p>
      ${
        canWrite
          ? html`<div class="card">${form(
              { action: withLang(PATH, lang), csrf: ctx.csrf, submit: w.submit, lang, state },
              html`${field({ name: 'version', label: w.version, type: 'select', state, options: versions.map((v) => [v.key, v.label] as const) })}
                ${field({ name: 'unit', label: w.unit, hint: scopeLabel(lang, ctx.actor.unit), state })}
                ${field({
                  name: 'who',
                  label: w.who,
                  type: 'select',
                  state,
                  options: [
                    ['outstanding', w.outstanding],
                    ['all', w.all],
                  ],
                })}
                ${field({ name: 'dueDate', label: w.due, hint: w.dueHint, type: 'date', state })}
                ${field({ name: 'expiresInDays', label: w.expires, hint: w.expiresHint, state })}`,
            )}</div>`
          : ''
      }
      <h2>${w.batches} · ${chosen.label}</h2>
      ${table(
        [w.created, w.unit, w.count, w.due, ''],
        batches.slice(0, 50).map(
          (b) => html`<tr><td>${time(b.createdAt)}</td><td>${scopeLabel(lang, b.unit)}</td>
            <td class="num">${b.officials}</td><td>${b.dueDate ?? '—'}</td>
            <td><a href="${withLang(`${PATH}/batches/${b.id}`, lang)}">${w.open}</a></td></tr>`,
        ),
        lang,
      )}`,
  }
}

export const consoleLinkRoutes = newRoutes()

consoleLinkRoutes.get(
  PATH,
  consolePage((ctx) =>
    linksPage(ctx, {
      values: {
        version: ctx.query('version') ?? '',
        unit: ctx.query('unit') ?? ctx.actor.unit ?? '',
        who: 'outstanding',
        dueDate: '',
        expiresInDays: '30',
      },
      errors: {},
    }),
  ),
)

consoleLinkRoutes.post(
  PATH,
  ...consoleAction(async (ctx, body) => {
    const read = validateForm(schema(ctx.lang), body)
    if (!read.ok) return linksPage(ctx, read.state, 422)
    const chosen = chosenVersion(read.data.version, ctx.now)
    let batch: LinkBatch
    try {
      const secrets = await ackSecrets(ctx.c.env)
      ;({ batch } = await createLinksAs(ctx.store, secrets.linkKey, ctx.by, {
        notice: chosen.notice,
        version: chosen.version,
        unit: read.data.unit || ctx.actor.unit,
        dueDate: read.data.dueDate || null,
        expiresInDays: read.data.expiresInDays,
        officials: read.data.who,
        baseUrl: origin(ctx),
      }))
    } catch (error) {
      const status = refusalOnForm(error, ctx.lang, read.state, {
        invalid_unit: 'unit',
        outside_scope: 'unit',
        no_officials: 'unit',
        none_outstanding: 'who',
        invalid_due_date: 'dueDate',
        invalid_expiry: 'expiresInDays',
        version_superseded: 'version',
      })
      return linksPage(ctx, read.state, status as 422)
    }
    return ctx.c.redirect(
      withLang(`${PATH}/batches/${batch.id}${read.data.who === 'all' ? '?who=all' : ''}`, ctx.lang),
      303,
    )
  }),
)

const linkCell = (l: IssuedLink) =>
  html`<td><input type="text" readonly value="${l.url}" aria-label="${l.name}"></td>`

consoleLinkRoutes.get(
  `${PATH}/batches/:id`,
  consolePage(async (ctx) => {
    const w = words[ctx.lang]
    const lang = ctx.lang
    const who = whoOf(ctx)
    const secrets = await ackSecrets(ctx.c.env)
    const id = ctx.c.req.param('id') ?? ''
    const { batch, links } = await batchLinksAs(ctx.store, secrets.linkKey, ctx.actor, id, {
      who,
      baseUrl: origin(ctx),
      after: cursorOf(ctx.query('after')),
      pageSize: LIST_PAGE + 1,
    })
    const page = await take(links, LIST_PAGE + 1)
    const shown = page.slice(0, LIST_PAGE)
    const last = shown.at(-1)
    const base = `${PATH}/batches/${batch.id}`
    const whoQuery = who === 'all' ? '?who=all' : ''
    return {
      title: `${w.batch} · ${batch.noticeId} v${batch.version}`,
      nav: 'links',
      actions: html`<p class="noprint"><a class="button" href="${withLang(`${base}/links.csv${whoQuery}`, lang)}">${w.csv}</a>
        <a class="button quiet" href="${withLang(`${base}/sheet${whoQuery}`, lang)}">${w.sheet}</a></p>`,
      body: html`<p>${w.batchIntro(batch.officials, scopeLabel(lang, batch.unit), batch.dueDate ?? '—', time(batch.expiresAt))}</p>
        <p class="muted">${w.showing(who === 'all' ? w.everyone : w.outstandingNow)}</p>
        ${table(
          [w.externalId, w.name, w.unit, w.link],
          shown.map(
            (l) =>
              html`<tr><td><code>${l.externalId}</code></td><td>${l.name}</td><td>${l.unit}</td>${linkCell(l)}</tr>`,
          ),
          lang,
        )}
        ${pager({
          path: base,
          query: { who: who === 'all' ? 'all' : undefined, after: ctx.query('after') },
          param: 'after',
          next: page.length > LIST_PAGE && last ? `${last.id}:${last.unit}` : null,
          lang,
        })}`,
    }
  }),
)

consoleLinkRoutes.get(
  `${PATH}/batches/:id/links.csv`,
  consolePage(async (ctx) => {
    const secrets = await ackSecrets(ctx.c.env)
    const { batch, links } = await batchLinksAs(
      ctx.store,
      secrets.linkKey,
      ctx.actor,
      ctx.c.req.param('id') ?? '',
      { who: whoOf(ctx), baseUrl: origin(ctx) },
    )
    return csvResponse(
      ctx.c,
      `links-${batch.noticeId}-v${batch.version}-${batch.id.slice(0, 8)}.csv`,
      csvStream(['name', 'unit', 'url', 'external_id'], links, (l) => [
        l.name,
        l.unit,
        l.url,
        l.externalId,
      ]),
    )
  }),
)

consoleLinkRoutes.get(
  `${PATH}/batches/:id/sheet`,
  consolePage(async (ctx) => {
    const w = words[ctx.lang]
    const lang = ctx.lang
    const who = whoOf(ctx)
    const secrets = await ackSecrets(ctx.c.env)
    const { batch, links } = await batchLinksAs(
      ctx.store,
      secrets.linkKey,
      ctx.actor,
      ctx.c.req.param('id') ?? '',
      { who, baseUrl: origin(ctx), after: cursorOf(ctx.query('after')), pageSize: SHEET_PAGE + 1 },
    )
    const page = await take(links, SHEET_PAGE + 1)
    const shown = page.slice(0, SHEET_PAGE)
    const last = shown.at(-1)
    return {
      title: `${w.sheetTitle} · ${scopeLabel(lang, batch.unit)}`,
      nav: 'links',
      body: html`<p class="noprint muted">${w.print} ${batch.noticeId} v${batch.version} · ${time(batch.expiresAt)}</p>
        <div class="sheet">${shown.map(
          (l) =>
            html`<figure>${raw(qrSvg(l.url, l.name))}<figcaption><strong>${l.name}</strong><br>${l.unit}<br><code>${l.externalId}</code></figcaption></figure>`,
        )}</div>
        <div class="noprint">${pager({
          path: `${PATH}/batches/${batch.id}/sheet`,
          query: { who: who === 'all' ? 'all' : undefined, after: ctx.query('after') },
          param: 'after',
          next: page.length > SHEET_PAGE && last ? `${last.id}:${last.unit}` : null,
          lang,
        })}</div>`,
    }
  }),
)

consoleLinkRoutes.post(
  `${PATH}/one`,
  ...consoleAction(async (ctx, body) => {
    const w = words[ctx.lang]
    const chosen = chosenVersion(body.version, ctx.now)
    const secrets = await ackSecrets(ctx.c.env)
    const made = await oneLinkAs(ctx.store, secrets.linkKey, ctx.by, {
      official: readRef(body.official),
      notice: chosen.notice,
      version: chosen.version,
      expiresInDays: 30,
      baseUrl: origin(ctx),
    })
    const link = { ...made.official, url: made.url }
    return {
      title: `${w.oneTitle} · ${made.official.name}`,
      nav: 'officials',
      body: html`<p>${w.oneIntro(made.official.name, time(made.expiresAt))}</p>
        <p class="secret" data-copy>${made.url}</p>
        <div class="sheet"><figure>${raw(qrSvg(link.url, link.name))}<figcaption><strong>${link.name}</strong><br>${link.unit}</figcaption></figure></div>`,
    }
  }),
)
