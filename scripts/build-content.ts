/**
 * npm run build:content            compile content/ into src/generated/content.json
 * npm run publish-content          the same, and lock every version and check version not yet published
 * npm run build:draft              build without locking what is not published yet (to evaluate a
 *                                  new check version before publishing it); the others refuse it
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { compileContent, ContentError, type PublicationLock } from './content'
import { readContentFiles } from './content-files'

const root = path.resolve(import.meta.dirname, '..')
const lockPath = path.join(root, 'content/published.lock.json')
const outPath = path.join(root, 'src/generated/content.json')

async function readLock(): Promise<PublicationLock> {
  try {
    return JSON.parse(await readFile(lockPath, 'utf8')) as PublicationLock
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw error
  }
}

const publish = process.argv.includes('--publish')
const draft = process.argv.includes('--draft')
try {
  const before = await readLock()
  const { content, lock } = await compileContent(await readContentFiles(root), before, {
    publish,
    draft,
  })
  await mkdir(path.dirname(outPath), { recursive: true })
  await writeFile(outPath, JSON.stringify(content))
  if (publish) {
    await writeFile(lockPath, `${JSON.stringify(lock, null, 2)}\n`)
    const added = [
      ...Object.entries(lock.notices ?? {}).flatMap(([id, versions]) =>
        Object.keys(versions)
          .filter((n) => !before.notices?.[id]?.[n])
          .map((n) => `${id} v${n}`),
      ),
      ...Object.entries(lock.checks ?? {}).flatMap(([id, checks]) =>
        Object.keys(checks)
          .filter((n) => !before.checks?.[id]?.[n])
          .map((n) => `${id} check c${n}`),
      ),
    ]
    console.log(added.length ? `published: ${added.join(', ')}` : 'nothing new to publish')
  }
  const versions = content.notices.reduce((n, notice) => n + notice.versions.length, 0)
  const checks = content.notices.reduce((n, notice) => n + notice.checks.length, 0)
  console.log(
    `content: ${content.notices.length} notice(s), ${versions} version(s), ${checks} check version(s) -> src/generated/content.json` +
      (draft ? ' (draft: unpublished versions built, not locked)' : ''),
  )
} catch (error) {
  if (!(error instanceof ContentError)) throw error
  console.error(error.message)
  process.exit(1)
}
