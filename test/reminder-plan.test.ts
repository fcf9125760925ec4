/** The reminder plan's dates: pure, table-driven. */
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_PLAN,
  escalationSlot,
  groupSlot,
  planDates,
  reminderDay,
} from '../src/reminders/plan'

const DUE = '2026-12-10'

describe('the default plan (3 days before, on the day, every 2 days overdue, escalate after 7)', () => {
  it.each([
    ['2026-12-06', null],
    ['2026-12-07', { date: '2026-12-07', kind: 'before' }],
    ['2026-12-09', { date: '2026-12-07', kind: 'before' }],
    ['2026-12-10', { date: '2026-12-10', kind: 'due' }],
    ['2026-12-11', { date: '2026-12-10', kind: 'due' }],
    ['2026-12-12', { date: '2026-12-12', kind: 'overdue' }],
    ['2026-12-13', { date: '2026-12-12', kind: 'overdue' }],
    ['2026-12-30', { date: '2026-12-30', kind: 'overdue' }],
  ])('group reminder due on %s: %j', (today, slot) => {
    expect(groupSlot(DEFAULT_PLAN, DUE, today)).toEqual(slot)
  })

  it.each([
    ['2026-12-16', null],
    ['2026-12-17', null], // 7 days late, but the overdue reminders fall on even days
    ['2026-12-18', { date: '2026-12-18', kind: 'escalation' }],
    ['2026-12-19', { date: '2026-12-18', kind: 'escalation' }],
    ['2026-12-20', { date: '2026-12-20', kind: 'escalation' }],
  ])('escalation due on %s: %j', (today, slot) => {
    expect(escalationSlot(DEFAULT_PLAN, DUE, today)).toEqual(slot)
  })

  it('lists its dates', () => {
    expect(planDates(DEFAULT_PLAN, DUE, '2026-12-20').map((s) => `${s.date} ${s.kind}`)).toEqual([
      '2026-12-07 before',
      '2026-12-10 due',
      '2026-12-12 overdue',
      '2026-12-14 overdue',
      '2026-12-16 overdue',
      '2026-12-18 overdue',
      '2026-12-18 escalation',
      '2026-12-20 overdue',
      '2026-12-20 escalation',
    ])
  })
})

describe('edited plans', () => {
  it.each([
    [{ enabled: false }, '2026-12-10', null],
    [{ onDueDate: false }, '2026-12-10', { date: '2026-12-07', kind: 'before' }],
    [{ beforeDays: 0 }, '2026-12-09', null],
    [{ repeatDays: 0 }, '2026-12-20', { date: '2026-12-10', kind: 'due' }],
    [{ repeatDays: 3 }, '2026-12-14', { date: '2026-12-13', kind: 'overdue' }],
  ])('%j on %s: %j', (change, today, slot) => {
    expect(groupSlot({ ...DEFAULT_PLAN, ...change }, DUE, today)).toEqual(slot)
  })

  it.each([
    [{ escalateAfterDays: 0 }, '2026-12-30', null],
    [{ repeatDays: 0 }, '2026-12-17', { date: '2026-12-17', kind: 'escalation' }],
    [{ repeatDays: 0 }, '2026-12-30', { date: '2026-12-17', kind: 'escalation' }],
  ])('escalation with %j on %s: %j', (change, today, slot) => {
    expect(escalationSlot({ ...DEFAULT_PLAN, ...change }, DUE, today)).toEqual(slot)
  })
})

describe('the reminder day starts at 09:00 in the organisation’s zone', () => {
  it.each([
    ['2026-12-10T00:59:00Z', '2026-12-09'], // 08:59 in Shanghai
    ['2026-12-10T01:00:00Z', '2026-12-10'], // 09:00
    ['2026-12-10T15:59:00Z', '2026-12-10'], // 23:59
  ])('%s is %s', (now, day) => {
    expect(reminderDay(new Date(now), 'Asia/Shanghai')).toBe(day)
  })
})
