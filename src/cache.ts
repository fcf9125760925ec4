import type { Context } from 'hono'

/** Published versions never change, so caches may keep them forever. */
export const IMMUTABLE = 'public, max-age=31536000, immutable'
/** "Current" can move to a newer version on its effective date. */
export const SHORT = 'public, max-age=300'

export function cacheFor(c: Context, policy: string): void {
  c.header('Cache-Control', policy)
}
