/** Reads content/notices/ from disk for the builds (Node only; the compilers themselves are pure). */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { ContentFiles } from './content'

/** Files whose bytes are not text (model weights in a check version) stay bytes. */
const TEXT = /\.(json|jsonl|md|txt|csv|tsv)$/

export async function readContentFiles(root: string): Promise<ContentFiles> {
  const files: ContentFiles = {}
  const entries = await readdir(path.join(root, 'content/notices'), {
    recursive: true,
    withFileTypes: true,
  })
  for (const entry of entries) {
    if (!entry.isFile()) continue
    const full = path.join(entry.parentPath, entry.name)
    const name = path.relative(root, full).split(path.sep).join('/')
    const bytes = await readFile(full)
    files[name] = TEXT.test(entry.name)
      ? bytes.toString('utf8')
      : new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))
  }
  return files
}
