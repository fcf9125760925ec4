/**
 * /api/admin/channels, /api/admin/unit-contacts and /api/admin/reminders/*: where reminders go,
 * whom officials contact, each rollout's plan, running the pass now and what was delivered.
 */
import { z } from '@hono/zod-openapi'
import { CHANNEL_TYPES } from '../reminders/channel-types'
import {
  listChannels,
  listUnitContacts,
  removeChannel,
  setChannel,
  setUnitContact,
  URL_MAX,
  SECRET_MAX,
  CONTACT_MAX,
} from '../reminders/channels'
import { channelKeys } from '../reminders/credentials'
import { runPassAs, type ReminderQueue } from '../reminders/pass'
import { deliveriesAs, getPlan, setPlan } from '../reminders/plans'
import { PLAN_LIMITS } from '../reminders/plan'
import { errorResponses } from '../errors'
import { limitBody, newRoutes, requireJson } from '../factory'
import { timeZoneOf } from '../time'
import { actorOf, auditByOf, security } from './admin-auth'
import { dbOf, parse, storeOf, VersionPath, type Ctx } from './admin-input'

export const adminReminderRoutes = newRoutes()

const json = (schema: z.ZodType) => ({ 'application/json': { schema } })
const small = limitBody(8192, 'A request here is limited to 8 KiB.', 'too_large')

export const allowLocalWebhooks = (c: Ctx) => c.env.ALLOW_LOCAL_WEBHOOKS === 'true'
export const publicOrigin = (c: Ctx) =>
  c.env.PUBLIC_ORIGIN?.replace(/\/+$/, '') || new URL(c.req.url).origin
export const reminderQueue = (c: Ctx) => c.env.REMINDER_QUEUE as ReminderQueue

const ChannelSchema = z
  .object({
    id: z.string().openapi({ example: 'ch_3f9a0c1b2d4e5f60' }),
    unit: z.string(),
    purpose: z.enum(['group', 'leaders']),
    type: z.enum(CHANNEL_TYPES),
    url: z.string().openapi({
      description: 'Masked: scheme, host and the last four characters',
      example: 'https://qyapi.weixin.qq.com/…9f3a',
    }),
    signed: z.boolean(),
    privacy: z.enum(['names', 'counts']),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .openapi('ReminderChannel')

const NewChannelSchema = z
  .object({
    unit: z.string().min(1).max(1100).openapi({ example: '广东省/广州市' }),
    type: z.enum(CHANNEL_TYPES),
    url: z
      .string()
      .min(1)
      .max(URL_MAX)
      .openapi({ example: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…' }),
    secret: z.string().max(SECRET_MAX).nullable().optional().openapi({
      description:
        'DingTalk or Feishu signing secret (加签/签名校验); required for a generic webhook (HMAC-SHA256 of the body in X-Redlines-Signature)',
    }),
    purpose: z
      .enum(['group', 'leaders'])
      .default('group')
      .openapi({ description: 'leaders: where escalations go' }),
    privacy: z
      .enum(['names', 'counts'])
      .default('names')
      .openapi({ description: 'counts: reminders give only how many are outstanding' }),
  })
  .openapi('NewReminderChannel')

adminReminderRoutes.openAPIRegistry.registerPath({
  method: 'post',
  path: '/api/admin/channels',
  summary: "Set a unit's reminder channel (replaces the one it had for that purpose)",
  description:
    "The URL and secret are stored encrypted and never shown again, only masked. Production accepts https webhooks on the services' own hosts only.",
  security,
  request: { body: { required: true, content: json(NewChannelSchema) } },
  responses: {
    201: {
      description: 'The channel, masked',
      content: json(z.object({ channel: ChannelSchema })),
    },
    ...errorResponses(400, 401, 403, 413, 415, 422, 503),
  },
})
adminReminderRoutes.post('/api/admin/channels', small, requireJson, async (c) => {
  const body = parse(NewChannelSchema, await c.req.json())
  const keys = await channelKeys(c.env)
  const channel = await setChannel(dbOf(c), keys, auditByOf(c), body, allowLocalWebhooks(c))
  return c.json({ channel }, 201)
})

adminReminderRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/api/admin/channels',
  summary: 'The reminder channels inside your subtree (masked)',
  security,
  responses: {
    200: { description: 'Channels', content: json(z.object({ channels: z.array(ChannelSchema) })) },
    ...errorResponses(401, 403, 503),
  },
})
adminReminderRoutes.get('/api/admin/channels', async (c) =>
  c.json({ channels: await listChannels(dbOf(c), actorOf(c)) }, 200),
)

adminReminderRoutes.openAPIRegistry.registerPath({
  method: 'delete',
  path: '/api/admin/channels/{id}',
  summary: "Remove a channel: its unit then inherits its parent's",
  security,
  request: { params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: {
    200: {
      description: 'The removed channel',
      content: json(z.object({ channel: ChannelSchema })),
    },
    ...errorResponses(401, 403, 404, 503),
  },
})
adminReminderRoutes.delete('/api/admin/channels/:id', async (c) =>
  c.json({ channel: await removeChannel(dbOf(c), auditByOf(c), c.req.param('id') ?? '') }, 200),
)

const ContactSchema = z
  .object({
    unit: z.string().min(1).max(1100),
    contact: z.string().max(CONTACT_MAX).nullable().openapi({
      example: '广州市纪委办公室 020-0000 0000',
      description:
        "Whom the unit's officials contact when their name does not match the roster; null: inherit the parent unit's",
    }),
  })
  .openapi('UnitContact')

adminReminderRoutes.openAPIRegistry.registerPath({
  method: 'post',
  path: '/api/admin/unit-contacts',
  summary: "Set a unit's contact (shown to its officials when something is wrong)",
  security,
  request: { body: { required: true, content: json(ContactSchema) } },
  responses: {
    200: { description: 'The contact', content: json(ContactSchema) },
    ...errorResponses(400, 401, 403, 413, 415, 422, 503),
  },
})
adminReminderRoutes.post('/api/admin/unit-contacts', small, requireJson, async (c) => {
  const body = parse(ContactSchema, await c.req.json())
  return c.json(await setUnitContact(dbOf(c), auditByOf(c), body), 200)
})
adminReminderRoutes.get('/api/admin/unit-contacts', async (c) =>
  c.json({ contacts: await listUnitContacts(dbOf(c), actorOf(c)) }, 200),
)

const PlanSchema = z
  .object({
    dueDate: z
      .string()
      .nullable()
      .default(null)
      .openapi({ description: 'YYYY-MM-DD; null: the due date given with the links' }),
    beforeDays: z.number().int().min(0).max(PLAN_LIMITS.beforeDays).default(3),
    onDueDate: z.boolean().default(true),
    repeatDays: z.number().int().min(0).max(PLAN_LIMITS.repeatDays).default(2),
    escalateAfterDays: z.number().int().min(0).max(PLAN_LIMITS.escalateAfterDays).default(7),
    enabled: z.boolean().default(true),
  })
  .openapi('ReminderPlan')

for (const method of ['get', 'put'] as const)
  adminReminderRoutes.openAPIRegistry.registerPath({
    method,
    path: '/api/admin/reminders/plan/{notice}/{version}',
    summary:
      method === 'get'
        ? "A rollout's reminder plan (the default if never set)"
        : "Set a rollout's reminder plan (owners of the whole roster)",
    security,
    request: {
      params: VersionPath,
      ...(method === 'put' ? { body: { required: true, content: json(PlanSchema) } } : {}),
    },
    responses: {
      200: {
        description: 'The plan',
        content: json(
          z.object({ notice: z.string(), version: z.number().int(), plan: PlanSchema }),
        ),
      },
      ...errorResponses(400, 401, 403, 404, 415, 422, 503),
    },
  })
adminReminderRoutes.get('/api/admin/reminders/plan/:notice/:version', async (c) => {
  const { notice, version } = parse(VersionPath, c.req.param())
  return c.json(await getPlan(dbOf(c), actorOf(c), notice, version), 200)
})
adminReminderRoutes.put(
  '/api/admin/reminders/plan/:notice/:version',
  small,
  requireJson,
  async (c) => {
    const { notice, version } = parse(VersionPath, c.req.param())
    const plan = parse(PlanSchema, await c.req.json())
    return c.json(await setPlan(dbOf(c), auditByOf(c), { notice, version, ...plan }), 200)
  },
)

const RunSchema = z
  .object({
    notice: z.string().min(1).max(200).openapi({ example: 'wechat-red-lines' }),
    version: z.number().int().min(1),
  })
  .openapi('ReminderRun')
const RunResult = z.object({
  notice: z.string(),
  version: z.number().int(),
  today: z.string().openapi({
    description: "The reminder day in the organisation's time zone (a day starts at 09:00)",
  }),
  channels: z.number().int(),
  due: z.number().int(),
  enqueued: z.number().int(),
  already: z
    .number()
    .int()
    .openapi({ description: 'Due, but enqueued by an earlier pass: never twice' }),
})

adminReminderRoutes.openAPIRegistry.registerPath({
  method: 'post',
  path: '/api/admin/reminders/run',
  summary: "Run the cron's reminder pass for one rollout now",
  description:
    'Enqueues the reminders that are due and were not enqueued before; the queue sends them.',
  security,
  request: { body: { required: true, content: json(RunSchema) } },
  responses: {
    200: { description: 'What the pass did', content: json(RunResult) },
    ...errorResponses(400, 401, 403, 404, 415, 503),
  },
})
adminReminderRoutes.post('/api/admin/reminders/run', small, requireJson, async (c) => {
  const body = parse(RunSchema, await c.req.json())
  const result = await runPassAs(storeOf(c), reminderQueue(c), auditByOf(c), {
    ...body,
    timeZone: timeZoneOf(c.env.ORG_TIME_ZONE),
    origin: publicOrigin(c),
  })
  return c.json(result, 200)
})

const DeliveriesQuery = z.object({
  notice: z.string().max(200).optional(),
  version: z.coerce.number().int().min(1).optional(),
  unit: z.string().max(1100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

adminReminderRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/api/admin/reminders/deliveries',
  summary: 'The latest reminder deliveries in your subtree, each with its attempts',
  security,
  request: { query: DeliveriesQuery },
  responses: {
    200: {
      description: 'Deliveries, newest first',
      content: json(z.object({ deliveries: z.array(z.record(z.string(), z.unknown())) })),
    },
    ...errorResponses(400, 401, 403, 404, 503),
  },
})
adminReminderRoutes.get('/api/admin/reminders/deliveries', async (c) => {
  const q = parse(DeliveriesQuery, c.req.query())
  return c.json({ deliveries: await deliveriesAs(dbOf(c), actorOf(c), q) }, 200)
})
