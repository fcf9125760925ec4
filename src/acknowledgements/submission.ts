/**
 * An official's form post, checked in the order a person would want to hear about problems, then
 * handed to the write path. Returns the stored record, new or already there; or, when the shard
 * stayed overloaded and a Queue is bound, that the sealed record was queued to be written.
 */
import type { NoticeLookup } from '../content/resolve'
import type { Lang } from '../content/types'
import type { Store } from '../db/shards'
import { AppError } from '../errors'
import { base64url, hmac } from './bytes'
import { openLink, type OpenedLink } from './links'
import { namesMatch, stripInvisible } from './names'
import { statementFor } from './policy'
import { enqueueAcknowledgement, type AcknowledgementMessage } from './queue'
import { failedWrite, sealAcknowledgement, writeWithRetries, type RecordOutcome } from './record'
import { RetriesExhausted, type RetryPolicy } from './retry'
import type { AckSecrets } from './secrets'
import { formTokenMatches } from './tokens'

/** The record is on the Queue: received, being recorded. */
export interface Pending {
  pending: { receiptId: string }
}

export interface SubmittedForm {
  csrf?: unknown
  lang?: unknown
  text?: unknown
  statement?: unknown
  name?: unknown
}

/** 422: the form is re-shown with this reason and what the official typed. */
export class SubmissionRejected extends AppError {
  constructor(
    code: 'statement_missing' | 'name_missing' | 'name_mismatch',
    message: string,
    readonly opened: OpenedLink,
    readonly lang: Lang,
    readonly typedName: string,
  ) {
    super(422, code, message)
  }
}

export async function hashIp(ipKey: CryptoKey, ip: string | undefined): Promise<string | null> {
  if (!ip) return null
  return base64url((await hmac(ipKey, ip)).slice(0, 16))
}

export interface SubmissionRequest {
  token: string
  form: SubmittedForm
  requestId: string
  userAgent: string
  ip: string | undefined
  now: Date
  lookup?: NoticeLookup
  /** Where a write goes when the shard stays overloaded; without one, the official gets a 503. */
  queue?: Queue<AcknowledgementMessage>
  retries?: RetryPolicy
}

export async function submitAcknowledgement(
  store: Store,
  secrets: AckSecrets,
  request: SubmissionRequest & { queue?: undefined },
): Promise<{ opened: OpenedLink } & RecordOutcome>
export async function submitAcknowledgement(
  store: Store,
  secrets: AckSecrets,
  request: SubmissionRequest,
): Promise<{ opened: OpenedLink } & (RecordOutcome | Pending)>
export async function submitAcknowledgement(
  store: Store,
  secrets: AckSecrets,
  request: SubmissionRequest,
): Promise<{ opened: OpenedLink } & (RecordOutcome | Pending)> {
  const opened = await openLink(store, secrets.linkKey, request.token, request.now, request.lookup)
  if (opened.record) return { opened, record: opened.record, created: false }
  const { form } = request
  if (!(await formTokenMatches(secrets.linkKey, request.token, form.csrf)))
    throw new AppError(
      403,
      'form_invalid',
      'This form did not come from the page of this link. Open the link again and resubmit.',
    )
  const lang: Lang = form.lang === 'en' ? 'en' : 'zh'
  const language = opened.version.languages[lang]
  if (form.lang !== lang || form.text !== language.textSha256)
    throw new AppError(
      403,
      'wrong_version',
      `The text you acknowledged is not version ${opened.version.version} of this notice. Open the link again to read the current text.`,
    )
  // Kept as typed, less what cannot be seen: a bidi control would make the receipt misread.
  const typedName =
    typeof form.name === 'string' ? stripInvisible(form.name).trim().slice(0, 200) : ''
  const reject = (code: 'statement_missing' | 'name_missing' | 'name_mismatch', message: string) =>
    new SubmissionRejected(code, message, opened, lang, typedName)
  const zh = lang === 'zh'
  if (form.statement !== 'agree')
    throw reject(
      'statement_missing',
      zh ? '请勾选确认声明后再提交。' : 'Tick the statement to confirm it before submitting.',
    )
  if (!typedName) throw reject('name_missing', zh ? '请输入您的姓名。' : 'Type your full name.')
  if (!namesMatch(typedName, opened.official.name))
    throw reject(
      'name_mismatch',
      zh
        ? '您输入的姓名与本链接对应的名册姓名不一致。请输入您在名册中的姓名；如名册有误，请联系管理员。'
        : 'The name you typed does not match the roster name this link was issued for. Type your name as it appears on the roster, or ask your administrator to correct the roster.',
    )
  const { db } = opened.shard
  const sealed = await sealAcknowledgement(
    db,
    secrets.receipt,
    {
      official: opened.official,
      version: opened.version,
      notice: opened.notice,
      lang,
      statement: statementFor(opened.version, lang),
      typedName,
      requestId: request.requestId,
      userAgent: request.userAgent,
      ipHash: await hashIp(secrets.ipKey, request.ip),
      now: request.now,
    },
    request.retries,
  )
  try {
    return { opened, ...(await writeWithRetries(db, sealed, request.now, request.retries)) }
  } catch (error) {
    if (!(error instanceof RetriesExhausted) || !request.queue) throw failedWrite(error)
    try {
      await enqueueAcknowledgement(request.queue, opened.shard, sealed, request.now)
    } catch (queueError) {
      console.error(
        JSON.stringify({
          event: 'ack_queue_send_failed',
          detail: String(queueError).slice(0, 160),
        }),
      )
      throw failedWrite(error)
    }
    console.log(JSON.stringify({ event: 'ack_queued', shard: opened.shard.index }))
    return { opened, pending: { receiptId: sealed.row.receiptId } }
  }
}
