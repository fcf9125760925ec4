// What the check-version tests (test/check-c*.test.ts) share: checking a text with a real pack
// (every hit's span must quote the text), a model's score for a rule, fusion's values as scores,
// and the archive that holds the older check versions.
import { env } from 'cloudflare:test'
import { expect } from 'vitest'
import { checkMessage, type CheckOptions, type CheckResult, type Lang } from '../src/check/engine'
import { scoreMessage, type CheckModel } from '../src/check/model'
import type { RulePack } from '../src/check/pack'
import { assetsArchive, checkVersionsFor } from '../src/check/packs'

/** The archive of older check versions, as the Worker reads it (its own ASSETS binding). */
export const archive = assetsArchive(env.ASSETS)

export const langOf = (text: string): Lang => (/\p{Script=Han}/u.test(text) ? 'zh' : 'en')

/** Checks text with pack as the API would, and asserts that every hit quotes the text. */
export function checkWith(pack: RulePack, text: string, options: CheckOptions = {}): CheckResult {
  const result = checkMessage(pack, text, langOf(text), options)
  for (const hit of result.hits) expect(text.slice(hit.start, hit.end)).toBe(hit.match)
  return result
}

/** A result's hits without their texts and reasons: what two versions' rules must agree on. */
export const hitPlaces = (result: CheckResult) =>
  result.hits.map(({ rule, channel, verdict, start, end }) => ({
    rule,
    channel,
    verdict,
    start,
    end,
  }))

export const scoreFor = (model: CheckModel, text: string, rule: string) =>
  scoreMessage(model, text).find((s) => s.rule === rule)!.score

export const asScore = (logit: number) => 1 / (1 + Math.exp(-logit))

/** A per-rule value of the pack's fusion (a logit there) as a score. */
export const fusionScore = (
  pack: RulePack,
  field: 'vetoLogit' | 'blockFloorLogit' | 'floorLogit',
  rule: string,
) => asScore(pack.fusion![field][pack.rules.findIndex((r) => r.id === rule)]!)

/**
 * The first n check versions that cover a notice version: what a version's test asserts of its
 * place in the list, so that a later version (with a test file of its own) changes nothing here.
 */
export const firstCheckVersions = (notice: string, version: number, n: number) =>
  checkVersionsFor(notice, version).slice(0, n)
