/**
 * /admin/officials: search by name or external id, page through by unit; one official's page
 * edits name and unit, deactivates or reactivates, hands out a new personal link and lists what
 * they acknowledged.
 */
import { html } from 'hono/html'
import { z } from '@hono/zod-openapi'
import {
  editOfficial,
  officialFor,
  officialRecords,
  readRef,
  refOf,
  searchOfficials,
  setOfficialActive,
  type OfficialRef,
  type OfficialView,
} from '../admin/officials'
import { newRoutes } from '../factory'
import type { Lang } from '../i18n'
import { withLang } from '../views/layout'
import { emptyForm, field, form, postButton, type FormState } from '../views/console/forms'
import { scopeLabel } from '../views/console/layout'
import { addConsoleErrors, consoleText } from '../views/console/messages'
import { pager, table, time } from '../views/console/parts'
import {
  consoleAction,
  consolePage,
  doneFlash,
  redirectDone,
  refusalOnForm,
  validateForm,
  type ConsoleCtx,
} from './console-kit'
import { currentVersionsOf } from './console-rollout-kit'

const PATH = '/admin/officials'

const words = {
  zh: {
    title: '人员',
    q: '姓名或编号',
    qHint: '编号须完整；姓名可只输入开头，如“王”。',
    unit: '单位',
    status: '状态',
    active: '在册',
    inactive: '已停用',
    search: '查找',
    externalId: '编号',
    name: '姓名',
    updated: '更新于',
    open: '查看',
    edit: '修改姓名或单位',
    nameHint: '与本人确认时输入的姓名必须一致。',
    save: '保存',
    deactivate: '停用',
    deactivateConfirm: '停用后此人不再计入统计，也不能再确认。确定吗？',
    reactivate: '恢复',
    records: '确认记录',
    version: '版本',
    at: '确认时间',
    typed: '输入的姓名',
    receipt: '回执编号',
    link: '补发个人链接',
    linkHint: '为此人生成现行版本的新链接（例如原链接丢失）。',
    makeLink: '生成链接',
    done: {
      edited: '已保存。',
      deactivated: '已停用。',
      reactivated: '已恢复。',
    } as Record<string, string>,
    back: '返回人员列表',
  },
  en: {
    title: 'Officials',
    q: 'Name or id',
    qHint: 'An id in full; a name by its start, e.g. "王".',
    unit: 'Unit',
    status: 'Status',
    active: 'active',
    inactive: 'deactivated',
    search: 'Search',
    externalId: 'Id',
    name: 'Name',
    updated: 'Updated',
    open: 'Open',
    edit: 'Edit name or unit',
    nameHint: 'The name the official types when acknowledging must match it.',
    save: 'Save',
    deactivate: 'Deactivate',
    deactivateConfirm: 'They stop counting and can no longer acknowledge. Deactivate?',
    reactivate: 'Reactivate',
    records: 'Acknowledgements',
    version: 'Version',
    at: 'Acknowledged',
    typed: 'Typed name',
    receipt: 'Receipt',
    link: 'A new personal link',
    linkHint: 'A fresh link to the version in effect, e.g. when the first one was lost.',
    makeLink: 'Make the link',
    done: {
      edited: 'Saved.',
      deactivated: 'Deactivated.',
      reactivated: 'Reactivated.',
    } as Record<string, string>,
    back: 'Back to the officials',
  },
} as const

addConsoleErrors({
  official_not_found: '没有这个人员。',
  name_required: '请填写姓名。',
  name_too_long: '姓名最多 100 个字符。',
  invalid_cursor: '分页参数无效，请回到第一页。',
})

const editSchema = (lang: Lang) => {
  const m = consoleText(lang)
  return z.object({
    name: z.string().trim().min(1, m.required).max(100, m.tooLong(100)),
    unit: z.string().trim().min(1, m.required).max(1100, m.tooLong(1100)),
  })
}

const statusTag = (o: Pick<OfficialView, 'active'>, lang: Lang) =>
  o.active
    ? html`<span class="tag">${words[lang].active}</span>`
    : html`<span class="tag owner">${words[lang].inactive}</span>`

export const consoleOfficialRoutes = newRoutes()

consoleOfficialRoutes.get(
  PATH,
  consolePage(async (ctx) => {
    const w = words[ctx.lang]
    const lang = ctx.lang
    const status = ctx.query('status') === 'inactive' ? 'inactive' : 'active'
    const q = ctx.query('q') ?? ''
    const state: FormState = {
      values: { q, unit: ctx.query('unit') ?? '', status },
      errors: {},
    }
    let page
    try {
      page = await searchOfficials(ctx.store, ctx.actor, {
        q,
        unit: ctx.query('unit'),
        status,
        after: ctx.query('after'),
      })
    } catch (error) {
      refusalOnForm(error, lang, state, { invalid_unit: 'unit', outside_scope: 'unit' })
      page = { officials: [], next: null }
    }
    const rows = page.officials.map(
      (o) => html`<tr>
        <td><code>${o.externalId}</code></td>
        <td><a href="${withLang(`${PATH}/${refOf(o)}`, lang)}">${o.name}</a></td>
        <td>${o.unit}</td>
        <td>${statusTag(o, lang)}</td>
        <td>${time(o.updatedAt)}</td>
      </tr>`,
    )
    return {
      title: w.title,
      nav: 'officials',
      status: Object.keys(state.errors).length ? 400 : 200,
      body: html`${form(
        {
          action: PATH,
          csrf: ctx.csrf,
          submit: w.search,
          lang,
          state,
          method: 'get',
          className: 'filters',
        },
        html`${field({ name: 'q', label: w.q, hint: w.qHint, state, type: 'search', maxlength: 100 })}
          ${field({ name: 'unit', label: w.unit, hint: scopeLabel(lang, ctx.actor.unit), state })}
          ${field({
            name: 'status',
            label: w.status,
            type: 'select',
            state,
            options: [
              ['active', w.active],
              ['inactive', w.inactive],
            ],
          })}
          <input type="hidden" name="lang" value="${lang}">`,
      )}
      ${table([w.externalId, w.name, w.unit, w.status, w.updated], rows, lang)}
      ${pager({
        path: PATH,
        query: { q, unit: ctx.query('unit'), status, after: ctx.query('after') },
        param: 'after',
        next: page.next,
        lang,
      })}`,
    }
  }),
)

async function officialPage(
  ctx: ConsoleCtx,
  id: OfficialRef,
  state?: FormState,
  status: 200 | 403 | 422 = 200,
) {
  const w = words[ctx.lang]
  const lang = ctx.lang
  const official = await officialFor(ctx.store, ctx.actor, id, 'read')
  const shown = state ?? emptyForm({ name: official.name, unit: official.unit })
  const records = await officialRecords(ctx.store, official)
  const canWrite = ctx.actor.access === 'write'
  const here = `${PATH}/${refOf(official)}`
  const versions = currentVersionsOf(ctx.now)
  return {
    title: `${official.name} · ${official.externalId}`,
    nav: 'officials',
    status,
    flash: doneFlash(ctx, w.done),
    body: html`<p>${official.unit} · ${statusTag(official, lang)} · ${w.updated} ${time(official.updatedAt)}</p>
      ${
        canWrite
          ? html`<div class="card"><h2>${w.edit}</h2>${form(
              { action: withLang(here, lang), csrf: ctx.csrf, submit: w.save, lang, state: shown },
              html`${field({ name: 'name', label: w.name, hint: w.nameHint, state: shown, required: true, maxlength: 100 })}
                ${field({ name: 'unit', label: w.unit, state: shown, required: true })}`,
            )}
            <p>${
              official.active
                ? postButton({
                    action: withLang(`${here}/deactivate`, lang),
                    csrf: ctx.csrf,
                    label: w.deactivate,
                    confirm: w.deactivateConfirm,
                    quiet: false,
                  })
                : postButton({
                    action: withLang(`${here}/reactivate`, lang),
                    csrf: ctx.csrf,
                    label: w.reactivate,
                    quiet: false,
                  })
            }</p></div>
            ${
              official.active && versions.length
                ? html`<div class="card"><h2>${w.link}</h2><p class="hint">${w.linkHint}</p>
                  ${versions.map(
                    (v) =>
                      html`<form method="post" action="${withLang('/admin/links/one', lang)}">
                        <input type="hidden" name="_csrf" value="${ctx.csrf}">
                        <input type="hidden" name="official" value="${refOf(official)}">
                        <input type="hidden" name="version" value="${v.key}">
                        <button type="submit">${w.makeLink} · ${v.label}</button></form>`,
                  )}</div>`
                : ''
            }`
          : ''
      }
      <h2>${w.records}</h2>
      ${table(
        [w.version, w.at, w.typed, w.receipt],
        records.map(
          (r) =>
            html`<tr><td>${r.noticeId} v${r.version}</td><td>${time(r.acknowledgedAt)}</td><td>${r.typedName}</td><td><code>${r.receiptId}</code></td></tr>`,
        ),
        lang,
      )}
      <p><a href="${withLang(PATH, lang)}">${w.back}</a></p>`,
  }
}

const idOf = (ctx: ConsoleCtx) => readRef(ctx.c.req.param('id'))

consoleOfficialRoutes.get(
  `${PATH}/:id{(?:[0-9]+s)?[0-9]+}`,
  consolePage((ctx) => officialPage(ctx, idOf(ctx))),
)

consoleOfficialRoutes.post(
  `${PATH}/:id{(?:[0-9]+s)?[0-9]+}`,
  ...consoleAction(async (ctx, body) => {
    const id = idOf(ctx)
    const read = validateForm(editSchema(ctx.lang), body)
    if (!read.ok) return officialPage(ctx, id, read.state, 422)
    try {
      await editOfficial(ctx.store, ctx.by, id, read.data)
    } catch (error) {
      const status = refusalOnForm(error, ctx.lang, read.state, {
        invalid_unit: 'unit',
        outside_scope: 'unit',
        name_required: 'name',
        name_too_long: 'name',
      })
      return officialPage(ctx, id, read.state, status as 422)
    }
    return redirectDone(ctx, `${PATH}/${refOf(id)}`, 'edited')
  }),
)

for (const [verb, active] of [
  ['deactivate', false],
  ['reactivate', true],
] as const)
  consoleOfficialRoutes.post(
    `${PATH}/:id{(?:[0-9]+s)?[0-9]+}/${verb}`,
    ...consoleAction(async (ctx) => {
      const id = idOf(ctx)
      await setOfficialActive(ctx.store, ctx.by, id, active)
      return redirectDone(ctx, `${PATH}/${refOf(id)}`, `${verb}d`)
    }),
  )
