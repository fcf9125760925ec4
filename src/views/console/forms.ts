/**
 * Form pieces for every console page: the CSRF field, a labelled field with its hint and its
 * error right under it (aria-invalid, aria-describedby), a form that says when something below
 * needs fixing, and one-button forms (revoke, remove) that ask first when the script is there.
 */
import { html, raw } from 'hono/html'
import type { Lang } from '../../i18n'
import type { Html } from '../layout'
import { consoleText } from './messages'

/** What a form shows: the values to refill and one message per field that failed. */
export interface FormState {
  values: Record<string, string>
  errors: Record<string, string>
  /** A problem that belongs to no single field. */
  message?: string
}

export const emptyForm = (values: Record<string, string> = {}): FormState => ({
  values,
  errors: {},
})

export const CSRF_FIELD = '_csrf'

export function csrfField(token: string): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`
}

export interface FieldOptions {
  name: string
  label: string
  state: FormState
  type?: 'text' | 'email' | 'password' | 'date' | 'search' | 'select'
  hint?: string
  required?: boolean
  /** For type select: [value, label] pairs. */
  options?: readonly (readonly [string, string])[]
  autocomplete?: string
  placeholder?: string
  maxlength?: number
}

export function field(o: FieldOptions): Html {
  const id = `f-${o.name}`
  const value = o.state.values[o.name] ?? ''
  const error = o.state.errors[o.name]
  const described = [o.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean)
  const attrs = html`id="${id}" name="${o.name}"${o.required ? raw(' required') : ''}${
    error ? raw(' aria-invalid="true"') : ''
  }${described.length ? html` aria-describedby="${described.join(' ')}"` : ''}`
  const control =
    o.type === 'select'
      ? html`<select ${attrs}>${(o.options ?? []).map(
          ([v, label]) =>
            html`<option value="${v}"${v === value ? raw(' selected') : ''}>${label}</option>`,
        )}</select>`
      : html`<input type="${o.type ?? 'text'}" ${attrs} value="${o.type === 'password' ? '' : value}"${
          o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''
        }${o.placeholder ? html` placeholder="${o.placeholder}"` : ''}${
          o.maxlength ? html` maxlength="${o.maxlength}"` : ''
        }>`
  return html`<div class="field">
    <label for="${id}">${o.label}</label>
    ${control}
    ${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : ''}
    ${error ? html`<p class="error" id="${id}-error">${error}</p>` : ''}
  </div>`
}

export interface FormOptions {
  action: string
  csrf: string
  submit: string
  lang: Lang
  state?: FormState
  method?: 'post' | 'get'
  /** A class for the form, e.g. "filters" for a row of filter fields. */
  className?: string
}

export function form(o: FormOptions, fields: Html): Html {
  const m = consoleText(o.lang)
  const state = o.state
  const problem =
    state?.message ?? (state && Object.keys(state.errors).length ? m.fixBelow : undefined)
  return html`<form method="${o.method ?? 'post'}" action="${o.action}"${
    o.className ? html` class="${o.className}"` : ''
  } novalidate>
    ${problem ? html`<p class="flash error" role="alert">${problem}</p>` : ''}
    ${o.method === 'get' ? '' : csrfField(o.csrf)}
    ${fields}
    <div class="field"><button type="submit">${o.submit}</button></div>
  </form>`
}

/** A form that is one button: revoke, remove, sign out. `confirm` is asked first (with the script). */
export function postButton(o: {
  action: string
  csrf: string
  label: string
  confirm?: string
  quiet?: boolean
}): Html {
  return html`<form class="inline" method="post" action="${o.action}"${
    o.confirm ? html` data-confirm="${o.confirm}"` : ''
  }>${csrfField(o.csrf)}<button type="submit"${o.quiet === false ? '' : raw(' class="quiet"')}>${o.label}</button></form>`
}
