import { defineConfig } from 'drizzle-kit';

// `npm run db:generate -w @hummdesk/server` writes a SQL migration for schema changes;
// hand-written SQL (roles, RLS) goes in `drizzle-kit generate --custom` migrations.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
