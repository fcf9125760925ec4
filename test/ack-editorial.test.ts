/**
 * A notice whose newest version changes nothing materially: links to the version before it stay
 * good (the official signs the current text), and those who already count as having acknowledged
 * are neither sent new links nor shown the form again. The published notice has no such version,
 * so the tests build one from it and hand it to the domain functions, against real D1.
 */
import { env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { hmacKey } from '../src/acknowledgements/bytes'
import { createLinks, openLink } from '../src/acknowledgements/links'
import { recordAcknowledgement } from '../src/acknowledgements/record'
import { importRoster } from '../src/acknowledgements/roster'
import { ackSecrets } from '../src/acknowledgements/secrets'
import { outstanding, take, versionStatus } from '../src/acknowledgements/status'
import { submitAcknowledgement } from '../src/acknowledgements/submission'
import { formToken, signLink } from '../src/acknowledgements/tokens'
import { findNotice } from '../src/content/catalog'
import type { CompiledNotice, CompiledVersion, RuleChange } from '../src/content/types'
import { database } from '../src/db/client'
import { findOfficialByExternalId } from '../src/db/officials'
import { AppError } from '../src/errors'

const db = database(env.DB)
const now = new Date()
const published = findNotice('wechat-red-lines')!

/** The published versions 1 and 2 under another id, then a version 3 in effect since 2020. */
function noticeWithVersion3(id: string, change: RuleChange): CompiledNotice {
  const versions = published.versions.map((v) => ({
    ...v,
    notice: id,
    sha256: `${id}-v${v.version}`,
  }))
  const v2 = versions[1]!
  const v3: CompiledVersion = {
    ...v2,
    version: 3,
    effectiveFrom: '2020-01-01',
    sha256: `${id}-v3`,
    changes: Object.fromEntries(
      Object.keys(v2.changes).map((rule) => [rule, rule === 'rumours' ? change : 'unchanged']),
    ),
    languages: {
      zh: { ...v2.languages.zh, textSha256: `${id}-v3-zh` },
      en: { ...v2.languages.en, textSha256: `${id}-v3-en` },
    },
  }
  return { id, versions: [...versions, v3], checks: [] }
}

const editorial = noticeWithVersion3('editorial-test', 'editorial')
const material = noticeWithVersion3('material-test', 'material')
const lookup = (notice: CompiledNotice) => (id: string) => {
  if (id !== notice.id) throw new AppError(404, 'notice_not_found', id)
  return notice
}
const expiresAt = Math.floor(now.getTime() / 1000) + 86_400

let linkKey: CryptoKey
async function linkFor(externalId: string, notice: CompiledNotice, version: number) {
  const official = (await findOfficialByExternalId(db, externalId))!
  return signLink(linkKey, { officialId: official.id, notice: notice.id, version, expiresAt })
}

beforeAll(async () => {
  linkKey = await hmacKey(env.LINK_SECRET)
  await importRoster(db, {
    body: 'external_id,name,unit\nE1,甲一,编辑省\nE2,乙二,编辑省\nE3,丙三,编辑省\nE4,丁四,编辑省\n',
    format: 'csv',
    mode: 'merge',
    unit: null,
    now,
  })
  // E2 acknowledged version 2 before version 3 came out.
  const secrets = await ackSecrets(env)
  await recordAcknowledgement(db, secrets.receipt, {
    official: (await findOfficialByExternalId(db, 'E2'))!,
    version: editorial.versions[1]!,
    notice: editorial,
    lang: 'zh',
    statement: 'v2',
    typedName: '乙二',
    requestId: 'r',
    userAgent: 'vitest',
    ipHash: null,
    now,
  })
})

describe('after an editorial version', () => {
  it('a link to the version before it still opens, on the current text, and signs that', async () => {
    const token = await linkFor('E1', editorial, 2)
    const opened = await openLink(db, linkKey, token, now, lookup(editorial))
    expect(opened.record).toBeUndefined()
    expect(opened.version.version).toBe(3)

    const secrets = await ackSecrets(env)
    const { record, created } = await submitAcknowledgement(db, secrets, {
      token,
      form: {
        csrf: await formToken(linkKey, token),
        lang: 'zh',
        text: editorial.versions[2]!.languages.zh.textSha256,
        statement: 'agree',
        name: '甲一',
      },
      requestId: 'r1',
      userAgent: 'vitest',
      ip: undefined,
      now,
      lookup: lookup(editorial),
    })
    expect(created).toBe(true)
    // The receipt names what was signed: version 3, its hash and its statement.
    expect(record).toMatchObject({ version: 3, versionSha256: 'editorial-test-v3' })
    expect(record.statement).toContain('第 3 版')
    // The same link now shows that receipt.
    expect((await openLink(db, linkKey, token, now, lookup(editorial))).record).toEqual(record)
  })

  it('someone whose acknowledgement of version 2 counts gets no new link, and an old link shows the receipt', async () => {
    const version3Links = (officials?: 'all') =>
      createLinks(
        db,
        linkKey,
        {
          notice: editorial.id,
          version: 3,
          unit: '编辑省',
          expiresInDays: 30,
          baseUrl: 'http://localhost',
          now,
          officials,
        },
        lookup(editorial),
      )
    const { batch, links } = await version3Links()
    // E1 signed version 3 and E2 version 2: both count; E3 and E4 are the ones to ask.
    expect((await take(links, 10)).map((l) => l.externalId)).toEqual(['E3', 'E4'])
    expect(batch.officials).toBe(2)
    const everyone = await version3Links('all')
    expect((await take(everyone.links, 10)).map((l) => l.externalId)).toEqual([
      'E1',
      'E2',
      'E3',
      'E4',
    ])

    const opened = await openLink(
      db,
      linkKey,
      await linkFor('E2', editorial, 3),
      now,
      lookup(editorial),
    )
    expect(opened.record).toMatchObject({ version: 2, externalId: 'E2' })
    expect(opened.version.version).toBe(2)
  })

  it('status counts acknowledgements of versions 2 and 3 for each other', async () => {
    for (const version of [2, 3]) {
      const status = await versionStatus(
        db,
        { notice: editorial.id, version, unit: '编辑省', now },
        lookup(editorial),
      )
      expect(status.counts).toEqual({ from: 2, to: 3 })
      expect(status.totals).toMatchObject({ roster: 4, acknowledged: 2, outstanding: 2 })
      const left = await take(
        outstanding(db, { notice: editorial.id, version, unit: '编辑省', now }, lookup(editorial)),
        10,
      )
      expect(left.map((o) => o.externalId)).toEqual(['E3', 'E4'])
    }
  })
})

describe('after a material version', () => {
  it('a link to the version before it is superseded', async () => {
    const token = await linkFor('E3', material, 2)
    await expect(openLink(db, linkKey, token, now, lookup(material))).rejects.toMatchObject({
      status: 403,
      code: 'link_superseded',
    })
  })
})
