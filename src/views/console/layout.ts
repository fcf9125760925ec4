/**
 * The console's page: a top bar (who is signed in, language, sign out), the menu, then the page's
 * slots: title, optional actions beside it, a flash message, and the body.
 */
import { html, raw } from 'hono/html'
import type { Actor } from '../../admin/actor'
import { otherLang, type Lang } from '../../i18n'
import { withLang, type Html } from '../layout'
import { consoleText } from './messages'
import { consoleNav, NAV_SECTIONS } from './nav'
import { CONSOLE_SCRIPT_PATH } from './script'
import { consoleCss } from './style'
import { csrfField } from './forms'

const styleTag = raw(`<style>${consoleCss}</style>`)

export interface ConsoleLayout {
  lang: Lang
  /** Path (with query, without lang) of this page, for the language switch. */
  path: string
  title: string
  body: Html
  /** Beside the title: buttons or links such as "Export CSV". */
  actions?: Html
  /** A confirmation (or, with error, a problem) shown above the body. */
  flash?: { text: string; error?: boolean }
  /** Which menu entry is current. */
  nav?: string
  /** The signed-in actor and the form token for the sign-out form; absent on the sign-in page. */
  session?: { actor: Actor; csrf: string }
}

export function scopeLabel(lang: Lang, unit: string | null) {
  return unit ?? consoleText(lang).wholeRoster
}

function menu(lang: Lang, actor: Actor, current: string | undefined): Html {
  const m = consoleText(lang)
  const sections = NAV_SECTIONS.map((section) => {
    const items = consoleNav.filter((i) => i.section === section && (i.visible?.(actor) ?? true))
    if (items.length === 0) return ''
    return html`<h2>${m.sections[section]}</h2>
      ${items.map(
        (i) =>
          html`<a href="${withLang(i.href, lang)}"${i.id === current ? raw(' aria-current="page"') : ''}>${i.label[lang]}</a>`,
      )}`
  })
  return html`<nav class="side" aria-label="${m.console}">${sections}</nav>`
}

export function consoleLayout(o: ConsoleLayout): Html {
  const m = consoleText(o.lang)
  const other = otherLang(o.lang)
  const session = o.session
  const main = html`<main>
    ${o.flash ? html`<p class="flash${o.flash.error ? ' error' : ''}" role="status">${o.flash.text}</p>` : ''}
    <div class="head"><h1>${o.title}</h1>${o.actions ?? ''}</div>
    ${o.body}
  </main>`
  return html`<!doctype html>
<html lang="${o.lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow">
<title>${o.title} · ${m.siteName} ${m.console}</title>
${styleTag}
<script src="${CONSOLE_SCRIPT_PATH}" defer></script>
</head>
<body class="${session ? 'console' : 'console bare'}">
<header class="bar"><a class="brand" href="${withLang('/admin', o.lang)}">${m.siteName} · ${m.console}</a>
${
  session
    ? html`<span class="who">${m.signedInAs} <strong>${session.actor.label}</strong> · ${m.role[session.actor.role]} · ${scopeLabel(o.lang, session.actor.unit)}</span>`
    : ''
}
<a href="${withLang(o.path, other)}" hreflang="${other}" lang="${other === 'zh' ? 'zh-CN' : 'en'}">${m.otherLanguage}</a>
${
  session
    ? html`<form class="inline" method="post" action="${withLang('/admin/logout', o.lang)}">${csrfField(session.csrf)}<button class="quiet" type="submit">${m.signOut}</button></form>`
    : ''
}
</header>
${session ? html`<div class="shell">${menu(o.lang, session.actor, o.nav)}${main}</div>` : main}
</body>
</html>`
}
