import { defineConfig } from 'drizzle-kit'

// Migrations are generated here and applied by `wrangler d1 migrations apply`, never by push.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './drizzle',
})
