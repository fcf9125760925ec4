/** Streams CSV out of the paged generators, so an export never holds the whole list in memory. */
import type { AcknowledgementRow } from '../db/acknowledgements'
import { csvLine } from './csv'
import type { OutstandingOfficial, UnitStatus, VersionStatus } from './status'
import type { IssuedLink } from './links'

const LINES_PER_CHUNK = 500

export function csvStream<T>(
  header: readonly string[],
  items: AsyncIterator<T>,
  cells: (item: T) => readonly (string | number | boolean | null)[],
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let started = false
  return new ReadableStream({
    async pull(controller) {
      // A BOM so spreadsheet programs open the Chinese names as UTF-8.
      let text = started ? '' : `\uFEFF${csvLine(header)}`
      started = true
      for (let n = 0; n < LINES_PER_CHUNK; n++) {
        const next = await items.next()
        if (next.done) {
          controller.enqueue(encoder.encode(text))
          controller.close()
          return
        }
        text += csvLine(cells(next.value))
      }
      controller.enqueue(encoder.encode(text))
    },
    async cancel() {
      await items.return?.(undefined)
    },
  })
}

export const LINK_COLUMNS = ['external_id', 'name', 'unit', 'url'] as const
export const linkCells = (l: IssuedLink) => [l.externalId, l.name, l.unit, l.url]

export const OUTSTANDING_COLUMNS = ['external_id', 'name', 'unit', 'due_date', 'overdue'] as const
export const outstandingCells = (o: OutstandingOfficial) => [
  o.externalId,
  o.name,
  o.unit,
  o.dueDate,
  o.overdue,
]

export const STATUS_COLUMNS = [
  'unit',
  'depth',
  'roster',
  'acknowledged',
  'outstanding',
  'overdue',
  'due_date',
] as const
export function statusRows(status: VersionStatus): (string | number | null)[][] {
  const row = (u: Omit<UnitStatus, 'unit' | 'depth'> & { unit: string; depth: number }) => [
    u.unit,
    u.depth,
    u.roster,
    u.acknowledged,
    u.outstanding,
    u.overdue,
    u.dueDate,
  ]
  return [{ ...status.totals, unit: status.unit ?? '(all)', depth: 0 }, ...status.units].map(row)
}

export const RECORD_COLUMNS = [
  'seq',
  'receipt_id',
  'external_id',
  'name',
  'unit',
  'typed_name',
  'notice',
  'version',
  'version_sha256',
  'lang',
  'text_sha256',
  'statement',
  'acknowledged_at',
  'request_id',
  'user_agent',
  'ip_hash',
  'key_id',
  'record_hash',
  'signature',
] as const
export const recordCells = (r: AcknowledgementRow) => [
  r.seq,
  r.receiptId,
  r.externalId,
  r.officialName,
  r.unit,
  r.typedName,
  r.noticeId,
  r.version,
  r.versionSha256,
  r.lang,
  r.textSha256,
  r.statement,
  r.acknowledgedAt,
  r.requestId,
  r.userAgent,
  r.ipHash,
  r.keyId,
  r.recordHash,
  r.signature,
]
