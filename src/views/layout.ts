import { html, raw } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'
import { otherLang, t, type Lang } from '../i18n'
import { css } from './style'

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>

export interface PageOptions {
  lang: Lang
  title: string
  /** Open Graph description: what a chat app shows under a pasted link. */
  description: string
  /** Path (with any query but without lang) of this page, for the language switch. */
  path: string
  /** Set on pages that must never be indexed or cached by shared caches (personal links). */
  private?: boolean
  /** Reload this address after so many seconds (a page waiting for something to finish). */
  refresh?: { seconds: number; url: string }
  /**
   * Scheme and host of the request, for absolute og:url and og:image on public pages (a chat app
   * shows them under a pasted link). Personal pages leave it out.
   */
  origin?: string
  /** The page's one address when it has several (a version by number rather than by SHA-256). */
  canonicalPath?: string
  body: Html
}

/**
 * Adds or replaces `lang` in a path's query string. A path is read as a path whatever it starts
 * with: `//` (or `/\`) would otherwise name another host, and the link would leave the site.
 */
export function withLang(path: string, lang: Lang): string {
  const url = new URL(`http://x/${path.replace(/^[/\\]+/, '')}`)
  url.searchParams.set('lang', lang)
  return `${url.pathname}${url.search}`
}

// One constant, so no formatter can put whitespace inside the hashed <style> text.
const styleTag = raw(`<style>${css}</style>`)

export const SHARE_IMAGE_PATH = '/share.png'

function shareTags(options: PageOptions): Html | string {
  if (!options.origin || options.private) return ''
  const url = `${options.origin}${withLang(options.canonicalPath ?? options.path, options.lang)}`
  return html`<link rel="canonical" href="${url}">
<meta property="og:url" content="${url}">
<meta property="og:image" content="${options.origin}${SHARE_IMAGE_PATH}">
<meta property="og:image:width" content="300">
<meta property="og:image:height" content="300">
`
}

export function page(options: PageOptions): Html {
  const { lang, title, description, path } = options
  const m = t(lang)
  const other = otherLang(lang)
  return html`<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>
<meta name="description" content="${description}">
<meta property="og:type" content="article">
<meta property="og:title" content="${title}">
<meta property="og:description" content="${description}">
<meta property="og:locale" content="${lang === 'zh' ? 'zh_CN' : 'en_US'}">
${shareTags(options)}${options.private ? html`<meta name="robots" content="noindex,nofollow">` : ''}
${options.refresh ? html`<meta http-equiv="refresh" content="${options.refresh.seconds};url=${options.refresh.url}">` : ''}
<meta name="referrer" content="same-origin">
<link rel="alternate" hreflang="${other === 'zh' ? 'zh-CN' : 'en'}" href="${withLang(path, other)}">
${styleTag}
</head>
<body>
<header><a class="site" href="${withLang('/', lang)}">${m.siteName}</a>
<nav><a href="${withLang('/check', lang)}">${m.check}</a><a href="${withLang(path, other)}" hreflang="${other}" lang="${other === 'zh' ? 'zh-CN' : 'en'}" data-lang-switch>${m.otherLanguage}</a></nav></header>
<main>${options.body}</main>
<footer>redlines</footer>
</body>
</html>`
}
