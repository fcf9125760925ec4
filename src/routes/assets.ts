/** The one static file: the share image that public pages name in og:image. */
import { SHARE_IMAGE_BASE64 } from '../assets/share-image'
import { fixedEtag, ifNoneMatches } from '../cache'
import { newRoutes } from '../factory'
import { SHARE_IMAGE_PATH } from '../views/layout'

let png: Uint8Array<ArrayBuffer> | undefined

export const assetRoutes = newRoutes()

assetRoutes.get(SHARE_IMAGE_PATH, (c) => {
  const etag = fixedEtag(c.env, 'share')
  const headers = { ETag: etag, 'Cache-Control': 'public, max-age=604800' }
  if (ifNoneMatches(c.req.header('If-None-Match'), etag)) return c.body(null, 304, headers)
  png ??= Uint8Array.from(atob(SHARE_IMAGE_BASE64), (ch) => ch.charCodeAt(0))
  return c.body(png, 200, { ...headers, 'Content-Type': 'image/png' })
})
