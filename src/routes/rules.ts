import { createRoute } from '@hono/zod-openapi'
import { fixedHtml, fixedJson, originOf, SHORT } from '../cache'
import { findCurrentRule, ruleHistory } from '../content/catalog'
import { presentRuleDetail } from '../content/present'
import type { Lang } from '../content/types'
import { langOf } from '../env'
import { errorResponses, notFound } from '../errors'
import { newRoutes } from '../factory'
import { LangQuery, RuleDetailSchema, RuleParam } from '../schemas'
import { page } from '../views/layout'
import { rulePage } from '../views/notice'

function requireRule(ruleId: string, lang: Lang) {
  const found = findCurrentRule(ruleId, lang)
  if (!found) throw notFound('rule_not_found', `No notice in effect has a rule "${ruleId}".`)
  return found
}

export const ruleRoutes = newRoutes()

// Fixed by the rule's current version: the key moves when a newer version takes effect.
ruleRoutes.get('/rules/:ruleId', (c) => {
  const lang = langOf(c)
  const { notice, version, rule } = requireRule(c.req.param('ruleId'), lang)
  return fixedHtml(c, {
    key: `rule-${rule.id}-${version.sha256.slice(0, 16)}-${lang}`,
    policy: SHORT,
    render: () =>
      page({
        lang,
        title: `${rule.number}. ${rule.title}`,
        description: rule.text.slice(0, 120),
        path: c.req.path,
        origin: originOf(c.req.url),
        body: rulePage(notice, version, rule, ruleHistory(notice, rule.id), lang),
      }),
  })
})
ruleRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api/rules/{ruleId}',
    summary: 'One rule in the current version, with its history',
    request: { params: RuleParam, query: LangQuery },
    responses: {
      200: {
        description: 'The rule',
        content: { 'application/json': { schema: RuleDetailSchema } },
      },
      ...errorResponses(404),
    },
  }),
  (c) => {
    const lang = langOf(c)
    const { notice, version, rule } = requireRule(c.req.valid('param').ruleId, lang)
    return fixedJson(c, {
      key: `rule-json-${rule.id}-${version.sha256.slice(0, 16)}-${lang}`,
      policy: SHORT,
      render: () => presentRuleDetail(notice, version, rule, lang),
    })
  },
)
