/**
 * A rollout's reminder plan and the dates it falls on. Pure: dates are YYYY-MM-DD strings in the
 * organisation's time zone, and the caller says which day it is there.
 */

export interface ReminderPlan {
  /** Overrides the links' due date; null: the due date recorded with the links. */
  dueDate: string | null
  /** The first reminder, this many days before the due date (0: none before it). */
  beforeDays: number
  /** A reminder on the due date itself. */
  onDueDate: boolean
  /** While overdue, a reminder every this many days (0: none). */
  repeatDays: number
  /** From this many days overdue on, each overdue reminder also goes to the leaders channel (0: never). */
  escalateAfterDays: number
  enabled: boolean
}

export const DEFAULT_PLAN: ReminderPlan = {
  dueDate: null,
  beforeDays: 3,
  onDueDate: true,
  repeatDays: 2,
  escalateAfterDays: 7,
  enabled: true,
}

/** Upper bounds a plan is validated against (days). */
export const PLAN_LIMITS = { beforeDays: 30, repeatDays: 30, escalateAfterDays: 90 } as const

export type SlotKind = 'before' | 'due' | 'overdue' | 'escalation'

export interface Slot {
  date: string
  kind: SlotKind
}

const DAY = 86_400_000

export const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10)

export const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY)

/**
 * The latest group reminder due on or before `today`, or null (none yet, or none planned).
 * Only the latest: a pass that did not run for days sends one reminder, not every missed one.
 */
export function groupSlot(plan: ReminderPlan, due: string, today: string): Slot | null {
  if (!plan.enabled) return null
  const late = daysBetween(due, today)
  if (late > 0 && plan.repeatDays > 0) {
    const last = Math.floor(late / plan.repeatDays) * plan.repeatDays
    if (last > 0) return { date: addDays(due, last), kind: 'overdue' }
  }
  if (late >= 0 && plan.onDueDate) return { date: due, kind: 'due' }
  if (plan.beforeDays > 0 && late >= -plan.beforeDays)
    return { date: addDays(due, -plan.beforeDays), kind: 'before' }
  return null
}

/**
 * The latest escalation due on or before `today`: the first overdue reminder at least
 * escalateAfterDays late and each overdue reminder after it; a plan without repeats escalates
 * once, escalateAfterDays after the due date.
 */
export function escalationSlot(plan: ReminderPlan, due: string, today: string): Slot | null {
  if (!plan.enabled || plan.escalateAfterDays <= 0) return null
  const late = daysBetween(due, today)
  if (late < plan.escalateAfterDays) return null
  const first =
    plan.repeatDays > 0
      ? Math.ceil(plan.escalateAfterDays / plan.repeatDays) * plan.repeatDays
      : plan.escalateAfterDays
  if (late < first) return null
  const last =
    plan.repeatDays > 0
      ? first + Math.floor((late - first) / plan.repeatDays) * plan.repeatDays
      : first
  return { date: addDays(due, last), kind: 'escalation' }
}

/** Every reminder date of a plan up to `until` (for the console: "what will be sent when"). */
export function planDates(plan: ReminderPlan, due: string, until: string): Slot[] {
  const slots = new Map<string, Slot>()
  for (let day = addDays(due, -PLAN_LIMITS.beforeDays); day <= until; day = addDays(day, 1)) {
    const group = groupSlot(plan, due, day)
    if (group && group.date === day) slots.set(`g${day}`, group)
    const escalation = escalationSlot(plan, due, day)
    if (escalation && escalation.date === day) slots.set(`e${day}`, escalation)
  }
  return [...slots.values()]
}

/**
 * Which day it is for reminders: the organisation's local date, where a day's reminders start at
 * 09:00 (so nobody's phone buzzes at midnight): before 09:00 it is still the day before.
 */
export function reminderDay(now: Date, timeZone: string, startHour = 9): string {
  const shifted = new Date(now.getTime() - startHour * 3_600_000)
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(shifted)
  const get = (type: string) => parts.find((p) => p.type === type)!.value
  return `${get('year')}-${get('month')}-${get('day')}`
}
