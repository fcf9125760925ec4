/**
 * What a check answer says of each rule it cites: the rule's number and title at the version
 * checked against, in the answer's language, and the absolute address of the rule on that
 * version's page (the page every version keeps, with the rule's id as its anchor).
 */
import type { CompiledVersion, Lang } from './types'

export interface RuleCitation {
  ruleNumber: number
  ruleTitle: string
  ruleUrl: string
}

/** The page of one version showing the rule: /notices/{id}/versions/{n}?lang=…#{rule}. */
export const ruleAtVersionPath = (
  v: Pick<CompiledVersion, 'notice' | 'version'>,
  ruleId: string,
  lang: Lang,
) => `/notices/${v.notice}/versions/${v.version}?lang=${lang}#${ruleId}`

// Per version, language and origin; a deployment serves a few origins, so this stays small.
const made = new Map<string, ReadonlyMap<string, RuleCitation>>()
const MAX_KEPT = 64

/** The citation of every rule of a version, by rule id. */
export function ruleCitations(
  v: CompiledVersion,
  lang: Lang,
  origin: string,
): ReadonlyMap<string, RuleCitation> {
  const key = `${v.sha256}\n${lang}\n${origin}`
  let citations = made.get(key)
  if (!citations) {
    citations = new Map(
      v.languages[lang].rules.map((rule) => [
        rule.id,
        {
          ruleNumber: rule.number,
          ruleTitle: rule.title,
          ruleUrl: `${origin}${ruleAtVersionPath(v, rule.id, lang)}`,
        },
      ]),
    )
    if (made.size < MAX_KEPT) made.set(key, citations)
  }
  return citations
}

/**
 * The hits of a result with their rules' citations. A rule pack only names rules of its version
 * (test/check-integrators.test.ts holds every shipped pack to that), so every hit finds one.
 */
export function citeHits<R extends { hits: { rule: string }[] }>(
  result: R,
  citations: ReadonlyMap<string, RuleCitation>,
): Omit<R, 'hits'> & { hits: (R['hits'][number] & RuleCitation)[] } {
  return {
    ...result,
    hits: result.hits.map((hit) => {
      const citation = citations.get(hit.rule)
      if (!citation) throw new Error(`rule ${hit.rule} is not in the version checked against`)
      return { ...hit, ...citation }
    }),
  }
}
