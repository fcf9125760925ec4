/**
 * /admin/roster: upload the roster, see the dry run (what would be added, changed, reactivated,
 * deactivated, and every bad line), then confirm. The confirm form carries the upload itself
 * (base64, so no newline is rewritten on the way) and the dry run's plan hash; the import is
 * refused unless it would still do exactly what the reader saw.
 */
import { html } from 'hono/html'
import { fromBase64url, base64url, utf8 } from '../acknowledgements/bytes'
import { ROSTER_MAX_BYTES } from '../acknowledgements/roster'
import { isPlanHash, type RosterPreview } from '../acknowledgements/roster-preview'
import { importRosterAs, previewRosterAs, type RosterUpload } from '../admin/rollout'
import { AppError } from '../errors'
import { newRoutes } from '../factory'
import type { Lang } from '../i18n'
import { withLang, type Html } from '../views/layout'
import { csrfField, type FormState } from '../views/console/forms'
import { scopeLabel } from '../views/console/layout'
import { addConsoleErrors, consoleError } from '../views/console/messages'
import { table } from '../views/console/parts'
import { consoleAction, consolePage, type ConsoleCtx, type PageResult } from './console-kit'

const PATH = '/admin/roster'
const CONFIRM_PATH = '/admin/roster/confirm'
/** The upload (5 MiB) plus the form around it; the confirm form carries it in base64. */
const UPLOAD_MAX_BYTES = ROSTER_MAX_BYTES + 64 * 1024
const CONFIRM_MAX_BYTES = Math.ceil((ROSTER_MAX_BYTES * 4) / 3) + 64 * 1024

const words = {
  zh: {
    title: '名册',
    intro:
      '上传名册（CSV：external_id,name,unit，单位层级用“/”分隔；或 JSON）。先试运行，看清将要新增、修改、恢复和停用的人员以及每一行错误，确认后才写入。',
    file: '名册文件',
    fileHint: 'CSV 或 JSON，最大 5 MiB、50,000 行。',
    paste: '或直接粘贴',
    mode: '方式',
    merge: '合并：新增和更新所列人员',
    full: '完整：另外停用本单位中文件未列出的人员',
    unit: '单位',
    unitHint: (scope: string) => `导入的范围；留空表示${scope}。`,
    dryRun: '试运行',
    preview: '试运行结果',
    nothingWritten: '尚未写入任何内容。',
    summary: (p: RosterPreview) =>
      `共 ${p.rows} 行有效：新增 ${p.counts.added}，修改 ${p.counts.changed}，恢复 ${p.counts.reactivated}，不变 ${p.counts.unchanged}，停用 ${p.counts.deactivated}；错误 ${p.counts.problems} 行。`,
    added: '将新增',
    changed: '将修改',
    reactivated: '将恢复',
    deactivated: '将停用',
    problems: '错误（请改正后重新上传，未写入任何内容）',
    line: '行',
    reason: '原因',
    externalId: '编号',
    name: '姓名',
    unitCol: '单位',
    before: '原来',
    shown: (n: number, total: number) => `仅显示前 ${n} 条，共 ${total} 条。`,
    confirm: '确认导入',
    confirmHint: '导入的内容将与上面的试运行完全一致；如果文件或名册已变动，导入会被拒绝。',
    nothingToDo: '名册无需任何改动。',
    imported: '导入完成',
    importedSummary: (s: {
      created: number
      updated: number
      reactivated: number
      deactivated: number
      unchanged: number
    }) =>
      `新增 ${s.created}，修改 ${s.updated}，恢复 ${s.reactivated}，停用 ${s.deactivated}，不变 ${s.unchanged}。`,
    toOfficials: '查看人员',
    again: '再上传一份',
    chooseFile: '请选择文件或粘贴名册内容。',
    tooBig: '名册最大 5 MiB。',
  },
  en: {
    title: 'Roster',
    intro:
      'Upload the roster (CSV: external_id,name,unit with unit levels separated by "/"; or JSON). A dry run comes first: who would be added, changed, reactivated and deactivated, and every bad line. Nothing is written until you confirm.',
    file: 'Roster file',
    fileHint: 'CSV or JSON, at most 5 MiB and 50,000 rows.',
    paste: 'Or paste it',
    mode: 'Mode',
    merge: 'Merge: add and update the officials listed',
    full: 'Full: also deactivate officials of the unit the file does not list',
    unit: 'Unit',
    unitHint: (scope: string) => `What the import covers; empty means ${scope}.`,
    dryRun: 'Dry run',
    preview: 'Dry run',
    nothingWritten: 'Nothing has been written yet.',
    summary: (p: RosterPreview) =>
      `${p.rows} good rows: ${p.counts.added} to add, ${p.counts.changed} to change, ${p.counts.reactivated} to reactivate, ${p.counts.unchanged} unchanged, ${p.counts.deactivated} to deactivate; ${p.counts.problems} bad lines.`,
    added: 'To add',
    changed: 'To change',
    reactivated: 'To reactivate',
    deactivated: 'To deactivate',
    problems: 'Bad lines (fix them and upload again; nothing is written)',
    line: 'Line',
    reason: 'Reason',
    externalId: 'Id',
    name: 'Name',
    unitCol: 'Unit',
    before: 'Before',
    shown: (n: number, total: number) => `The first ${n} of ${total}.`,
    confirm: 'Import this',
    confirmHint:
      'The import will write exactly what the dry run above shows; if the file or the roster changed meanwhile, it is refused.',
    nothingToDo: 'The roster needs no change.',
    imported: 'Roster imported',
    importedSummary: (s: {
      created: number
      updated: number
      reactivated: number
      deactivated: number
      unchanged: number
    }) =>
      `${s.created} added, ${s.updated} changed, ${s.reactivated} reactivated, ${s.deactivated} deactivated, ${s.unchanged} unchanged.`,
    toOfficials: 'See the officials',
    again: 'Upload another',
    chooseFile: 'Choose a file or paste the roster.',
    tooBig: 'A roster is at most 5 MiB.',
  },
} as const

addConsoleErrors({
  roster_plan_changed:
    '试运行之后文件或名册发生了变动，未导入任何内容。请查看新的试运行结果后再确认。',
  roster_invalid: '名册中有错误的行，未导入任何内容。',
  invalid_upload: '上传的内容无法读取，请重新试运行。',
})

type Mode = 'merge' | 'full'

function uploadForm(ctx: ConsoleCtx, state: FormState): Html {
  const w = words[ctx.lang]
  const v = state.values
  const err = (name: string) =>
    state.errors[name] ? html`<p class="error" id="f-${name}-error">${state.errors[name]}</p>` : ''
  const invalid = (name: string) =>
    state.errors[name] ? html` aria-invalid="true" aria-describedby="f-${name}-error"` : html``
  const mode = v.mode === 'full' ? 'full' : 'merge'
  return html`<form method="post" action="${withLang(PATH, ctx.lang)}" enctype="multipart/form-data" novalidate>
    ${state.message ? html`<p class="flash error" role="alert">${state.message}</p>` : ''}
    ${csrfField(ctx.csrf)}
    <div class="field"><label for="f-file">${w.file}</label>
      <input type="file" id="f-file" name="file" accept=".csv,.json,text/csv,application/json"${invalid('file')}>
      <p class="hint">${w.fileHint}</p>${err('file')}</div>
    <div class="field"><label for="f-text">${w.paste}</label>
      <textarea id="f-text" name="text" rows="4" placeholder="external_id,name,unit">${v.text ?? ''}</textarea></div>
    <div class="field"><label for="f-mode">${w.mode}</label>
      <select id="f-mode" name="mode">
        <option value="merge"${mode === 'merge' ? html` selected` : ''}>${w.merge}</option>
        <option value="full"${mode === 'full' ? html` selected` : ''}>${w.full}</option>
      </select></div>
    <div class="field"><label for="f-unit">${w.unit}</label>
      <input type="text" id="f-unit" name="unit" value="${v.unit ?? ''}" maxlength="1100" aria-describedby="f-unit-hint${state.errors.unit ? ' f-unit-error' : ''}"${state.errors.unit ? html` aria-invalid="true"` : ''}>
      <p class="hint" id="f-unit-hint">${w.unitHint(scopeLabel(ctx.lang, ctx.actor.unit))}</p>${err('unit')}</div>
    <div class="field"><button type="submit">${w.dryRun}</button></div>
  </form>`
}

function uploadPage(ctx: ConsoleCtx, state: FormState, status: 200 | 400 | 403 | 413 | 422 = 200) {
  const w = words[ctx.lang]
  return {
    title: w.title,
    nav: 'roster',
    status,
    body: html`<p>${w.intro}</p><div class="card">${uploadForm(ctx, state)}</div>`,
  } satisfies PageResult
}

function officialRows(list: RosterPreview['added'], lang: Lang) {
  const w = words[lang]
  return table(
    [w.line, w.externalId, w.name, w.unitCol],
    list.map(
      (o) =>
        html`<tr><td class="num">${o.line ?? '—'}</td><td><code>${o.externalId}</code></td><td>${o.name}</td><td>${o.unit}</td></tr>`,
    ),
    lang,
  )
}

function section(title: string, total: number, shown: number, body: Html, lang: Lang) {
  if (total === 0) return ''
  return html`<h2>${title} (${total})</h2>${shown < total ? html`<p class="muted">${words[lang].shown(shown, total)}</p>` : ''}${body}`
}

function previewPage(
  ctx: ConsoleCtx,
  upload: RosterUpload,
  preview: RosterPreview,
  flash?: string,
  status: 200 | 409 | 422 = 200,
): PageResult {
  const w = words[ctx.lang]
  const lang = ctx.lang
  const somethingToDo =
    preview.counts.added +
      preview.counts.changed +
      preview.counts.reactivated +
      preview.counts.deactivated >
    0
  const confirm = preview.valid
    ? somethingToDo
      ? html`<form method="post" action="${withLang(CONFIRM_PATH, lang)}" class="card" data-confirm="${w.confirm}?">
          ${csrfField(ctx.csrf)}
          <input type="hidden" name="body" value="${base64url(utf8(upload.body))}">
          <input type="hidden" name="format" value="${upload.format}">
          <input type="hidden" name="mode" value="${upload.mode}">
          <input type="hidden" name="unit" value="${preview.unit ?? ''}">
          <input type="hidden" name="plan" value="${preview.plan}">
          <p class="hint">${w.confirmHint}</p>
          <p class="muted"><code>sha256 ${preview.bodySha256.slice(0, 16)}…</code></p>
          <div class="field"><button type="submit">${w.confirm}</button></div>
        </form>`
      : html`<p class="flash">${w.nothingToDo}</p>`
    : ''
  return {
    title: w.preview,
    nav: 'roster',
    status,
    flash: flash ? { text: flash, error: true } : undefined,
    body: html`<p><strong>${w.nothingWritten}</strong> ${scopeLabel(lang, preview.unit)} · ${preview.mode === 'full' ? w.full : w.merge}</p>
      <p id="preview-summary">${w.summary(preview)}</p>
      ${section(
        w.problems,
        preview.counts.problems,
        preview.problems.length,
        table(
          [w.line, w.reason],
          preview.problems.map(
            (p) => html`<tr><td class="num">${p.line}</td><td>${p.message}</td></tr>`,
          ),
          lang,
        ),
        lang,
      )}
      ${confirm}
      ${section(w.added, preview.counts.added, preview.added.length, officialRows(preview.added, lang), lang)}
      ${section(
        w.changed,
        preview.counts.changed,
        preview.changed.length,
        table(
          [w.line, w.externalId, w.name, w.unitCol, w.before],
          preview.changed.map(
            (o) =>
              html`<tr><td class="num">${o.line}</td><td><code>${o.externalId}</code></td><td>${o.name}</td><td>${o.unit}</td><td class="muted">${o.before.name} · ${o.before.unit}</td></tr>`,
          ),
          lang,
        ),
        lang,
      )}
      ${section(w.reactivated, preview.counts.reactivated, preview.reactivated.length, officialRows(preview.reactivated, lang), lang)}
      ${section(w.deactivated, preview.counts.deactivated, preview.deactivated.length, officialRows(preview.deactivated, lang), lang)}
      <p><a href="${withLang(PATH, lang)}">${w.again}</a></p>`,
  }
}

const formatOf = (name: string, text: string): 'csv' | 'json' =>
  /\.json$/i.test(name) || /^\s*[[{]/.test(text.replace(/^\uFEFF/, '')) ? 'json' : 'csv'

const modeOf = (value: string | undefined): Mode => (value === 'full' ? 'full' : 'merge')

/** A domain refusal on the upload form: scope and unit next to the unit, the rest above. */
function refusal(ctx: ConsoleCtx, state: FormState, error: unknown) {
  if (!(error instanceof AppError) || error.status >= 500) throw error
  const message = consoleError(ctx.lang, error.code, error.message)
  if (error.code === 'invalid_unit' || (error.code === 'outside_scope' && state.values.unit))
    state.errors.unit = message
  else state.message = message
  return uploadPage(ctx, state, error.status as 400)
}

export const consoleRosterRoutes = newRoutes()

consoleRosterRoutes.get(
  PATH,
  consolePage((ctx) =>
    uploadPage(ctx, { values: { unit: ctx.actor.unit ?? '', mode: 'merge' }, errors: {} }),
  ),
)

consoleRosterRoutes.post(
  PATH,
  ...consoleAction(async (ctx, form, raw) => {
    const w = words[ctx.lang]
    const state: FormState = {
      values: { unit: form.unit ?? '', mode: modeOf(form.mode), text: form.text ?? '' },
      errors: {},
    }
    const file = raw.file instanceof File && raw.file.size > 0 ? raw.file : undefined
    if (file && file.size > ROSTER_MAX_BYTES) {
      state.errors.file = w.tooBig
      return uploadPage(ctx, state, 413)
    }
    const body = file ? await file.text() : (form.text ?? '')
    if (body.trim() === '') {
      state.errors.file = w.chooseFile
      return uploadPage(ctx, state, 422)
    }
    const upload: RosterUpload = {
      body,
      format: formatOf(file?.name ?? '', body),
      mode: modeOf(form.mode),
      unit: form.unit,
    }
    let preview
    try {
      preview = await previewRosterAs(ctx.store, ctx.actor, upload)
    } catch (error) {
      return refusal(ctx, state, error)
    }
    return previewPage(ctx, upload, preview, undefined, preview.valid ? 200 : 422)
  }, UPLOAD_MAX_BYTES),
)

consoleRosterRoutes.post(
  CONFIRM_PATH,
  ...consoleAction(async (ctx, form) => {
    const w = words[ctx.lang]
    let body: string
    try {
      body = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(
        fromBase64url(form.body ?? ''),
      )
    } catch {
      throw new AppError(
        400,
        'invalid_upload',
        'The upload could not be read back; run the dry run again.',
      )
    }
    if (!isPlanHash(form.plan) || body === '')
      throw new AppError(
        400,
        'invalid_upload',
        'The confirmation lacks its dry run; run the dry run again.',
      )
    const upload: RosterUpload = {
      body,
      format: form.format === 'json' ? 'json' : 'csv',
      mode: modeOf(form.mode),
      unit: form.unit,
      plan: form.plan,
    }
    let summary
    try {
      summary = await importRosterAs(ctx.store, ctx.by, upload)
    } catch (error) {
      if (error instanceof AppError && error.code === 'roster_plan_changed') {
        const preview = await previewRosterAs(ctx.store, ctx.actor, upload)
        return previewPage(
          ctx,
          upload,
          preview,
          consoleError(ctx.lang, error.code, error.message),
          409,
        )
      }
      throw error
    }
    return {
      title: w.imported,
      nav: 'roster',
      flash: { text: w.importedSummary(summary) },
      body: html`<p id="import-summary">${w.importedSummary(summary)}</p>
        <p>${scopeLabel(ctx.lang, summary.unit)} · <code>${summary.importId}</code></p>
        <p><a href="${withLang('/admin/officials', ctx.lang)}">${w.toOfficials}</a> · <a href="${withLang(PATH, ctx.lang)}">${w.again}</a></p>`,
    }
  }, CONFIRM_MAX_BYTES),
)
