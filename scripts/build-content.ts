/**
 * npm run build:content            compile content/ into src/generated/content.json
 * npm run publish-content          the same, and lock every version not yet published
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { compileContent, ContentError, type ContentFiles, type PublicationLock } from './content'

const root = path.resolve(import.meta.dirname, '..')
const lockPath = path.join(root, 'content/published.lock.json')
const outPath = path.join(root, 'src/generated/content.json')

async function readContentFiles(): Promise<ContentFiles> {
  const files: ContentFiles = {}
  const entries = await readdir(path.join(root, 'content/notices'), {
    recursive: true,
    withFileTypes: true,
  })
  for (const entry of entries) {
    if (!entry.isFile()) continue
    const full = path.join(entry.parentPath, entry.name)
    files[path.relative(root, full).split(path.sep).join('/')] = await readFile(full, 'utf8')
  }
  return files
}

async function readLock(): Promise<PublicationLock> {
  try {
    return JSON.parse(await readFile(lockPath, 'utf8')) as PublicationLock
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw error
  }
}

const publish = process.argv.includes('--publish')
try {
  const before = await readLock()
  const { content, lock } = await compileContent(await readContentFiles(), before, { publish })
  await mkdir(path.dirname(outPath), { recursive: true })
  await writeFile(outPath, JSON.stringify(content))
  if (publish) {
    await writeFile(lockPath, `${JSON.stringify(lock, null, 2)}\n`)
    const added = Object.entries(lock).flatMap(([id, versions]) =>
      Object.keys(versions)
        .filter((n) => !before[id]?.[n])
        .map((n) => `${id} v${n}`),
    )
    console.log(added.length ? `published: ${added.join(', ')}` : 'nothing new to publish')
  }
  const versions = content.notices.reduce((n, notice) => n + notice.versions.length, 0)
  console.log(
    `content: ${content.notices.length} notice(s), ${versions} version(s) -> src/generated/content.json`,
  )
} catch (error) {
  if (!(error instanceof ContentError)) throw error
  console.error(error.message)
  process.exit(1)
}
