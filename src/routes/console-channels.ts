/** /admin/channels: where each unit's reminders go (masked), and whom its officials contact. */
import { html } from 'hono/html'
import { z } from '@hono/zod-openapi'
import {
  listChannels,
  listUnitContacts,
  removeChannel,
  setChannel,
  setUnitContact,
  CONTACT_MAX,
  SECRET_MAX,
  URL_MAX,
  type ChannelView,
} from '../reminders/channels'
import { CHANNEL_TYPES } from '../reminders/channel-types'
import { channelKeys } from '../reminders/credentials'
import { newRoutes } from '../factory'
import type { Lang } from '../i18n'
import { withLang } from '../views/layout'
import { emptyForm, field, form, postButton, type FormState } from '../views/console/forms'
import { addConsoleErrors, consoleText } from '../views/console/messages'
import { table, time } from '../views/console/parts'
import {
  consoleAction,
  consolePage,
  doneFlash,
  redirectDone,
  refusalOnForm,
  validateForm,
  type ConsoleCtx,
} from './console-kit'

const PATH = '/admin/channels'

export const TYPE_LABELS: Record<string, Record<Lang, string>> = {
  wecom: { zh: '企业微信群机器人', en: 'WeChat Work group robot' },
  dingtalk: { zh: '钉钉群机器人', en: 'DingTalk robot' },
  feishu: { zh: '飞书群机器人', en: 'Feishu/Lark bot' },
  webhook: { zh: '通用 Webhook（签名）', en: 'Generic webhook (signed)' },
}

const words = {
  zh: {
    title: '提醒渠道',
    intro:
      '每个单位可设一个群渠道（提醒本单位未确认的干部）和一个领导渠道（逾期督办）。没有渠道的单位沿用上级单位的。Webhook 地址和密钥加密保存，之后只显示末尾几位。',
    add: '设置渠道',
    unit: '单位',
    unitHint: '层级之间用“/”分隔，例如 广东省/广州市',
    purpose: '用途',
    purposes: { group: '群提醒', leaders: '领导督办' } as Record<string, string>,
    type: '类型',
    url: 'Webhook 地址',
    urlHint: '从机器人设置中复制。生产环境只接受 https。',
    secret: '签名密钥（可选）',
    secretHint: '钉钉“加签”、飞书“签名校验”的密钥；通用 Webhook 必填。',
    privacy: '提醒内容',
    privacies: { names: '列出未确认人员姓名', counts: '只说人数' } as Record<string, string>,
    submit: '保存渠道',
    list: '现有渠道',
    signed: '签名',
    yes: '是',
    no: '否',
    created: '设置于',
    remove: '删除',
    removeConfirm: '删除后此单位沿用上级单位的渠道，确定吗？',
    contacts: '单位联系人',
    contactsIntro:
      '干部输入的姓名与名册不一致时，页面会告诉他联系本单位的这位联系人（下级单位沿用上级的）。',
    contact: '联系人和联系方式',
    contactHint: '留空表示沿用上级单位的联系人',
    saveContact: '保存联系人',
    none: '（无）',
    done: {
      set: '渠道已保存。',
      removed: '渠道已删除。',
      contact: '联系人已保存。',
    } as Record<string, string>,
  },
  en: {
    title: 'Reminder channels',
    intro:
      "Each unit may have a group channel (reminds its outstanding officials) and a leaders channel (escalation when overdue). A unit without one uses its parent's. Webhook URLs and secrets are stored encrypted and shown afterwards only by their last characters.",
    add: 'Set a channel',
    unit: 'Unit',
    unitHint: 'Levels separated by "/", e.g. 广东省/广州市',
    purpose: 'Purpose',
    purposes: { group: 'group reminders', leaders: 'leaders (escalation)' } as Record<
      string,
      string
    >,
    type: 'Type',
    url: 'Webhook URL',
    urlHint: "Copy it from the robot's settings. Production accepts https only.",
    secret: 'Signing secret (optional)',
    secretHint: "DingTalk's 加签 or Feishu's signature secret; required for a generic webhook.",
    privacy: 'Reminders show',
    privacies: { names: 'the outstanding officials by name', counts: 'only how many' } as Record<
      string,
      string
    >,
    submit: 'Save the channel',
    list: 'Channels',
    signed: 'Signed',
    yes: 'yes',
    no: 'no',
    created: 'Set',
    remove: 'Remove',
    removeConfirm: "The unit then uses its parent's channel. Remove it?",
    contacts: 'Unit contacts',
    contactsIntro:
      "When an official's typed name does not match the roster, the page tells them to contact this person (units below inherit it).",
    contact: 'Contact and how to reach them',
    contactHint: "Empty: use the parent unit's contact",
    saveContact: 'Save the contact',
    none: '(none)',
    done: {
      set: 'The channel was saved.',
      removed: 'The channel was removed.',
      contact: 'The contact was saved.',
    } as Record<string, string>,
  },
} as const

addConsoleErrors({
  invalid_url: 'Webhook 地址不可用：生产环境只接受各平台官方域名上的 https 地址。',
  invalid_type: '请选择渠道类型。',
  secret_required: '通用 Webhook 必须设置签名密钥。',
  invalid_secret: `签名密钥最多 ${SECRET_MAX} 个字符。`,
  unit_required: '请填写单位。',
  channel_not_found: '没有这个渠道。',
  contact_too_long: `联系人最多 ${CONTACT_MAX} 个字符。`,
})

const channelSchema = (lang: Lang) => {
  const m = consoleText(lang)
  return z.object({
    unit: z.string().trim().min(1, m.required).max(1100, m.tooLong(1100)),
    purpose: z.enum(['group', 'leaders']),
    type: z.enum(CHANNEL_TYPES),
    url: z.string().trim().min(1, m.required).max(URL_MAX, m.tooLong(URL_MAX)),
    secret: z.string().trim().max(SECRET_MAX, m.tooLong(SECRET_MAX)),
    privacy: z.enum(['names', 'counts']),
  })
}

const contactSchema = (lang: Lang) => {
  const m = consoleText(lang)
  return z.object({
    unit: z.string().trim().min(1, m.required).max(1100, m.tooLong(1100)),
    contact: z.string().trim().max(CONTACT_MAX, m.tooLong(CONTACT_MAX)),
  })
}

function row(ctx: ConsoleCtx, c: ChannelView, canWrite: boolean) {
  const w = words[ctx.lang]
  return html`<tr>
    <td>${c.unit}</td>
    <td>${w.purposes[c.purpose]}</td>
    <td>${TYPE_LABELS[c.type]![ctx.lang]}</td>
    <td><code>${c.url}</code></td>
    <td>${c.signed ? w.yes : w.no}</td>
    <td>${w.privacies[c.privacy]}</td>
    <td>${time(c.createdAt)}<br /><span class="muted">${c.createdBy}</span></td>
    <td class="keep">${
      canWrite
        ? postButton({
            action: withLang(`${PATH}/${c.id}/remove`, ctx.lang),
            csrf: ctx.csrf,
            label: w.remove,
            confirm: w.removeConfirm,
          })
        : ''
    }</td>
  </tr>`
}

async function channelsPage(
  ctx: ConsoleCtx,
  channelState: FormState,
  contactState: FormState,
  status: 200 | 403 | 422 | 503 = 200,
) {
  const w = words[ctx.lang]
  const [channels, contacts] = await Promise.all([
    listChannels(ctx.db, ctx.actor),
    listUnitContacts(ctx.db, ctx.actor),
  ])
  const canWrite = ctx.actor.access === 'write'
  const select = (pairs: Record<string, string>) => Object.entries(pairs) as [string, string][]
  return {
    title: w.title,
    nav: 'channels',
    status,
    flash: doneFlash(ctx, w.done),
    body: html`<p>${w.intro}</p>
      ${
        canWrite
          ? html`<div class="card"><h2>${w.add}</h2>${form(
              {
                action: withLang(PATH, ctx.lang),
                csrf: ctx.csrf,
                submit: w.submit,
                lang: ctx.lang,
                state: channelState,
              },
              html`${field({ name: 'unit', label: w.unit, hint: w.unitHint, state: channelState, required: true })}
                ${field({ name: 'purpose', label: w.purpose, type: 'select', state: channelState, options: select(w.purposes) })}
                ${field({ name: 'type', label: w.type, type: 'select', state: channelState, options: CHANNEL_TYPES.map((t) => [t, TYPE_LABELS[t]![ctx.lang]] as const) })}
                ${field({ name: 'url', label: w.url, hint: w.urlHint, state: channelState, required: true, autocomplete: 'off' })}
                ${field({ name: 'secret', label: w.secret, hint: w.secretHint, type: 'password', state: channelState, autocomplete: 'off' })}
                ${field({ name: 'privacy', label: w.privacy, type: 'select', state: channelState, options: select(w.privacies) })}`,
            )}</div>`
          : ''
      }
      <h2>${w.list}</h2>
      ${table(
        [w.unit, w.purpose, w.type, w.url, w.signed, w.privacy, w.created, ''],
        channels.map((c) => row(ctx, c, canWrite)),
        ctx.lang,
      )}
      <h2 id="contacts">${w.contacts}</h2>
      <p>${w.contactsIntro}</p>
      ${
        canWrite
          ? html`<div class="card">${form(
              {
                action: withLang(`${PATH}/contacts`, ctx.lang),
                csrf: ctx.csrf,
                submit: w.saveContact,
                lang: ctx.lang,
                state: contactState,
              },
              html`${field({ name: 'unit', label: w.unit, hint: w.unitHint, state: contactState, required: true })}
                ${field({ name: 'contact', label: w.contact, hint: w.contactHint, state: contactState, maxlength: CONTACT_MAX })}`,
            )}</div>`
          : ''
      }
      ${table(
        [w.unit, w.contact],
        contacts.map((c) => html`<tr><td>${c.unit}</td><td>${c.contact}</td></tr>`),
        ctx.lang,
      )}`,
  }
}

const blankChannel = (ctx: ConsoleCtx) =>
  emptyForm({ unit: ctx.actor.unit ?? '', purpose: 'group', type: 'wecom', privacy: 'names' })

export const consoleChannelRoutes = newRoutes()

consoleChannelRoutes.get(
  PATH,
  consolePage((ctx) =>
    channelsPage(ctx, blankChannel(ctx), emptyForm({ unit: ctx.actor.unit ?? '' })),
  ),
)

consoleChannelRoutes.post(
  PATH,
  ...consoleAction(async (ctx, body) => {
    const read = validateForm(channelSchema(ctx.lang), body)
    // A secret is never typed back into the page.
    const refill = (state: FormState) => ({ ...state, values: { ...state.values, secret: '' } })
    if (!read.ok) return channelsPage(ctx, refill(read.state), emptyForm(), 422)
    try {
      await setChannel(
        ctx.db,
        await channelKeys(ctx.c.env),
        ctx.by,
        { ...read.data, secret: read.data.secret || null },
        ctx.c.env.ALLOW_LOCAL_WEBHOOKS === 'true',
      )
    } catch (error) {
      const status = refusalOnForm(error, ctx.lang, read.state, {
        invalid_url: 'url',
        invalid_type: 'type',
        secret_required: 'secret',
        invalid_secret: 'secret',
        unit_required: 'unit',
        invalid_unit: 'unit',
        outside_scope: 'unit',
      })
      return channelsPage(ctx, refill(read.state), emptyForm(), status as 422)
    }
    return redirectDone(ctx, PATH, 'set')
  }),
)

consoleChannelRoutes.post(
  `${PATH}/contacts`,
  ...consoleAction(async (ctx, body) => {
    const read = validateForm(contactSchema(ctx.lang), body)
    if (!read.ok) return channelsPage(ctx, blankChannel(ctx), read.state, 422)
    try {
      await setUnitContact(ctx.db, ctx.by, {
        unit: read.data.unit,
        contact: read.data.contact || null,
      })
    } catch (error) {
      const status = refusalOnForm(error, ctx.lang, read.state, {
        unit_required: 'unit',
        invalid_unit: 'unit',
        outside_scope: 'unit',
        contact_too_long: 'contact',
      })
      return channelsPage(ctx, blankChannel(ctx), read.state, status as 422)
    }
    return redirectDone(ctx, PATH, 'contact')
  }),
)

consoleChannelRoutes.post(
  `${PATH}/:id/remove`,
  ...consoleAction(async (ctx) => {
    await removeChannel(ctx.db, ctx.by, ctx.c.req.param('id') ?? '')
    return redirectDone(ctx, PATH, 'removed')
  }),
)
