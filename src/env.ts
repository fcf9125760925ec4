import type { Actor } from './admin/actor'
import type { Lang } from './i18n'
import type { CheckCaller } from './routes/check-access'

/** A console sign-in: who, how, and the form token every console form must carry. */
export interface ConsoleSession {
  actor: Actor
  via: 'session' | 'access'
  csrf: string
  binding: string
}

/** What every handler can read from the context. */
export interface AppEnv {
  Bindings: Env
  Variables: {
    language: string
    requestId: string
    /** Set by the admin API's authentication (routes/admin-auth.ts) for /api/admin/*. */
    actor: Actor
    /** Set by the console's authentication (routes/console-kit.ts) for /admin/*. */
    console: ConsoleSession
    /** Set for /api/check* (routes/check-access.ts): whose allowance a check is counted against. */
    checkCaller: CheckCaller
  }
}

export function langOf(c: { get(key: 'language'): string }): Lang {
  return c.get('language') === 'en' ? 'en' : 'zh'
}
