import { z } from '@hono/zod-openapi'

/** An OpenAPI 200 answer of JSON in `schema` (add errorResponses(...) for the rest). */
export const okJson = <T>(schema: T, description: string) => ({
  200: { description, content: { 'application/json': { schema } } },
})

export const LangQuery = z.object({
  lang: z
    .enum(['zh', 'en'])
    .optional()
    .openapi({ description: 'Language; without it, Accept-Language decides, defaulting to zh.' }),
})

export const NoticeParam = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'wechat-red-lines' }),
})

export const VersionParams = NoticeParam.extend({
  n: z.string().openapi({
    param: { name: 'n', in: 'path' },
    example: '2',
    description:
      'Version number (2), or sha256: and the full 64-hex SHA-256 of the version (sha256:3947cd43…)',
  }),
})

export const RangeParams = NoticeParam.extend({
  range: z.string().openapi({
    param: { name: 'range', in: 'path' },
    example: '1...2',
    description: 'Two version numbers separated by three dots',
  }),
})

export const RuleParam = z.object({
  ruleId: z.string().openapi({ param: { name: 'ruleId', in: 'path' }, example: 'red-envelopes' }),
})

const Change = z.enum(['added', 'material', 'editorial', 'unchanged'])

export const RuleSchema = z
  .object({
    id: z.string(),
    number: z.number().int(),
    title: z.string(),
    text: z.string().openapi({ description: 'Markdown as published' }),
    html: z.string().openapi({ description: 'HTML compiled from text at build time' }),
    change: Change.openapi({ description: 'How the rule differs from the previous version' }),
    changedMaterially: z.boolean(),
  })
  .openapi('Rule')

export const VersionSummarySchema = z
  .object({
    notice: z.string(),
    version: z.number().int(),
    effectiveFrom: z.string(),
    current: z.boolean(),
    inEffect: z.boolean(),
    status: z.enum(['current', 'superseded', 'upcoming']).openapi({
      description:
        'current: in effect now; superseded: a newer version is in effect; upcoming: published, in effect from effectiveFrom',
    }),
    sha256: z.string(),
    summary: z.string(),
    url: z.string(),
    sha256Url: z.string().openapi({ description: 'The same version, addressed by its SHA-256' }),
  })
  .openapi('VersionSummary')

export const VersionSchema = z
  .object({
    notice: z.string(),
    version: z.number().int(),
    title: z.string(),
    lang: z.enum(['zh', 'en']),
    effectiveFrom: z.string(),
    sha256: z
      .string()
      .openapi({ description: 'SHA-256 of the canonical content of the whole version' }),
    textSha256: z
      .string()
      .openapi({ description: 'SHA-256 of the canonical text in this language' }),
    summary: z.string(),
    intro: z.string(),
    introHtml: z.string(),
    removedRules: z.array(z.string()),
    rules: z.array(RuleSchema),
    url: z.string(),
    sha256Url: z.string().openapi({ description: 'The same version, addressed by its SHA-256' }),
  })
  .openapi('Version')

export const NoticeListSchema = z
  .object({
    notices: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        current: VersionSummarySchema.nullable(),
        versions: z.number().int(),
      }),
    ),
  })
  .openapi('NoticeList')

export const HistorySchema = z
  .object({ notice: z.string(), versions: z.array(VersionSummarySchema) })
  .openapi('History')

const DiffPart = z.object({ op: z.enum(['equal', 'insert', 'delete']), text: z.string() })

export const ComparisonSchema = z
  .object({
    notice: z.string(),
    from: z.number().int(),
    to: z.number().int(),
    lang: z.enum(['zh', 'en']),
    added: z.array(z.string()),
    removed: z.array(z.string()),
    changed: z.array(z.object({ id: z.string(), material: z.boolean() })),
    requiresReacknowledgement: z.boolean().openapi({
      description:
        'Whether an acknowledgement of the older version no longer counts for the newer one (a rule was added or changed materially in between)',
    }),
    rules: z.array(
      z.object({
        id: z.string(),
        numberFrom: z.number().int().nullable(),
        numberTo: z.number().int().nullable(),
        titleFrom: z.string().nullable(),
        titleTo: z.string().nullable(),
        status: z.enum(['added', 'removed', 'changed', 'unchanged']),
        material: z.boolean(),
        titleDiff: z.array(DiffPart),
        diff: z.array(DiffPart),
      }),
    ),
  })
  .openapi('Comparison')

export const RuleDetailSchema = z
  .object({
    notice: z.string(),
    version: z.number().int(),
    sha256: z.string(),
    lang: z.enum(['zh', 'en']),
    rule: RuleSchema,
    history: z.array(
      z.object({
        version: z.number().int(),
        effectiveFrom: z.string(),
        change: Change,
        url: z.string(),
      }),
    ),
  })
  .openapi('RuleDetail')
