import { diffChars, diffWordsWithSpace, type Change } from 'diff'
import { changesMaterially } from './catalog'
import type { CompiledVersion, Lang, RuleChange } from './types'

export interface DiffPart {
  op: 'equal' | 'insert' | 'delete'
  text: string
}

export interface RuleComparison {
  id: string
  numberFrom: number | null
  numberTo: number | null
  titleFrom: string | null
  titleTo: string | null
  status: 'added' | 'removed' | 'changed' | 'unchanged'
  /** For changed rules: whether any version between the two declared the change material. */
  material: boolean
  /** Only when the title changed. */
  titleDiff: DiffPart[]
  diff: DiffPart[]
}

export interface VersionComparison {
  notice: string
  from: number
  to: number
  lang: Lang
  added: string[]
  removed: string[]
  changed: { id: string; material: boolean }[]
  /**
   * Whether an acknowledgement of the older version no longer counts for the newer one: some
   * version after it, up to the newer, added a rule or changed one materially.
   */
  requiresReacknowledgement: boolean
  rules: RuleComparison[]
}

function toParts(changes: Change[]): DiffPart[] {
  return changes.map((c) => ({
    op: c.added ? 'insert' : c.removed ? 'delete' : 'equal',
    text: c.value,
  }))
}

/**
 * Compare two versions of one notice. `between` holds every version after the older one up to and
 * including the newer one, so materiality accumulates across skipped versions.
 */
export function compareVersions(
  from: CompiledVersion,
  to: CompiledVersion,
  between: readonly CompiledVersion[],
  lang: Lang,
): VersionComparison {
  const before = from.languages[lang].rules
  const after = to.languages[lang].rules
  // Chinese has no spaces between words, so a character diff reads best there.
  const diff = lang === 'zh' ? diffChars : diffWordsWithSpace
  const materialIds = new Set(
    between.flatMap((v) =>
      Object.entries(v.changes)
        .filter(([, change]: [string, RuleChange]) => change === 'material' || change === 'added')
        .map(([id]) => id),
    ),
  )
  const ids = [
    ...after.map((r) => r.id),
    ...before.map((r) => r.id).filter((id) => !after.some((r) => r.id === id)),
  ]
  const rules = ids.map((id): RuleComparison => {
    const a = before.find((r) => r.id === id)
    const b = after.find((r) => r.id === id)
    const status = !a
      ? 'added'
      : !b
        ? 'removed'
        : a.title === b.title && a.text === b.text
          ? 'unchanged'
          : 'changed'
    return {
      id,
      numberFrom: a?.number ?? null,
      numberTo: b?.number ?? null,
      titleFrom: a?.title ?? null,
      titleTo: b?.title ?? null,
      status,
      material:
        status === 'added' || status === 'removed' || (status === 'changed' && materialIds.has(id)),
      titleDiff: a?.title === b?.title ? [] : toParts(diff(a?.title ?? '', b?.title ?? '')),
      diff: a?.text === b?.text ? [] : toParts(diff(a?.text ?? '', b?.text ?? '')),
    }
  })
  return {
    notice: to.notice,
    from: from.version,
    to: to.version,
    lang,
    added: rules.filter((r) => r.status === 'added').map((r) => r.id),
    removed: rules.filter((r) => r.status === 'removed').map((r) => r.id),
    changed: rules
      .filter((r) => r.status === 'changed')
      .map(({ id, material }) => ({ id, material })),
    requiresReacknowledgement: between.some(changesMaterially),
    rules,
  }
}
