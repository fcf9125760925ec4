/**
 * The console's pieces that merged in beside the shards (C2): one official's edit, deactivation
 * and reactivation keep the live counters equal to a full recount; the officials' search, a
 * batch's links and the roster dry run read every shard. Runs with one shard and with four.
 */
import { env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { linkPath, batchLinks, openLink } from '../../src/acknowledgements/links'
import { countingRange } from '../../src/acknowledgements/policy'
import { recordAcknowledgement } from '../../src/acknowledgements/record'
import { importRoster } from '../../src/acknowledgements/roster'
import { previewRoster } from '../../src/acknowledgements/roster-preview'
import { ackSecrets, type AckSecrets } from '../../src/acknowledgements/secrets'
import { versionStatus } from '../../src/acknowledgements/status'
import { ownerToken } from '../../src/admin/actor'
import {
  editOfficial,
  officialFor,
  readRef,
  refOf,
  searchOfficials,
  setOfficialActive,
} from '../../src/admin/officials'
import { findNotice } from '../../src/content/catalog'
import { findOfficialByExternalId } from '../../src/db/officials'
import { AppError } from '../../src/errors'
import { N, recount, route, shards } from './helpers'

const notice = findNotice('wechat-red-lines')!
const version = notice.versions.at(-1)!
const now = new Date()
const by = () => ({ actor: ownerToken, requestId: crypto.randomUUID(), now: new Date() })
const PROVINCES = ['编辑甲省', '编辑乙省', '编辑丙省', '编辑丁省']
let secrets: AckSecrets

/** Status from the counters equals the recount, unit by unit and in total. */
async function expectCountersExact() {
  const range = countingRange(notice, version.version)
  const expected = await recount({ noticeId: notice.id, ...range })
  const status = await versionStatus(shards(), {
    notice: notice.id,
    version: version.version,
    now,
  })
  const leaves = new Map(
    status.units
      .filter((u) => expected.has(u.unit))
      .map((u) => [u.unit, { roster: u.roster, acknowledged: u.acknowledged }]),
  )
  expect(leaves).toEqual(expected)
}

const officialIn = async (province: number, n: number) => {
  const { officials } = await searchOfficials(shards(), ownerToken, { q: `E${province}-${n}` })
  expect(officials).toHaveLength(1)
  return officials[0]!
}

beforeAll(async () => {
  secrets = await ackSecrets(env)
  await route(PROVINCES)
  for (const [p, province] of PROVINCES.entries()) {
    const rows = [1, 2, 3].map((n) => `E${p}-${n},编辑${p}${n},${province}/一市`).join('\n')
    await importRoster(shards(), {
      body: `external_id,name,unit\n${rows}\n`,
      format: 'csv',
      mode: 'merge',
      unit: province,
      now,
    })
    // The first official of every province acknowledges the current version.
    const shard = shards().shard((await officialIn(p, 1)).shard)
    const official = await findOfficialByExternalId(shard.db, `E${p}-1`)
    await recordAcknowledgement(shard.db, secrets.receipt, {
      official: official!,
      version,
      notice,
      lang: 'zh',
      statement: 'agree',
      typedName: official!.name,
      requestId: crypto.randomUUID(),
      userAgent: 'console-officials-test',
      ipHash: null,
      now,
    })
  }
})

describe(`console officials with ${N()} shard(s)`, () => {
  it('finds officials in every shard, each by a reference to their own shard', async () => {
    for (const p of PROVINCES.keys()) {
      const official = await officialIn(p, 2)
      expect(official.shard).toBe(N() > 1 ? p % N() : 0)
      expect(readRef(refOf(official))).toEqual({ shard: official.shard, id: official.id })
      const found = await officialFor(shards(), ownerToken, readRef(refOf(official)), 'read')
      expect(found.externalId).toBe(`E${p}-2`)
    }
    const page = await searchOfficials(shards(), ownerToken, { unit: '编辑丁省' })
    expect(page.officials.map((o) => o.externalId).sort()).toEqual(['E3-1', 'E3-2', 'E3-3'])
  })

  it.each(PROVINCES.map((_, p) => [p]))(
    'province %i: a move, a rename, a deactivation and a reactivation keep the counters exact',
    async (p) => {
      const mover = await officialIn(p, 1) // acknowledged: their record moves with them
      await editOfficial(shards(), by(), mover, { name: `改名${p}`, unit: `${PROVINCES[p]}/二市` })
      await expectCountersExact()
      await setOfficialActive(shards(), by(), mover, false)
      await expectCountersExact()
      await setOfficialActive(shards(), by(), mover, true)
      await expectCountersExact()
      const other = await officialIn(p, 3)
      await setOfficialActive(shards(), by(), other, false)
      await expectCountersExact()
    },
  )

  it('refuses a move into a unit of another shard, changing nothing', async () => {
    if (N() === 1) return
    const official = await officialIn(0, 2)
    const error = await editOfficial(shards(), by(), official, {
      name: official.name,
      unit: `${PROVINCES[1]}/一市`,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('move_across_shards')
    expect((await officialIn(0, 2)).unit).toBe(`${PROVINCES[0]}/一市`)
    await expectCountersExact()
  })

  it.skipIf(N() === 1)(
    'says an edit in another shard was saved when only its audit entry fails',
    async () => {
      const official = await officialIn(1, 2)
      expect(official.shard).not.toBe(0)
      // A real failure of DB's audit insert, while the shard's own write goes through.
      await env.DB.exec(
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
      )
      try {
        const error = await editOfficial(shards(), by(), official, {
          name: '审计失败后改名',
          unit: official.unit,
        }).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(AppError)
        expect((error as AppError).status).toBe(503)
        expect((error as AppError).code).toBe('audit_not_recorded')
        expect((error as AppError).message).toContain('was saved')
        expect((error as AppError).message).toContain(`shard ${official.shard}`)
      } finally {
        await env.DB.exec('DROP TRIGGER refuse_audit')
      }
      expect((await officialIn(1, 2)).name).toBe('审计失败后改名')
      await expectCountersExact()
    },
  )

  it("makes a batch's links for every shard, each opening its own official", async () => {
    const range = countingRange(notice, version.version)
    const batch = {
      noticeId: notice.id,
      version: version.version,
      unit: null,
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    }
    const links = []
    for await (const link of batchLinks(shards(), secrets.linkKey, batch, {
      who: 'all',
      ...range,
      baseUrl: 'https://x',
    }))
      if (link.unit.startsWith('编辑')) links.push(link)
    // Active: two of three in every province (one deactivated above).
    expect(links).toHaveLength(PROVINCES.length * 2)
    for (const link of links) {
      const token = link.url.slice(`https://x${linkPath('')}`.length)
      const opened = await openLink(shards(), secrets.linkKey, token, new Date())
      expect(opened.official.externalId).toBe(link.externalId)
      expect(opened.shard.index).toBe(link.shard)
    }
  })

  it('previews an import against the shard that holds its officials', async () => {
    const preview = await previewRoster(shards(), {
      body: `external_id,name,unit\nE3-2,编辑32,${PROVINCES[3]}/一市\nE3-9,新人,${PROVINCES[3]}/一市\n`,
      format: 'csv',
      mode: 'full',
      unit: PROVINCES[3]!,
    })
    expect(preview.counts).toMatchObject({ added: 1, unchanged: 1, deactivated: 1 })
    expect(preview.deactivated.map((o) => o.externalId)).toEqual(['E3-1'])
  })
})
