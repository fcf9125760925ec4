/**
 * /admin/reminders: a rollout's reminder plan (and the dates it gives), running the pass now, and
 * each delivery with its attempts (sent, retried, failed, deferred, dead-lettered).
 */
import { html } from 'hono/html'
import { z } from '@hono/zod-openapi'
import { isOwner } from '../admin/actor'
import { findNotice } from '../content/catalog'
import { linkBatchesFor } from '../db/links'
import { rollouts } from '../db/reminders'
import { AppError } from '../errors'
import { newRoutes } from '../factory'
import type { Lang } from '../i18n'
import { runPassAs, planOf, type ReminderQueue } from '../reminders/pass'
import { deliveriesAs, setPlan } from '../reminders/plans'
import { addDays, planDates, PLAN_LIMITS, type ReminderPlan } from '../reminders/plan'
import { timeZoneOf } from '../time'
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

const PATH = '/admin/reminders'

const words = {
  zh: {
    title: '提醒',
    intro:
      '每次发布（通知版本及其截止日期）有一个提醒计划：默认截止前 3 天提醒一次、截止当天一次，逾期后每 2 天一次；逾期满 7 天起同时发往领导渠道督办。提醒每天 9:00（机构时区）起发送，由定时任务每 15 分钟检查一次；同一次提醒只发一次。',
    rollout: '发布',
    noRollouts: '还没有发过确认链接：生成链接后这里会出现提醒计划。',
    plan: '提醒计划',
    dueDate: '截止日期',
    dueHint: '留空表示使用生成链接时填写的截止日期',
    beforeDays: '截止前几天首次提醒',
    onDueDate: '截止当天提醒',
    repeatDays: '逾期后每隔几天提醒',
    escalateAfterDays: '逾期几天后向领导渠道督办',
    enabled: '提醒',
    on: '开启',
    off: '关闭',
    yes: '是',
    no: '否',
    daysHint: (max: number) => `0 到 ${max} 天；0 表示不发`,
    save: '保存计划',
    schedule: '按此计划的提醒日期',
    scheduleNone: '没有截止日期时不会发送提醒。',
    run: '立即检查并发送到期的提醒',
    runHint: '与定时任务相同：只发送已到期且尚未发送过的提醒。',
    deliveries: '发送记录',
    when: '时间',
    unit: '单位',
    purpose: '渠道',
    purposes: { group: '群提醒', leaders: '领导督办' } as Record<string, string>,
    slot: '提醒',
    slots: { before: '截止前', due: '截止当天', overdue: '逾期', escalation: '督办' } as Record<
      string,
      string
    >,
    status: '状态',
    statuses: {
      queued: '排队中',
      sent: '已发送',
      retrying: '重试中',
      dead: '已放弃',
      skipped: '无需发送',
    } as Record<string, string>,
    officials: '人数',
    attempts: '尝试',
    outcomes: {
      sent: '成功',
      failed: '失败',
      retried: '失败，稍后重试',
      deferred: '限流等待',
      dead_lettered: '转入死信队列',
    } as Record<string, string>,
    done: {
      saved: '计划已保存。',
      ran: '已检查：到期的提醒已加入发送队列。',
    } as Record<string, string>,
    ran: (enqueued: number, already: number) =>
      `新加入队列 ${enqueued} 条，之前已发送 ${already} 条。`,
  },
  en: {
    title: 'Reminders',
    intro:
      "Each rollout (a notice version and its due date) has a reminder plan: by default once 3 days before the due date, once on it, then every 2 days while overdue; from 7 days overdue on, the leaders channel hears too. A day's reminders go out from 09:00 in the organisation's time zone; the cron looks every 15 minutes, and a reminder is sent once.",
    rollout: 'Rollout',
    noRollouts: 'No links have been handed out yet: the reminder plan appears here once they are.',
    plan: 'Reminder plan',
    dueDate: 'Due date',
    dueHint: 'Empty: the due date given with the links',
    beforeDays: 'First reminder, days before the due date',
    onDueDate: 'A reminder on the due date',
    repeatDays: 'While overdue, every … days',
    escalateAfterDays: 'Escalate to leaders after … days overdue',
    enabled: 'Reminders',
    on: 'on',
    off: 'off',
    yes: 'yes',
    no: 'no',
    daysHint: (max: number) => `0 to ${max} days; 0: none`,
    save: 'Save the plan',
    schedule: 'Reminder dates of this plan',
    scheduleNone: 'Without a due date no reminder is sent.',
    run: 'Send the reminders that are due now',
    runHint: 'The same as the cron: only reminders that are due and were not sent before.',
    deliveries: 'Deliveries',
    when: 'When',
    unit: 'Unit',
    purpose: 'Channel',
    purposes: { group: 'group', leaders: 'leaders' } as Record<string, string>,
    slot: 'Reminder',
    slots: {
      before: 'before due',
      due: 'due date',
      overdue: 'overdue',
      escalation: 'escalation',
    } as Record<string, string>,
    status: 'Status',
    statuses: {
      queued: 'queued',
      sent: 'sent',
      retrying: 'retrying',
      dead: 'gave up',
      skipped: 'not needed',
    } as Record<string, string>,
    officials: 'Officials',
    attempts: 'Attempts',
    outcomes: {
      sent: 'sent',
      failed: 'failed',
      retried: 'failed, will retry',
      deferred: 'waited for the rate limit',
      dead_lettered: 'dead-lettered',
    } as Record<string, string>,
    done: {
      saved: 'The plan was saved.',
      ran: 'Checked: the reminders that were due are on the queue.',
    } as Record<string, string>,
    ran: (enqueued: number, already: number) => `${enqueued} newly queued, ${already} sent before.`,
  },
} as const

addConsoleErrors({
  invalid_plan: '天数需在允许范围内。',
  invalid_due_date: '请填写有效日期（年-月-日）。',
})

const planSchema = (lang: Lang) => {
  const m = consoleText(lang)
  const days = (max: number) =>
    z
      .string()
      .trim()
      .regex(/^\d{1,3}$/, words[lang].daysHint(max))
      .transform(Number)
      .refine((n) => n <= max, words[lang].daysHint(max))
  return z.object({
    dueDate: z.union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, m.required)]),
    beforeDays: days(PLAN_LIMITS.beforeDays),
    onDueDate: z.enum(['yes', 'no']),
    repeatDays: days(PLAN_LIMITS.repeatDays),
    escalateAfterDays: days(PLAN_LIMITS.escalateAfterDays),
    enabled: z.enum(['on', 'off']),
  })
}

const planForm = (p: ReminderPlan) =>
  emptyForm({
    dueDate: p.dueDate ?? '',
    beforeDays: String(p.beforeDays),
    onDueDate: p.onDueDate ? 'yes' : 'no',
    repeatDays: String(p.repeatDays),
    escalateAfterDays: String(p.escalateAfterDays),
    enabled: p.enabled ? 'on' : 'off',
  })

/** The rollout the page is about: ?rollout=notice@version, else the newest. */
async function chosenRollout(ctx: ConsoleCtx) {
  const all = await rollouts(ctx.db)
  const asked = ctx.query('rollout') ?? ctx.c.req.param('rollout')
  const chosen = asked ? all.find((r) => `${r.noticeId}@${r.version}` === asked) : all.at(-1)
  if (asked && !chosen) throw new AppError(404, 'rollout_not_found', 'There is no such rollout.')
  return { all, chosen }
}

async function remindersPage(ctx: ConsoleCtx, state?: FormState, status: 200 | 422 = 200) {
  const w = words[ctx.lang]
  const { all, chosen } = await chosenRollout(ctx)
  if (!chosen)
    return { title: w.title, nav: 'reminders', body: html`<p>${w.intro}</p><p>${w.noRollouts}</p>` }
  const key = `${chosen.noticeId}@${chosen.version}`
  const plan = await planOf(ctx.db, chosen.noticeId, chosen.version)
  const deliveries = await deliveriesAs(ctx.db, ctx.actor, {
    notice: chosen.noticeId,
    version: chosen.version,
  })
  const titleOf = (r: { noticeId: string; version: number }) =>
    `${findNotice(r.noticeId)?.versions[r.version - 1]?.languages[ctx.lang].title ?? r.noticeId} · v${r.version}`
  const canPlan = isOwner(ctx.actor) && ctx.actor.unit === null && ctx.actor.access === 'write'
  const planState = state ?? planForm(plan)
  const action = withLang(`${PATH}/${encodeURIComponent(key)}`, ctx.lang)
  const batches = await linkBatchesFor(ctx.db, chosen.noticeId, chosen.version)
  const due = plan.dueDate ?? batches.filter((b) => b.dueDate).at(-1)?.dueDate ?? null
  const dates = due ? planDates(plan, due, addDays(due, 21)) : []
  const ran = ctx.query('enqueued')
  return {
    title: w.title,
    nav: 'reminders',
    status,
    flash: doneFlash(ctx, w.done),
    body: html`<p>${w.intro}</p>
      ${ran !== undefined ? html`<p class="flash">${w.ran(Number(ran), Number(ctx.query('already') ?? 0))}</p>` : ''}
      <form method="get" action="${PATH}" class="filters">
        <input type="hidden" name="lang" value="${ctx.lang}" />
        <label for="rollout">${w.rollout}</label>
        <select id="rollout" name="rollout">${all.map(
          (r) =>
            html`<option value="${r.noticeId}@${r.version}"${`${r.noticeId}@${r.version}` === key ? ' selected' : ''}>${titleOf(r)}</option>`,
        )}</select>
        <button type="submit" class="quiet">→</button>
      </form>
      <h2>${w.plan} · ${titleOf(chosen)}</h2>
      ${
        canPlan
          ? html`<div class="card">${form(
              { action, csrf: ctx.csrf, submit: w.save, lang: ctx.lang, state: planState },
              html`${field({
                name: 'enabled',
                label: w.enabled,
                type: 'select',
                state: planState,
                options: [
                  ['on', w.on],
                  ['off', w.off],
                ],
              })}
                ${field({ name: 'dueDate', label: w.dueDate, type: 'date', hint: w.dueHint, state: planState })}
                ${field({ name: 'beforeDays', label: w.beforeDays, hint: w.daysHint(PLAN_LIMITS.beforeDays), state: planState })}
                ${field({
                  name: 'onDueDate',
                  label: w.onDueDate,
                  type: 'select',
                  state: planState,
                  options: [
                    ['yes', w.yes],
                    ['no', w.no],
                  ],
                })}
                ${field({ name: 'repeatDays', label: w.repeatDays, hint: w.daysHint(PLAN_LIMITS.repeatDays), state: planState })}
                ${field({ name: 'escalateAfterDays', label: w.escalateAfterDays, hint: w.daysHint(PLAN_LIMITS.escalateAfterDays), state: planState })}`,
            )}</div>
            <p>${postButton({ action: withLang(`${PATH}/${encodeURIComponent(key)}/run`, ctx.lang), csrf: ctx.csrf, label: w.run, quiet: false })}</p>
            <p class="hint">${w.runHint}</p>`
          : ''
      }
      <h3>${w.schedule}</h3>
      ${
        dates.length
          ? html`<p>${dates.map((d) => html`<span class="tag">${d.date} ${w.slots[d.kind]}</span> `)}</p>`
          : html`<p class="muted">${w.scheduleNone}</p>`
      }
      <h2 id="deliveries">${w.deliveries}</h2>
      ${table(
        [w.when, w.unit, w.purpose, w.slot, w.status, w.officials, w.attempts],
        deliveries.map(
          (d) => html`<tr>
            <td>${time(d.createdAt)}</td>
            <td>${d.unit}</td>
            <td>${w.purposes[d.purpose]}</td>
            <td>${d.slotDate} ${w.slots[d.slot]}</td>
            <td><span class="tag delivery-${d.status}">${w.statuses[d.status]}</span></td>
            <td>${d.officials ?? ''}</td>
            <td>${d.attemptLog.map(
              (a) =>
                html`<div>${time(a.at)} · ${w.outcomes[a.outcome]}${a.detail ? html` <span class="muted">(${a.detail})</span>` : ''}</div>`,
            )}</td>
          </tr>`,
        ),
        ctx.lang,
      )}`,
  }
}

export const consoleReminderRoutes = newRoutes()

consoleReminderRoutes.get(
  PATH,
  consolePage((ctx) => remindersPage(ctx)),
)

function splitKey(key: string) {
  const at = key.lastIndexOf('@')
  return { notice: key.slice(0, at), version: Number(key.slice(at + 1)) }
}

consoleReminderRoutes.post(
  `${PATH}/:rollout`,
  ...consoleAction(async (ctx, body) => {
    const read = validateForm(planSchema(ctx.lang), body)
    if (!read.ok) return remindersPage(ctx, read.state, 422)
    const key = ctx.c.req.param('rollout') ?? ''
    try {
      await setPlan(ctx.db, ctx.by, {
        ...splitKey(key),
        dueDate: read.data.dueDate || null,
        beforeDays: read.data.beforeDays,
        onDueDate: read.data.onDueDate === 'yes',
        repeatDays: read.data.repeatDays,
        escalateAfterDays: read.data.escalateAfterDays,
        enabled: read.data.enabled === 'on',
      })
    } catch (error) {
      const status = refusalOnForm(error, ctx.lang, read.state, { invalid_due_date: 'dueDate' })
      return remindersPage(ctx, read.state, status as 422)
    }
    return redirectDone(ctx, `${PATH}?rollout=${encodeURIComponent(key)}`, 'saved')
  }),
)

consoleReminderRoutes.post(
  `${PATH}/:rollout/run`,
  ...consoleAction(async (ctx) => {
    const key = ctx.c.req.param('rollout') ?? ''
    const env = ctx.c.env
    const result = await runPassAs(ctx.store, env.REMINDER_QUEUE as ReminderQueue, ctx.by, {
      ...splitKey(key),
      timeZone: timeZoneOf(env.ORG_TIME_ZONE),
      origin: env.PUBLIC_ORIGIN?.replace(/\/+$/, '') || new URL(ctx.c.req.url).origin,
    })
    return redirectDone(
      ctx,
      `${PATH}?rollout=${encodeURIComponent(key)}&enqueued=${result.enqueued}&already=${result.already}`,
      'ran',
    )
  }),
)
