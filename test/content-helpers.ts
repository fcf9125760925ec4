// The real content/ tree, read through Vite so the compiler runs here exactly as in the build.
import { env } from 'cloudflare:test'
import lock from '../content/published.lock.json'
import {
  compileContent,
  ContentError,
  type ContentFiles,
  type PublicationLock,
} from '../scripts/content'

const texts = import.meta.glob(['../content/notices/**/*', '!../content/notices/**/*.bin'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>
// Bytes that are not text (a check model's weights) come from the test config, undecoded.
const bytesOf = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
export const contentFiles: ContentFiles = Object.fromEntries([
  ...Object.entries(texts).map(([path, text]) => [path.replace(/^\.\.\//, ''), text]),
  ...Object.entries(env.TEST_CONTENT_BINARIES).map(([path, data]) => [path, bytesOf(data)]),
])
export const publishedLock = lock as PublicationLock

/** What the build says is wrong with a content tree (none: it compiles). */
export async function problemsOf(
  edited: ContentFiles,
  lockFile = publishedLock,
): Promise<string[]> {
  try {
    await compileContent(edited, lockFile)
    return []
  } catch (error) {
    if (error instanceof ContentError) return error.problems
    throw error
  }
}
