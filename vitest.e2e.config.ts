import { defineConfig } from 'vitest/config';

// Browser tests: real Chromium (playwright-core) against the built app, started once by the global
// setup exactly as `npm start` starts it, on a fresh database.
export default defineConfig({
	test: {
		include: ['tests/e2e/**/*.spec.ts'],
		globalSetup: ['tests/e2e/global-setup.ts'],
		testTimeout: 120_000,
		hookTimeout: 240_000,
		fileParallelism: false,
		pool: 'forks'
	}
});
