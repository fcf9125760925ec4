/**
 * /admin/tokens: API tokens in the reader's subtree, both kinds (admin tokens for /api/admin/*,
 * integrators' check keys for /api/check*); create one (shown once), revoke one.
 */
import { html } from 'hono/html'
import { z } from '@hono/zod-openapi'
import {
  CHECK_KEY_TIERS,
  CHECK_KIND,
  createToken,
  DEFAULT_CHECK_KEY_LIMIT,
  expiryAfterDays,
  listTokens,
  MAX_TOKEN_LIFETIME_DAYS,
  revokeToken,
  type TokenView,
} from '../admin/api-tokens'
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

const PATH = '/admin/tokens'
/** The expiries the form offers, in days (the API takes any time up to MAX_TOKEN_LIFETIME_DAYS). */
const EXPIRY_DAYS = [30, 90, 365, MAX_TOKEN_LIFETIME_DAYS] as const

const words = {
  zh: {
    title: 'API 令牌',
    intro:
      '管理令牌供脚本和其他系统调用 /api/admin/* 使用，每个只能访问一个单位及其下级单位，只读或读写。检查密钥供其他系统（如聊天服务器）调用消息检查 /api/check，按密钥单独限速，不能访问 /api/admin/*。',
    kind: '类型',
    kinds: { admin: '管理令牌', check: '检查密钥' } as Record<string, string>,
    accessHint: '仅用于管理令牌。',
    rateLimit: '每分钟检查条数',
    rateLimitHint: '仅用于检查密钥：此密钥每分钟最多检查的消息条数（批量检查每条都计数）。',
    pickKind: '请选择管理令牌或检查密钥。',
    expires: '有效期',
    expiresHint: '到期后令牌自动失效；也可随时吊销。',
    never: '长期有效（直到吊销）',
    days: (n: number) => `${n} 天`,
    expiresOn: '到期',
    expired: '已过期',
    create: '新建令牌',
    label: '用途说明',
    labelHint: '例如：人事系统每晚同步名册',
    unit: '单位',
    unitHint: (scope: string) => `留空表示${scope}。层级之间用“/”分隔。`,
    access: '权限',
    submit: '创建令牌',
    pickAccess: '请选择只读或读写。',
    created: '令牌已创建',
    once: '这是唯一一次显示此令牌。请立即复制并妥善保存；之后只能看到它的编号。',
    copy: '复制',
    copied: '已复制',
    use: '使用方法：',
    backToList: '返回令牌列表',
    list: '现有令牌',
    id: '编号',
    createdAt: '创建',
    lastUsed: '最近使用',
    status: '状态',
    revoke: '吊销',
    revokeConfirm: '吊销后此令牌立即失效，确定吗？',
    revoked: '已吊销',
    active: '有效',
    done: { revoked: '令牌已吊销。' } as Record<string, string>,
  },
  en: {
    title: 'API tokens',
    intro:
      'Admin tokens are for scripts and other systems calling /api/admin/*: each reaches one unit and the units below it, read-only or read and write. Check keys are for other systems (a chat server, say) calling the message check /api/check, with a rate limit of their own; they open nothing under /api/admin/*.',
    kind: 'Kind',
    kinds: { admin: 'admin token', check: 'check key' } as Record<string, string>,
    accessHint: 'Admin tokens only.',
    rateLimit: 'Texts checked per minute',
    rateLimitHint:
      'Check keys only: how many messages this key may check a minute (a batch counts each of its texts).',
    pickKind: 'Choose an admin token or a check key.',
    expires: 'Expires',
    expiresHint: 'It stops working by itself then; it can be revoked any time before.',
    never: 'never (until revoked)',
    days: (n: number) => `in ${n} days`,
    expiresOn: 'expires',
    expired: 'expired',
    create: 'New token',
    label: 'What it is for',
    labelHint: 'e.g. nightly roster sync from the HR system',
    unit: 'Unit',
    unitHint: (scope: string) => `Empty means ${scope}. Levels are separated by "/".`,
    access: 'Access',
    submit: 'Create the token',
    pickAccess: 'Choose read or write.',
    created: 'Token created',
    once: 'This is the only time this token is shown. Copy it now and keep it safe; afterwards only its id is visible.',
    copy: 'Copy',
    copied: 'Copied',
    use: 'Use it like this:',
    backToList: 'Back to the tokens',
    list: 'Tokens',
    id: 'Id',
    createdAt: 'Created',
    lastUsed: 'Last used',
    status: 'Status',
    revoke: 'Revoke',
    revokeConfirm: 'The token stops working at once. Revoke it?',
    revoked: 'revoked',
    active: 'active',
    done: { revoked: 'The token was revoked.' } as Record<string, string>,
  },
} as const

addConsoleErrors({
  label_required: '请说明令牌的用途。',
  label_too_long: '用途说明最多 100 个字符。',
  invalid_access: '请选择只读或读写。',
  invalid_kind: '请选择管理令牌或检查密钥。',
  invalid_rate_limit: '请选择一个限额。',
  invalid_expiry: '请选择一个有效期。',
  expiry_too_far: '请选择一个有效期。',
  token_not_found: '没有这个令牌。',
})

const schema = (lang: Lang) => {
  const m = consoleText(lang)
  return z.object({
    label: z.string().trim().min(1, m.required).max(100, m.tooLong(100)),
    // A form without the field (as posted before check keys existed) makes an admin token.
    kind: z
      .enum(['', 'admin', 'check'], { error: words[lang].pickKind })
      .transform((kind) => kind || 'admin'),
    access: z.enum(['read', 'write'], { error: words[lang].pickAccess }),
    // Read only for a check key, where the domain refuses a limit that is not a tier.
    rateLimit: z.string(),
    // A form without the field (as posted before tokens could expire) makes one that does not.
    expiresInDays: z
      .enum(['', ...EXPIRY_DAYS.map(String)], { error: words[lang].expires })
      .optional()
      .transform((days) => (days ? Number(days) : undefined)),
    unit: z.string().trim().max(1100, m.tooLong(1100)),
  })
}

/** Revoked or expired (and when), or when it expires and the button that revokes it. */
function statusCell(ctx: ConsoleCtx, t: TokenView) {
  const w = words[ctx.lang]
  if (t.revokedAt) return html`${w.revoked} ${time(t.revokedAt)}`
  if (t.expiresAt && t.expiresAt <= ctx.by.now.toISOString())
    return html`${w.expired} ${time(t.expiresAt)}`
  const revoke = postButton({
    action: withLang(`${PATH}/${t.id}/revoke`, ctx.lang),
    csrf: ctx.csrf,
    label: w.revoke,
    confirm: w.revokeConfirm,
  })
  if (!t.expiresAt) return revoke
  return html`<span class="muted">${w.expiresOn} ${time(t.expiresAt)}</span>${revoke}`
}

function row(ctx: ConsoleCtx, t: TokenView) {
  const w = words[ctx.lang]
  const m = consoleText(ctx.lang)
  return html`<tr${t.revokedAt ? html` class="revoked"` : ''}>
    <td>${t.label}</td>
    <td><code>${t.id}</code></td>
    <td>${w.kinds[t.kind] ?? t.kind}</td>
    <td>${scopeLabel(ctx.lang, t.unit)}</td>
    <td>${
      t.kind === CHECK_KIND
        ? html`${(t.rateLimit ?? DEFAULT_CHECK_KEY_LIMIT).toLocaleString('en')} / min`
        : html`<span class="tag ${t.access}">${m.access[t.access]}</span>`
    }</td>
    <td>${time(t.createdAt)}<br><span class="muted">${t.createdBy}</span></td>
    <td>${time(t.lastUsedAt)}</td>
    <td class="keep">${statusCell(ctx, t)}</td>
  </tr>`
}

async function tokensPage(ctx: ConsoleCtx, state: FormState, status: 200 | 403 | 409 | 422 = 200) {
  const w = words[ctx.lang]
  const m = consoleText(ctx.lang)
  const tokens = await listTokens(ctx.db, ctx.actor)
  const canCreate = ctx.actor.kind !== 'api_token' && ctx.actor.access === 'write'
  return {
    title: w.title,
    nav: 'tokens',
    status,
    flash: doneFlash(ctx, w.done),
    body: html`<p>${w.intro}</p>
      ${
        canCreate
          ? html`<div class="card"><h2>${w.create}</h2>${form(
              {
                action: withLang(PATH, ctx.lang),
                csrf: ctx.csrf,
                submit: w.submit,
                lang: ctx.lang,
                state,
              },
              html`${field({ name: 'label', label: w.label, hint: w.labelHint, state, required: true, maxlength: 100 })}
                ${field({
                  name: 'kind',
                  label: w.kind,
                  type: 'select',
                  state,
                  options: [
                    ['admin', w.kinds.admin!],
                    ['check', w.kinds.check!],
                  ],
                })}
                ${field({ name: 'unit', label: w.unit, hint: w.unitHint(scopeLabel(ctx.lang, ctx.actor.unit)), state })}
                ${field({
                  name: 'access',
                  label: w.access,
                  hint: w.accessHint,
                  type: 'select',
                  state,
                  options: [
                    ['read', m.access.read!],
                    ['write', m.access.write!],
                  ],
                })}
                ${field({
                  name: 'rateLimit',
                  label: w.rateLimit,
                  hint: w.rateLimitHint,
                  type: 'select',
                  state,
                  options: CHECK_KEY_TIERS.map((t) => [String(t), t.toLocaleString('en')]),
                })}
                ${field({
                  name: 'expiresInDays',
                  label: w.expires,
                  hint: w.expiresHint,
                  type: 'select',
                  state,
                  options: [
                    ['', w.never],
                    ...EXPIRY_DAYS.map((d): [string, string] => [String(d), w.days(d)]),
                  ],
                })}`,
            )}</div>`
          : ''
      }
      <h2>${w.list}</h2>
      ${table(
        [
          w.label,
          w.id,
          w.kind,
          w.unit,
          `${w.access} / ${w.rateLimit}`,
          w.createdAt,
          w.lastUsed,
          w.status,
        ],
        tokens.map((t) => row(ctx, t)),
        ctx.lang,
      )}`,
  }
}

export const consoleTokenRoutes = newRoutes()

consoleTokenRoutes.get(
  PATH,
  consolePage((ctx) =>
    tokensPage(
      ctx,
      emptyForm({
        kind: 'admin',
        access: 'read',
        rateLimit: String(DEFAULT_CHECK_KEY_LIMIT),
        expiresInDays: '',
        unit: ctx.actor.unit ?? '',
      }),
    ),
  ),
)

consoleTokenRoutes.post(
  PATH,
  ...consoleAction(async (ctx, body) => {
    const w = words[ctx.lang]
    const read = validateForm(schema(ctx.lang), body)
    if (!read.ok) return tokensPage(ctx, read.state, 422)
    let created
    try {
      // The form always sends both selects; each kind takes only its own.
      const check = read.data.kind === CHECK_KIND
      created = await createToken(ctx.db, ctx.by, {
        kind: read.data.kind,
        label: read.data.label,
        access: check ? undefined : read.data.access,
        rateLimit: check && read.data.rateLimit !== '' ? Number(read.data.rateLimit) : undefined,
        expiresAt:
          read.data.expiresInDays === undefined
            ? undefined
            : expiryAfterDays(ctx.by.now, read.data.expiresInDays),
        unit: read.data.unit || ctx.actor.unit,
      })
    } catch (error) {
      const status = refusalOnForm(error, ctx.lang, read.state, {
        invalid_unit: 'unit',
        outside_scope: 'unit',
        read_only: 'access',
        label_required: 'label',
        label_too_long: 'label',
        invalid_access: 'access',
        invalid_kind: 'kind',
        invalid_rate_limit: 'rateLimit',
        invalid_expiry: 'expiresInDays',
        expiry_too_far: 'expiresInDays',
      })
      return tokensPage(ctx, read.state, status as 403)
    }
    const origin = new URL(ctx.c.req.url).origin
    const record = created.record
    const usage =
      record.kind === CHECK_KIND
        ? `curl -H "Authorization: Bearer ${created.token}" -H "Content-Type: application/json" -d '{"text":"…"}' ${origin}/api/check`
        : `curl -H "Authorization: Bearer ${created.token}" ${origin}/api/admin/tokens`
    return {
      title: w.created,
      nav: 'tokens',
      body: html`<p>${w.once}</p>
        <p class="secret" id="new-token" data-copy data-copy-label="${w.copy}" data-copied-label="${w.copied}">${created.token}</p>
        <p>${record.label} · <code>${record.id}</code> · ${w.kinds[record.kind]} · ${scopeLabel(ctx.lang, record.unit)} · ${
          record.kind === CHECK_KIND
            ? `${(record.rateLimit ?? DEFAULT_CHECK_KEY_LIMIT).toLocaleString('en')} / min`
            : consoleText(ctx.lang).access[record.access]
        }${record.expiresAt ? html` · ${w.expiresOn} ${time(record.expiresAt)}` : ''}</p>
        <p>${w.use}</p>
        <p><code>${usage}</code></p>
        <p><a href="${withLang(PATH, ctx.lang)}">${w.backToList}</a></p>`,
    }
  }),
)

consoleTokenRoutes.post(
  `${PATH}/:id/revoke`,
  ...consoleAction(async (ctx) => {
    await revokeToken(ctx.db, ctx.by, ctx.c.req.param('id') ?? '')
    return redirectDone(ctx, PATH, 'revoked')
  }),
)
