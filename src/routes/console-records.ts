/** /admin/records: the acknowledgement records inside the reader's subtree, in log order, and CSV. */
import { html } from 'hono/html'
import { csvStream, RECORD_COLUMNS, recordCells } from '../acknowledgements/export'
import { take } from '../acknowledgements/status'
import { recordsAs } from '../admin/rollout'
import { newRoutes } from '../factory'
import { withLang } from '../views/layout'
import type { FormState } from '../views/console/forms'
import { pager, table, time } from '../views/console/parts'
import { csvResponse } from './admin-input'
import { consolePage, refusalOnForm, type ConsoleCtx } from './console-kit'
import { versionFilter } from './console-home'
import { chosenVersion } from './console-rollout-kit'

const PATH = '/admin/records'
const PAGE = 100

const words = {
  zh: {
    title: '确认记录',
    intro: '每条记录都已签名，按写入顺序排列（只读）。',
    seq: '序号',
    at: '确认时间',
    name: '姓名',
    typed: '输入的姓名',
    unit: '单位',
    version: '版本',
    receipt: '回执编号',
    csv: '导出 CSV',
  },
  en: {
    title: 'Acknowledgement records',
    intro: 'Every record is signed; in log order (read-only).',
    seq: 'Seq',
    at: 'Acknowledged',
    name: 'Name',
    typed: 'Typed name',
    unit: 'Unit',
    version: 'Version',
    receipt: 'Receipt',
    csv: 'Export CSV',
  },
} as const

const filterOf = (ctx: ConsoleCtx) => {
  const chosen = chosenVersion(ctx.query('version'), ctx.now)
  return {
    chosen,
    filter: { notice: chosen.notice, version: chosen.version, unit: ctx.query('unit') },
  }
}

export const consoleRecordRoutes = newRoutes()

consoleRecordRoutes.get(
  PATH,
  consolePage(async (ctx) => {
    const w = words[ctx.lang]
    const lang = ctx.lang
    const { chosen, filter } = filterOf(ctx)
    const state: FormState = {
      values: { version: chosen.key, unit: ctx.query('unit') ?? '' },
      errors: {},
    }
    const after = Math.max(0, Math.floor(Number(ctx.query('after')) || 0))
    let page
    try {
      page = await take(
        recordsAs(ctx.store, ctx.actor, { ...filter, afterSeq: after, pageSize: PAGE }),
        PAGE,
      )
    } catch (error) {
      const status = refusalOnForm(error, lang, state, {
        invalid_unit: 'unit',
        outside_scope: 'unit',
      })
      return { title: w.title, nav: 'records', status, body: versionFilter(ctx, PATH, state) }
    }
    const last = page.at(-1)
    const query = { version: chosen.key, unit: ctx.query('unit'), after: ctx.query('after') }
    const csv = new URLSearchParams({
      version: chosen.key,
      ...(filter.unit ? { unit: filter.unit } : {}),
    })
    return {
      title: w.title,
      nav: 'records',
      actions: html`<a class="button quiet" href="${withLang(`${PATH}.csv?${csv}`, lang)}">${w.csv}</a>`,
      body: html`<p>${w.intro}</p>
        ${versionFilter(ctx, PATH, state)}
        ${table(
          [w.seq, w.at, w.name, w.typed, w.unit, w.version, w.receipt],
          page.map(
            (r) => html`<tr><td class="num">${r.seq}</td><td>${time(r.acknowledgedAt)}</td>
              <td>${r.officialName} <code>${r.externalId}</code></td><td>${r.typedName}</td>
              <td>${r.unit}</td><td>v${r.version}</td><td><code>${r.receiptId}</code></td></tr>`,
          ),
          lang,
        )}
        ${pager({ path: PATH, query, param: 'after', next: last && page.length === PAGE ? last.seq : null, lang })}`,
    }
  }),
)

consoleRecordRoutes.get(
  `${PATH}.csv`,
  consolePage((ctx) => {
    const { chosen, filter } = filterOf(ctx)
    return csvResponse(
      ctx.c,
      `acknowledgements-${chosen.notice}-v${chosen.version}.csv`,
      csvStream(RECORD_COLUMNS, recordsAs(ctx.store, ctx.actor, filter), recordCells),
    )
  }),
)
