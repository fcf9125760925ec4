import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { fromHex, hex, hmacKey } from '../src/acknowledgements/bytes'
import { csvLine, parseCsv } from '../src/acknowledgements/csv'
import fc from 'fast-check'
import {
  consistencyProof,
  Frontier,
  leafHash,
  nodeHash,
  verifyConsistency,
} from '../src/acknowledgements/merkle'
import { cleanText, namesMatch } from '../src/acknowledgements/names'
import {
  baselineVersion,
  countingRange,
  statementFor,
  versionToSign,
} from '../src/acknowledgements/policy'
import { normaliseUnit, parseRosterCsv, parseRosterJson } from '../src/acknowledgements/roster'
import { formToken, formTokenMatches, readLink, signLink } from '../src/acknowledgements/tokens'
import { ackSecrets } from '../src/acknowledgements/secrets'
import { AppError } from '../src/errors'
import { findNotice } from '../src/content/catalog'
import type { CompiledNotice, CompiledVersion, RuleChange } from '../src/content/types'

/** RFC 9162 §2.1.1 written out literally, to check the incremental frontier against. */
async function referenceRoot(leaves: Uint8Array[]): Promise<string> {
  if (leaves.length === 0) return hex(await crypto.subtle.digest('SHA-256', new Uint8Array()))
  const mth = async (d: Uint8Array[]): Promise<Uint8Array> => {
    if (d.length === 1) return d[0]!
    let k = 1
    while (k * 2 < d.length) k *= 2
    return nodeHash(await mth(d.slice(0, k)), await mth(d.slice(k)))
  }
  return hex(await mth(leaves))
}

describe('Merkle frontier', () => {
  it.each([0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 31, 33])(
    'gives the RFC 9162 root for %i leaves, also when restored from a checkpoint',
    async (n) => {
      const leaves = await Promise.all(
        Array.from({ length: n }, (_, i) => leafHash(new TextEncoder().encode(`record ${i}`))),
      )
      const frontier = new Frontier()
      for (const leaf of leaves.slice(0, Math.floor(n / 2))) await frontier.append(leaf)
      const restored = Frontier.restore(frontier.size, frontier.hashes())
      for (const leaf of leaves.slice(Math.floor(n / 2))) await restored.append(leaf)
      expect(await restored.root()).toBe(await referenceRoot(leaves.map(fromHex)))
      expect(restored.hashes()).toHaveLength(n.toString(2).replace(/0/g, '').length)
    },
  )

  it('refuses a frontier that does not fit its size', () => {
    expect(() => Frontier.restore(3, ['00'.repeat(32)])).toThrow(/does not match/)
  })
})

describe('consistency proofs (RFC 9162 §2.1.4)', () => {
  const leaves = Promise.all(
    Array.from({ length: 70 }, (_, i) => leafHash(new TextEncoder().encode(`leaf ${i}`))),
  )
  async function tree(size: number) {
    const frontier = new Frontier()
    for (const leaf of (await leaves).slice(0, size)) await frontier.append(leaf)
    return { root: await frontier.root(), hashes: frontier.hashes() }
  }

  it('from any tree to any larger one: built from the frontier and the new leaves, it verifies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 70 })
          .chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n))),
        async ([m, n]) => {
          const [old, now] = [await tree(m), await tree(n)]
          const proof = await consistencyProof(m, old.hashes, (await leaves).slice(m, n))
          expect(await verifyConsistency(m, n, old.root, now.root, proof)).toBe(true)
          // Any other root, size or node, and it does not.
          expect(await verifyConsistency(m, n, now.root, old.root, proof)).toBe(m === n)
          if (proof.length) {
            const bent = [...proof]
            bent[0] = bent[0]!.replace(/^./, (c) => (c === '0' ? '1' : '0'))
            expect(await verifyConsistency(m, n, old.root, now.root, bent)).toBe(false)
            expect(await verifyConsistency(m, n, old.root, now.root, proof.slice(1))).toBe(false)
          }
          if (m < n)
            expect(await verifyConsistency(m + 1, n, old.root, now.root, proof)).toBe(false)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('a log whose first leaves changed has no proof to the tree it was', async () => {
    const old = await tree(5)
    const rewritten = [...(await leaves).slice(0, 12)]
    rewritten[2] = await leafHash(new TextEncoder().encode('another leaf'))
    const frontier = new Frontier()
    for (const leaf of rewritten) await frontier.append(leaf)
    const proof = await consistencyProof(5, old.hashes, rewritten.slice(5))
    expect(await verifyConsistency(5, 12, old.root, await frontier.root(), proof)).toBe(false)
  })
})

describe('CSV', () => {
  it.each([
    [
      'a,b\n1,2\n',
      [
        [1, ['a', 'b']],
        [2, ['1', '2']],
      ],
    ],
    [
      'a,b\r\n1,2',
      [
        [1, ['a', 'b']],
        [2, ['1', '2']],
      ],
    ],
    [
      '\uFEFFa\n"x, ""y"""\n',
      [
        [1, ['a']],
        [2, ['x, "y"']],
      ],
    ],
    [
      'a\n"two\nlines"\nb\n',
      [
        [1, ['a']],
        [2, ['two\nlines']],
        [4, ['b']],
      ],
    ],
    [
      'a\n\n\nb',
      [
        [1, ['a']],
        [4, ['b']],
      ],
    ],
  ] as const)('parses %j with line numbers', (text, expected) => {
    expect(parseCsv(text).map((r) => [r.line, r.cells])).toEqual(expected)
  })

  it.each([
    ['a\n"open', 2, /never closed/],
    ['a\nx"y"', 2, /quote inside/],
  ])('reports %j at line %i', (text, line, message) => {
    expect(() => parseCsv(text)).toThrow(message)
    try {
      parseCsv(text)
    } catch (error) {
      expect((error as { line: number }).line).toBe(line)
    }
  })

  it.each([
    [
      ['=SUM(A1)', '+1', '-x', '@cmd', 'plain', 3, -3, null],
      `'=SUM(A1),'+1,'-x,'@cmd,plain,3,-3,\r\n`,
    ],
    [['a,b', 'say "hi"', 'two\nlines'], `"a,b","say ""hi""","two\nlines"\r\n`],
  ])('writes %j safely for spreadsheets', (cells, line) => {
    expect(csvLine(cells)).toBe(line)
  })
})

describe('typed names', () => {
  it.each([
    ['张三', '张三', true],
    [' 张 三 ', '张三', true],
    ['张三', '张　三', true],
    ['ＺＨＡＮＧ　San', 'zhang san', true],
    ['阿依古丽・买买提', '阿依古丽·买买提', true],
    ['阿依古丽.买买提', '阿依古丽·买买提', true],
    ['张三丰', '张三', false],
    ['李四', '张三', false],
    ['', '', false],
    ['   ', '张三', false],
  ])('%j against roster %j: %s', (typed, roster, ok) => {
    expect(namesMatch(typed, roster)).toBe(ok)
  })
})

describe('roster text loses the invisible characters that do not belong in a name', () => {
  it.each([
    ['right-to-left override and pop', '\u202Eevil\u202C名', 'evil名'],
    ['every embedding and override', '\u202A\u202B张\u202C\u202D三\u202E', '张三'],
    ['isolates', '\u2066张三\u2069 \u2067x\u2068', '张三 x'],
    ['direction marks', '\u200E张三\u200F\u061C', '张三'],
    ['zero-width space, word joiner and BOM', '\uFEFF张\u200B三\u2060', '张三'],
    ['a soft hyphen and invisible operators', 'Ana\u00ADbel\u2062', 'Anabel'],
    ['tag characters', '张三\u{E0041}\u{E007F}', '张三'],
    ['Hangul fillers', '\u3164张\uFFA0三\u115F\u1160', '张三'],
    ['a joiner between CJK letters', '张\u200D三', '张三'],
    ['interlinear annotation marks', '\uFFF9张\uFFFA三\uFFFB', '张三'],
    ['a name made of nothing visible', '\u202E\u200B\u3164', ''],
  ])('%s', (_, raw, clean) => {
    expect(cleanText(raw)).toBe(clean)
  })

  it.each([
    ['a zero-width non-joiner inside a Persian word', 'می\u200Cخواهم'],
    ['a zero-width joiner inside a Devanagari word', 'क्\u200Dष'],
    ['Mongolian with its vowel separator', 'ᠨᠠ\u180Eᠠ'],
    ['an ideographic variation selector', '葛\u{E0100}'],
  ])('keeps %s', (_, text) => {
    expect(cleanText(text)).toBe(text)
  })

  it('a roster line whose name is only invisible characters is refused', () => {
    const { problems } = parseRosterCsv('external_id,name,unit\nE1,\u202E\u200B,广东省\n', null)
    expect(problems).toEqual([{ line: 2, message: 'name is empty' }])
  })

  it('a typed name with a bidi control matches the roster name without it', () => {
    expect(namesMatch('\u202E张三\u202C', '张三')).toBe(true)
  })
})

describe('links', () => {
  const claims = { officialId: 42, notice: 'wechat-red-lines', version: 2, expiresAt: 1893456000 }

  it('round-trips and is bound to every claim', async () => {
    const key = await hmacKey(env.LINK_SECRET)
    const token = await signLink(key, claims)
    expect(token).toMatch(/^42\.wechat-red-lines\.2\.1893456000\.[A-Za-z0-9_-]{22}$/)
    expect(await readLink(key, token)).toEqual(claims)
    const mac = token.split('.').at(-1)
    for (const changed of [
      { ...claims, officialId: 43 },
      { ...claims, version: 1 },
      { ...claims, expiresAt: 1893456001 },
      { ...claims, notice: 'other' },
    ]) {
      const forged = `${changed.officialId}.${changed.notice}.${changed.version}.${changed.expiresAt}.${mac}`
      await expect(readLink(key, forged)).rejects.toMatchObject({ status: 401 })
    }
    await expect(readLink(await hmacKey('another secret'), token)).rejects.toMatchObject({
      status: 401,
    })
  })

  it.each([
    '',
    'x',
    '42.wechat-red-lines.2.1893456000',
    '042.a.2.1.AAAAAAAAAAAAAAAAAAAAAA',
    '42.a.2.01.AAAAAAAAAAAAAAAAAAAAAA',
    '42.A.2.1.AAAAAAAAAAAAAAAAAAAAAA',
  ])('rejects the garbled token %j with 401', async (token) => {
    await expect(readLink(await hmacKey(env.LINK_SECRET), token)).rejects.toMatchObject({
      status: 401,
      code: 'link_invalid',
    })
  })

  it('accepts exactly one spelling of the MAC: any changed character is refused', async () => {
    const key = await hmacKey(env.LINK_SECRET)
    const token = await signLink(key, claims)
    const form = await formToken(key, token)
    const variants = (text: string) =>
      [...text].flatMap((ch, i) =>
        ['A', 'B', 'Q', 'g', '_']
          .filter((r) => r !== ch)
          .map((r) => `${text.slice(0, i)}${r}${text.slice(i + 1)}`),
      )
    for (const mac of variants(token.slice(-22)))
      await expect(readLink(key, `${token.slice(0, -22)}${mac}`)).rejects.toMatchObject({
        status: 401,
      })
    for (const variant of variants(form))
      expect(await formTokenMatches(key, token, variant)).toBe(false)
  })

  it('derives a form token that only fits its own link', async () => {
    const key = await hmacKey(env.LINK_SECRET)
    const a = await signLink(key, claims)
    const b = await signLink(key, { ...claims, officialId: 7 })
    const token = await formToken(key, a)
    expect(await formTokenMatches(key, a, token)).toBe(true)
    expect(await formTokenMatches(key, b, token)).toBe(false)
    expect(await formTokenMatches(key, a, undefined)).toBe(false)
    expect(await formTokenMatches(key, a, 'short')).toBe(false)
  })
})

function version(n: number, changes: Record<string, RuleChange>): CompiledVersion {
  const language = { title: 'T', intro: '', introHtml: '', rules: [], textSha256: '' }
  return {
    notice: 'n',
    version: n,
    effectiveFrom: `2020-0${n}-01`,
    summary: { zh: '', en: '' },
    changes,
    removed: [],
    checkSha256: null,
    sha256: `v${n}`,
    languages: { zh: language, en: language },
  }
}

describe('which acknowledgements count for a version', () => {
  const notice: CompiledNotice = {
    id: 'n',
    versions: [
      version(1, { a: 'added', b: 'added' }),
      version(2, { a: 'editorial', b: 'unchanged' }),
      version(3, { a: 'material', b: 'unchanged' }),
      version(4, { a: 'unchanged', b: 'editorial' }),
      version(5, { a: 'unchanged', b: 'unchanged', c: 'added' }),
      version(6, { a: 'unchanged' }),
    ],
    checks: [],
  }
  it.each([
    [1, 1, 'the first version'],
    [2, 1, 'an editorial change does not reset'],
    [3, 3, 'a material change resets'],
    [4, 3, 'editorial after material keeps the material baseline'],
    [5, 5, 'an added rule resets'],
    [6, 5, 'a removed rule does not reset'],
  ])('version %i counts acknowledgements from version %i (%s)', (n, from) => {
    expect(baselineVersion(notice, n)).toBe(from)
  })

  it.each([
    [1, 1, 2, 'the first version, and the editorial one after it'],
    [2, 1, 2, 'an editorial version counts what came before, back to the baseline'],
    [3, 3, 4, 'a material change starts a new range that editorial versions extend'],
    [4, 3, 4, 'editorial after material'],
    [5, 5, 6, 'an added rule starts a range; a removed rule does not end it'],
  ])('version %i: acknowledgements of versions %i to %i count for it (%s)', (n, from, to) => {
    expect(countingRange(notice, n)).toEqual({ from, to })
  })

  // Version n in effect from 2020-0n-01.
  it.each<[number, string, number | undefined, string]>([
    [1, '2020-01-15', 1, 'its own version while it is current'],
    [1, '2020-02-15', 2, 'the current version, when only editorial versions came after'],
    [2, '2020-03-15', undefined, 'nothing, once a material change is in effect'],
    [3, '2020-04-15', 4, 'the current version after an editorial change'],
    [3, '2020-05-15', undefined, 'nothing, once a rule was added'],
    [5, '2020-06-15', 6, 'the current version after a rule was removed'],
    [2, '2020-01-15', 2, 'its own version, even before it is in effect'],
  ])('a link for version %i on %s has the official sign %s (%s)', (n, day, signs) => {
    const signed = versionToSign(notice, notice.versions[n - 1]!, new Date(`${day}T12:00:00Z`))
    expect(signed?.version).toBe(signs)
  })

  it('the published notice: version 2 changes red envelopes materially', () => {
    const published = findNotice('wechat-red-lines')!
    expect(baselineVersion(published, 2)).toBe(2)
    expect(statementFor(published.versions[1]!, 'zh')).toMatch(
      /^本人已阅读《.+》第 2 版全文，承诺遵守。$/,
    )
    expect(statementFor(published.versions[1]!, 'en')).toMatch(
      /version 2, in full and will abide by it\.$/,
    )
  })
})

describe('roster rows', () => {
  it.each([
    ['广东省/广州市/公安局', '广东省/广州市/公安局'],
    [' 广东省 / 广州市 /公安局 ', '广东省/广州市/公安局'],
    ['Guangdong  Province', 'Guangdong Province'],
  ])('unit %j is stored as %j', (raw, unit) => {
    expect(normaliseUnit(raw)).toEqual({ unit })
  })

  it.each(['', '/', 'a//b', 'a/', Array(11).fill('x').join('/')])('unit %j is refused', (raw) => {
    expect(normaliseUnit(raw)).toHaveProperty('problem')
  })

  it('lists every bad line of a CSV, with the reason', () => {
    const { entries, problems } = parseRosterCsv(
      [
        'external_id,name,unit',
        'E1,张三,广东省/广州市',
        ',李四,广东省',
        'E3,,广东省',
        'E4,王五,',
        'E1,赵六,广东省',
        'E6,孙七',
        'E7,周八,湖南省',
      ].join('\n'),
      '广东省',
    )
    expect(entries.map((e) => e.externalId)).toEqual(['E1'])
    expect(problems).toEqual([
      { line: 3, message: 'external id is empty' },
      { line: 4, message: 'name is empty' },
      { line: 5, message: 'unit is empty' },
      { line: 6, message: 'external id "E1" also appears on line 2' },
      { line: 7, message: 'expected 3 fields, found 2' },
      { line: 8, message: 'unit "湖南省" is outside this import\'s unit "广东省"' },
    ])
  })

  it.each([
    ['name,unit\nx,y', /missing: externalId/],
    ['', /empty/],
  ])('refuses a CSV whose header is %j', (text, message) => {
    expect(parseRosterCsv(text, null).problems[0]?.message).toMatch(message)
  })

  it('reads JSON rosters, numbering records from 1', () => {
    const { entries, problems } = parseRosterJson(
      JSON.stringify({
        officials: [
          { externalId: 'E1', name: '张三', unit: '广东省' },
          { externalId: 2, name: '李四', unit: '广东省' },
        ],
      }),
      null,
    )
    expect(entries).toHaveLength(1)
    expect(problems).toEqual([{ line: 2, message: 'external id and name must be text' }])
  })
})

describe('secrets that do not parse', () => {
  const secret = 'SECRETSECRETSECRETSECRETSECRETSECRETSECRETS'
  it.each([
    ['wrapped in quotes', `'{"crv":"Ed25519","d":"${secret}","x":"x","kty":"OKP"}'`],
    ['with an unquoted value', `{"crv":"Ed25519","d":${secret},"x":"x","kty":"OKP"}`],
    ['cut short', `{"crv":"Ed25519","d":"${secret}`],
  ])('a private key %s: 503 that names the secret, never shows its value', async (_, value) => {
    const error = await ackSecrets({
      ADMIN_TOKEN: 'a',
      LINK_SECRET: 'b',
      IP_HASH_KEY: 'c',
      RECEIPT_PRIVATE_KEY: value,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AppError)
    expect(error).toMatchObject({ status: 503, code: 'not_configured' })
    const message = (error as AppError).message
    expect(message).toMatch(/RECEIPT_PRIVATE_KEY/)
    expect(message).not.toMatch(/SECR|"d"|Ed25519"/)
  })

  it('still starts with the real secrets afterwards', async () => {
    const secrets = await ackSecrets(env)
    expect(secrets.receipt.keyId).toMatch(/^[\w-]{43}$/)
  })
})
