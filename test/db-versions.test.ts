import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { findNotice } from '../src/content/catalog'
import { database } from '../src/db/client'
import {
  registeredVersion,
  registeredVersionCount,
  registerVersionStatement,
} from '../src/db/versions'

describe('notice_versions, from the real migrations', () => {
  it('registers each published version once, keeping its first hash', async () => {
    const db = database(env.DB)
    const notice = findNotice('wechat-red-lines')!
    const now = new Date('2026-01-01T00:00:00Z')
    await db.batch([
      registerVersionStatement(db, notice.versions[0]!, now),
      registerVersionStatement(db, notice.versions[1]!, now),
    ])
    await registerVersionStatement(db, notice.versions[0]!, new Date()).run()
    expect(await registeredVersionCount(db)).toBe(2)
    expect(await registeredVersion(db, 'wechat-red-lines', 1)).toEqual({
      noticeId: 'wechat-red-lines',
      version: 1,
      sha256: notice.versions[0]!.sha256,
      effectiveFrom: notice.versions[0]!.effectiveFrom,
      registeredAt: now.toISOString(),
    })
  })
})
