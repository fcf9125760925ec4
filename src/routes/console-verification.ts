/**
 * /admin/verification: the signed checkpoints, a chunk of the full audit at a time (a read, so a
 * GET form that continues from its cursor), and signing a checkpoint over the new records (a
 * change, audited). Whole-log readers only, as in the API.
 */
import { html } from 'hono/html'
import { AUDIT_DEFAULT_LIMIT, auditLog } from '../acknowledgements/audit'
import { ackSecrets } from '../acknowledgements/secrets'
import { newestCheckpointsAs, requireWholeLog, signCheckpointAs } from '../admin/rollout'
import { newRoutes } from '../factory'
import type { Lang } from '../i18n'
import { withLang, type Html } from '../views/layout'
import { csrfField } from '../views/console/forms'
import { addConsoleErrors } from '../views/console/messages'
import { table, time } from '../views/console/parts'
import { consoleAction, consolePage, type ConsoleCtx } from './console-kit'

const PATH = '/admin/verification'

const words = {
  zh: {
    title: '核验与检查点',
    intro:
      '核验逐条重新计算每条记录的哈希与签名，并用每个检查点重建默克尔树；每次核验最多 500 条，可接着继续。签署检查点会核验上一个检查点之后的新记录并签名。',
    run: '核验一批',
    more: '继续核验下一批',
    sign: '签署检查点',
    signHint: '核验上一个检查点之后的记录（最多 500 条）并签署新的检查点。',
    ok: '未发现问题。',
    bad: (n: number) => `发现 ${n} 个问题。`,
    chunk: (records: number, from: number | null, to: number | null, done: boolean) =>
      `本批核验 ${records} 条记录（${from ?? '—'} 至 ${to ?? '—'}）。${done ? '核验已完成。' : ''}`,
    signed: (size: number, added: number) =>
      `已签署覆盖 ${size} 条记录的检查点（新增 ${added} 条）。`,
    nothing: '自上一个检查点以来没有新记录，未签署。',
    checkpoints: '最新的检查点',
    size: '记录数',
    root: '根哈希',
    at: '签署时间',
    key: '密钥',
    kind: '问题',
    message: '说明',
  },
  en: {
    title: 'Verification and checkpoints',
    intro:
      'The audit recomputes every record’s hash and signature and rebuilds the Merkle tree against every checkpoint, 500 records a run, continued from where it stopped. Signing a checkpoint checks the records since the last one and signs them.',
    run: 'Verify a chunk',
    more: 'Verify the next chunk',
    sign: 'Sign a checkpoint',
    signHint: 'Checks the records since the last checkpoint (at most 500) and signs a new one.',
    ok: 'No problem found.',
    bad: (n: number) => `${n} problems found.`,
    chunk: (records: number, from: number | null, to: number | null, done: boolean) =>
      `This chunk checked ${records} records (${from ?? '—'} to ${to ?? '—'}).${done ? ' The audit is complete.' : ''}`,
    signed: (size: number, added: number) =>
      `Signed a checkpoint over ${size} records (${added} new).`,
    nothing: 'No record since the last checkpoint: nothing was signed.',
    checkpoints: 'Newest checkpoints',
    size: 'Records',
    root: 'Root hash',
    at: 'Signed',
    key: 'Key',
    kind: 'Problem',
    message: 'Detail',
  },
} as const

addConsoleErrors({ invalid_cursor: '继续核验的参数无效，请重新开始。' })

function problemsTable(
  problems: readonly { kind: string; seq?: number; message: string }[],
  lang: Lang,
) {
  const w = words[lang]
  if (problems.length === 0) return ''
  return table(
    [w.kind, 'seq', w.message],
    problems.map(
      (p) =>
        html`<tr><td><code>${p.kind}</code></td><td class="num">${p.seq ?? '—'}</td><td>${p.message}</td></tr>`,
    ),
    lang,
  )
}

/**
 * Each shard has its own log and checkpoints: ?shard=n (0, DB, unless asked) picks the one this
 * page checks and signs; with one shard there is nothing to pick.
 */
function shardOf(ctx: ConsoleCtx, text: string | undefined = ctx.query('shard')) {
  const index = /^[0-9]{1,3}$/.test(text ?? '') ? Number(text) : 0
  return ctx.store.requested(index)
}

function shardPicker(ctx: ConsoleCtx, current: number) {
  if (ctx.store.count < 2) return ''
  return html`<p>${ctx.store.shards.map((s) =>
    s.index === current
      ? html`<strong>${s.binding}</strong> `
      : html`<a href="${withLang(`${PATH}?shard=${s.index}`, ctx.lang)}">${s.binding}</a> `,
  )}</p>`
}

async function verificationPage(ctx: ConsoleCtx, result: Html | '' = '', shardIndex = 0) {
  const w = words[ctx.lang]
  const lang = ctx.lang
  const checkpoints = await newestCheckpointsAs(ctx.store, ctx.actor, 20, shardIndex)
  const shardField =
    ctx.store.count > 1 ? html`<input type="hidden" name="shard" value="${shardIndex}">` : ''
  const canSign = ctx.actor.access === 'write'
  return {
    title: w.title,
    nav: 'verification',
    body: html`<p>${w.intro}</p>
      ${shardPicker(ctx, shardIndex)}
      ${result}
      <div class="card">
        <form method="get" action="${PATH}"><input type="hidden" name="lang" value="${lang}"><input type="hidden" name="run" value="1">${shardField}<button type="submit">${w.run}</button></form>
        ${
          canSign
            ? html`<form method="post" action="${withLang(`${PATH}/checkpoint`, lang)}">${csrfField(ctx.csrf)}${shardField}<p class="hint">${w.signHint}</p><button type="submit">${w.sign}</button></form>`
            : ''
        }
      </div>
      <h2>${w.checkpoints}</h2>
      ${table(
        [w.size, w.at, w.root, w.key],
        checkpoints.map(
          (c) =>
            html`<tr><td class="num">${c.treeSize}</td><td>${time(c.createdAt)}</td><td><code>${c.rootHash.slice(0, 16)}…</code></td><td><code>${c.keyId.slice(0, 12)}…</code></td></tr>`,
        ),
        lang,
      )}`,
  }
}

export const consoleVerificationRoutes = newRoutes()

consoleVerificationRoutes.get(
  PATH,
  consolePage(async (ctx) => {
    requireWholeLog(ctx.actor, 'read')
    const shard = shardOf(ctx)
    if (ctx.query('run') !== '1') return verificationPage(ctx, '', shard.index)
    const w = words[ctx.lang]
    const secrets = await ackSecrets(ctx.c.env)
    const report = await auditLog(shard.db, secrets.receipt, secrets.linkKey, {
      now: ctx.now,
      limit: AUDIT_DEFAULT_LIMIT,
      cursor: ctx.query('cursor'),
      global: ctx.store.count > 1 ? { control: ctx.store.control, shard: shard.index } : undefined,
    })
    const result = html`<div class="flash${report.ok ? '' : ' error'}" role="status" id="audit-result">
      <p>${report.ok ? w.ok : w.bad(report.problemCount)} ${w.chunk(report.chunk.records, report.chunk.fromSeq, report.chunk.toSeq, report.complete)}</p>
      ${
        report.next
          ? html`<form method="get" action="${PATH}"><input type="hidden" name="lang" value="${ctx.lang}"><input type="hidden" name="run" value="1"><input type="hidden" name="cursor" value="${report.next}">${ctx.store.count > 1 ? html`<input type="hidden" name="shard" value="${shard.index}">` : ''}<button type="submit">${w.more}</button></form>`
          : ''
      }</div>${problemsTable(report.problems, ctx.lang)}`
    return verificationPage(ctx, result, shard.index)
  }),
)

consoleVerificationRoutes.post(
  `${PATH}/checkpoint`,
  ...consoleAction(async (ctx, body) => {
    const w = words[ctx.lang]
    requireWholeLog(ctx.actor, 'write')
    const shard = shardOf(ctx, typeof body.shard === 'string' ? body.shard : undefined)
    const secrets = await ackSecrets(ctx.c.env)
    const run = await signCheckpointAs(
      ctx.store,
      secrets.receipt,
      ctx.by,
      AUDIT_DEFAULT_LIMIT,
      shard.index,
    )
    const result = html`<div class="flash${run.ok ? '' : ' error'}" role="status" id="checkpoint-result"><p>${
      run.newCheckpoint ? w.signed(run.newCheckpoint.treeSize, run.added) : w.nothing
    } ${run.ok ? '' : w.bad(run.problemCount)}</p></div>${problemsTable(run.problems, ctx.lang)}`
    return verificationPage(ctx, result, shard.index)
  }),
)
