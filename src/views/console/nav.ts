/**
 * The console's menu, in three sections. A page appears by adding one entry to its section:
 * rollout pages (units, officials, roster, links, records, verification) and reminder pages
 * (reminders, channels, deliveries) join here as they are built.
 */
import { isOwner, type Actor } from '../../admin/actor'
import type { Localized } from '../../content/types'

export type NavSection = 'rollout' | 'reminders' | 'access'

export interface NavItem {
  /** What a page passes as `nav` to mark itself current. */
  id: string
  href: string
  label: Localized
  section: NavSection
  /** Hidden from actors who could not use the page (the page still checks for itself). */
  visible?: (actor: Actor) => boolean
}

export const NAV_SECTIONS: readonly NavSection[] = ['rollout', 'reminders', 'access']

export const consoleNav: NavItem[] = [
  // rollout
  { id: 'dashboard', href: '/admin', label: { zh: '概览', en: 'Dashboard' }, section: 'rollout' },
  { id: 'units', href: '/admin/units', label: { zh: '单位', en: 'Units' }, section: 'rollout' },
  {
    id: 'officials',
    href: '/admin/officials',
    label: { zh: '人员', en: 'Officials' },
    section: 'rollout',
  },
  {
    id: 'roster',
    href: '/admin/roster',
    label: { zh: '上传名册', en: 'Roster upload' },
    section: 'rollout',
    visible: (actor) => actor.access === 'write',
  },
  { id: 'links', href: '/admin/links', label: { zh: '确认链接', en: 'Links' }, section: 'rollout' },
  {
    id: 'records',
    href: '/admin/records',
    label: { zh: '确认记录', en: 'Records' },
    section: 'rollout',
  },
  {
    id: 'verification',
    href: '/admin/verification',
    label: { zh: '核验与检查点', en: 'Verification' },
    section: 'rollout',
    visible: (actor) => actor.unit === null,
  },
  // reminders
  {
    id: 'reminders',
    href: '/admin/reminders',
    label: { zh: '提醒', en: 'Reminders' },
    section: 'reminders',
  },
  {
    id: 'channels',
    href: '/admin/channels',
    label: { zh: '提醒渠道', en: 'Channels' },
    section: 'reminders',
  },
  // access
  {
    id: 'admins',
    href: '/admin/admins',
    label: { zh: '管理员', en: 'Admins' },
    section: 'access',
    visible: isOwner,
  },
  {
    id: 'tokens',
    href: '/admin/tokens',
    label: { zh: 'API 令牌', en: 'API tokens' },
    section: 'access',
  },
  {
    id: 'audit',
    href: '/admin/audit',
    label: { zh: '操作日志', en: 'Audit log' },
    section: 'access',
  },
]
