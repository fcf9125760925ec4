import type { Lang } from './i18n'

/** What every handler can read from the context. */
export interface AppEnv {
  Bindings: Env
  Variables: {
    language: string
    requestId: string
  }
}

export function langOf(c: { get(key: 'language'): string }): Lang {
  return c.get('language') === 'en' ? 'en' : 'zh'
}
