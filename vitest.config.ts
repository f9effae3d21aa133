import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Unit and integration tests. Integration tests get their own database per file: a fresh in-memory
// PGlite, or (DATABASE_URL set) a PostgreSQL database cloned from a migrated template.
// tests/integration/postgres/ holds what only PostgreSQL has (connections, prepared statements).
const onPostgres = Boolean(process.env.DATABASE_URL);

export default defineConfig({
	// Route and hook files import `$lib/…` (SvelteKit's alias); tests that call them directly need it too.
	resolve: { alias: { $lib: fileURLToPath(new URL('./src/lib', import.meta.url)) } },
	test: {
		include: [
			'tests/unit/**/*.test.ts',
			'tests/integration/*.test.ts',
			...(onPostgres ? ['tests/integration/postgres/*.test.ts'] : [])
		],
		globalSetup: ['tests/helpers/global-setup.ts'],
		testTimeout: 30_000,
		hookTimeout: 60_000,
		env: { NODE_ENV: 'test' },
		pool: 'forks'
	}
});
