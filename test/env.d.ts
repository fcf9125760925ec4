import type { D1Migration } from 'cloudflare:test'

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[]
    }
    // Types `exports.default` from 'cloudflare:workers' as the Worker's own default export.
    interface GlobalProps {
      mainModule: typeof import('../src/index')
    }
  }
}
