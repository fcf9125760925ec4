/** Editing a rollout's reminder plan, and reading what was delivered: scoped and audited. */
import { isDate } from '../acknowledgements/links'
import { requireAdmin, scopedUnit, type Actor } from '../admin/actor'
import { auditStatement, type AuditBy } from '../admin/audit'
import { requireNotice, requireVersion } from '../content/resolve'
import type { Database } from '../db/client'
import { attemptsOf, recentDeliveries, upsertPlanStatement } from '../db/reminders'
import { AppError } from '../errors'
import { planOf } from './pass'
import { PLAN_LIMITS, type ReminderPlan } from './plan'

export interface PlanInput {
  notice: string
  version: number
  dueDate?: string | null
  beforeDays: number
  onDueDate: boolean
  repeatDays: number
  escalateAfterDays: number
  enabled: boolean
}

function days(name: keyof typeof PLAN_LIMITS, value: number) {
  const max = PLAN_LIMITS[name]
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new AppError(422, 'invalid_plan', `${name}: a whole number of days from 0 to ${max}.`)
  return value
}

export function checkPlan(input: PlanInput): ReminderPlan {
  if (input.dueDate && !isDate(input.dueDate))
    throw new AppError(
      422,
      'invalid_due_date',
      `dueDate: "${input.dueDate}" is not a date (YYYY-MM-DD).`,
    )
  return {
    dueDate: input.dueDate || null,
    beforeDays: days('beforeDays', input.beforeDays),
    onDueDate: input.onDueDate === true,
    repeatDays: days('repeatDays', input.repeatDays),
    escalateAfterDays: days('escalateAfterDays', input.escalateAfterDays),
    enabled: input.enabled === true,
  }
}

/** A plan covers every unit of the rollout: changed by those who cover the whole roster. */
export async function setPlan(db: Database, by: AuditBy, input: PlanInput) {
  requireAdmin(by.actor, null, 'write')
  const version = requireVersion(requireNotice(input.notice), input.version)
  const plan = checkPlan(input)
  await db.batch([
    upsertPlanStatement(db, {
      noticeId: version.notice,
      version: version.version,
      ...plan,
      updatedAt: by.now.toISOString(),
      updatedBy: by.actor.id,
    }),
    auditStatement(db, by, 'reminder_plan.set', { target: `${version.notice}@${version.version}` }),
  ])
  return { notice: version.notice, version: version.version, plan }
}

export async function getPlan(db: Database, actor: Actor, notice: string, versionNumber: number) {
  requireAdmin(actor, actor.unit, 'read')
  const version = requireVersion(requireNotice(notice), versionNumber)
  return {
    notice: version.notice,
    version: version.version,
    plan: await planOf(db, version.notice, version.version),
  }
}

/** The latest deliveries in the reader's subtree, each with its attempts. */
export async function deliveriesAs(
  db: Database,
  actor: Actor,
  q: { notice?: string; version?: number; unit?: string | null; limit?: number },
) {
  const unit = scopedUnit(actor, q.unit, 'read')
  if (q.notice) {
    const notice = requireNotice(q.notice)
    if (q.version) requireVersion(notice, q.version)
  }
  const deliveries = await recentDeliveries(db, {
    noticeId: q.notice,
    version: q.version,
    unit,
    limit: q.limit,
  })
  const attempts = await attemptsOf(
    db,
    deliveries.map((d) => d.id),
  )
  return deliveries.map((d) => ({
    ...d,
    attemptLog: attempts
      .filter((a) => a.deliveryId === d.id)
      .map(({ outcome, at, attempt, httpStatus, detail }) => ({
        outcome,
        at,
        attempt,
        httpStatus,
        detail,
      })),
  }))
}
