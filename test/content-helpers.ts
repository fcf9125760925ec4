// The real content/ tree, read through Vite so the compiler runs here exactly as in the build.
import lock from '../content/published.lock.json'
import {
  compileContent,
  ContentError,
  type ContentFiles,
  type PublicationLock,
} from '../scripts/content'

const files = import.meta.glob('../content/notices/**/*', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>
export const contentFiles: ContentFiles = Object.fromEntries(
  Object.entries(files).map(([path, text]) => [path.replace(/^\.\.\//, ''), text]),
)
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
