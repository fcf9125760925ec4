/**
 * What an official reads about themselves on their personal link: what they acknowledged before
 * (each receipt reachable through their own link only) and whom to contact about their unit.
 */
import { findNotice } from '../content/catalog'
import type { Lang } from '../content/types'
import type { Database } from '../db/client'
import { recordsOfOfficial, type AcknowledgementRow } from '../db/acknowledgements'
import { contactFor } from '../reminders/channels'
import type { PastAcknowledgement } from '../views/acknowledgement'
import { storageUnavailable } from './failures'
import { linkPath } from './links'

export async function pastOf(
  db: Database,
  officialId: number,
  token: string,
  lang: Lang,
  except?: string,
): Promise<PastAcknowledgement[]> {
  let records: AcknowledgementRow[]
  try {
    records = await recordsOfOfficial(db, officialId)
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
  return records
    .filter((r) => r.receiptId !== except)
    .map((r) => {
      const version = findNotice(r.noticeId)?.versions[r.version - 1]
      return {
        receiptId: r.receiptId,
        title: version?.languages[lang].title ?? r.noticeId,
        version: r.version,
        versionPath: `/notices/${r.noticeId}/versions/${r.version}`,
        acknowledgedAt: r.acknowledgedAt,
        receiptPath: `${linkPath(token)}/receipts/${r.receiptId}.json`,
      }
    })
}

/** One of the official's own records, by receipt id; undefined when it is not theirs. */
export async function ownRecord(db: Database, officialId: number, receiptId: string) {
  return (await recordsOfOfficial(db, officialId, 1000)).find((r) => r.receiptId === receiptId)
}

/** The unit's contact (inherited from its parents), else the organisation's. */
export async function contactOf(db: Database, unit: string, orgContact: string | undefined) {
  try {
    return (await contactFor(db, unit)) ?? orgContact
  } catch {
    // A contact is a courtesy: the organisation's will do when D1 does not answer.
    return orgContact
  }
}
