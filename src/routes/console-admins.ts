/** /admin/admins (owners): who may use the console, with which role and unit; add and remove. */
import { html } from 'hono/html'
import { z } from '@hono/zod-openapi'
import { requireOwner } from '../admin/actor'
import { addAdmin, listAdmins, removeAdmin, type AdminRow } from '../admin/admins'
import { ownerEmails } from '../admin/config'
import { newRoutes } from '../factory'
import type { Lang } from '../i18n'
import { withLang } from '../views/layout'
import { emptyForm, field, form, postButton, type FormState } from '../views/console/forms'
import { scopeLabel } from '../views/console/layout'
import { addConsoleErrors, consoleText } from '../views/console/messages'
import { table, time } from '../views/console/parts'
import {
  consoleAction,
  consolePage,
  doneFlash,
  validateForm,
  redirectDone,
  refusalOnForm,
  type ConsoleCtx,
} from './console-kit'

const PATH = '/admin/admins'

const words = {
  zh: {
    title: '管理员',
    intro:
      '管理员通过 Cloudflare Access 用邮箱登录。所有者管理一切（包括管理员）；单位管理员只能查看和修改本单位及下级单位。',
    add: '添加管理员',
    email: '邮箱',
    role: '角色',
    unit: '单位',
    unitHint: '单位管理员必填，例如 广东省/广州市；所有者留空。',
    submit: '添加',
    remove: '移除',
    removeConfirm: '移除后此人不能再登录管理后台，确定吗？',
    added: '添加时间',
    fromVars: '所有者（OWNER_EMAILS 配置）',
    pickRole: '请选择角色。',
    emailBad: '请输入有效的邮箱地址。',
    done: { added: '已添加管理员。', removed: '已移除管理员。' } as Record<string, string>,
  },
  en: {
    title: 'Admins',
    intro:
      'Admins sign in with their email through Cloudflare Access. Owners manage everything, admins included; a unit admin sees and changes only their unit and the units below it.',
    add: 'Add an admin',
    email: 'Email',
    role: 'Role',
    unit: 'Unit',
    unitHint: 'Required for a unit admin, e.g. 广东省/广州市; empty for an owner.',
    submit: 'Add',
    remove: 'Remove',
    removeConfirm: 'They will no longer be able to sign in to the console. Remove them?',
    added: 'Added',
    fromVars: 'Owners (from OWNER_EMAILS)',
    pickRole: 'Choose a role.',
    emailBad: 'Enter a valid email address.',
    done: { added: 'The admin was added.', removed: 'The admin was removed.' } as Record<
      string,
      string
    >,
  },
} as const

addConsoleErrors({
  invalid_email: '请输入有效的邮箱地址。',
  invalid_role: '请选择角色。',
  unit_required: '单位管理员必须填写单位。',
  owner_has_no_unit: '所有者管理全部单位，请留空。',
  admin_exists: '此邮箱已是管理员；如需更改角色，请先移除。',
  cannot_remove_self: '不能移除自己，请让另一位所有者操作。',
  admin_not_found: '没有这位管理员。',
})

const schema = (lang: Lang) => {
  const m = consoleText(lang)
  const w = words[lang]
  return z.object({
    email: z.string().trim().min(1, m.required).max(254, m.tooLong(254)).email(w.emailBad),
    role: z.enum(['owner', 'unit_admin'], { error: w.pickRole }),
    unit: z.string().trim().max(1100, m.tooLong(1100)),
  })
}

function row(ctx: ConsoleCtx, a: AdminRow) {
  const w = words[ctx.lang]
  const m = consoleText(ctx.lang)
  return html`<tr>
    <td>${a.email}</td>
    <td><span class="tag ${a.role === 'owner' ? 'owner' : ''}">${m.role[a.role]}</span></td>
    <td>${scopeLabel(ctx.lang, a.unit)}</td>
    <td>${time(a.createdAt)}<br><span class="muted">${a.createdBy}</span></td>
    <td>${postButton({
      action: withLang(`${PATH}/${a.id}/remove`, ctx.lang),
      csrf: ctx.csrf,
      label: w.remove,
      confirm: w.removeConfirm,
    })}</td>
  </tr>`
}

async function adminsPage(ctx: ConsoleCtx, state: FormState, status: 200 | 403 | 409 | 422 = 200) {
  const w = words[ctx.lang]
  const m = consoleText(ctx.lang)
  const admins = await listAdmins(ctx.db, ctx.actor)
  const fromVars = [...ownerEmails(ctx.c.env)]
  return {
    title: w.title,
    nav: 'admins',
    status,
    flash: doneFlash(ctx, w.done),
    body: html`<p>${w.intro}</p>
      <div class="card"><h2>${w.add}</h2>${form(
        {
          action: withLang(PATH, ctx.lang),
          csrf: ctx.csrf,
          submit: w.submit,
          lang: ctx.lang,
          state,
        },
        html`${field({ name: 'email', label: w.email, type: 'email', state, required: true, autocomplete: 'off' })}
          ${field({
            name: 'role',
            label: w.role,
            type: 'select',
            state,
            options: [
              ['unit_admin', m.role.unit_admin!],
              ['owner', m.role.owner!],
            ],
          })}
          ${field({ name: 'unit', label: w.unit, hint: w.unitHint, state })}`,
      )}</div>
      ${table(
        [w.email, w.role, w.unit, w.added, ''],
        admins.map((a) => row(ctx, a)),
        ctx.lang,
      )}
      ${fromVars.length ? html`<p class="muted">${w.fromVars}: ${fromVars.join(', ')}</p>` : ''}`,
  }
}

export const consoleAdminRoutes = newRoutes()

consoleAdminRoutes.get(
  PATH,
  consolePage((ctx) => adminsPage(ctx, emptyForm({ role: 'unit_admin' }))),
)

consoleAdminRoutes.post(
  PATH,
  ...consoleAction(async (ctx, body) => {
    requireOwner(ctx.actor, 'add admins')
    const read = validateForm(schema(ctx.lang), body)
    if (!read.ok) return adminsPage(ctx, read.state, 422)
    try {
      await addAdmin(ctx.db, ctx.by, read.data)
    } catch (error) {
      const status = refusalOnForm(error, ctx.lang, read.state, {
        invalid_email: 'email',
        admin_exists: 'email',
        invalid_role: 'role',
        unit_required: 'unit',
        owner_has_no_unit: 'unit',
        invalid_unit: 'unit',
      })
      return adminsPage(ctx, read.state, status as 409)
    }
    return redirectDone(ctx, PATH, 'added')
  }),
)

consoleAdminRoutes.post(
  `${PATH}/:id/remove`,
  ...consoleAction(async (ctx) => {
    await removeAdmin(ctx.db, ctx.by, Number(ctx.c.req.param('id')))
    return redirectDone(ctx, PATH, 'removed')
  }),
)
