import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
	plugins: [sveltekit()],
	// PGlite ships WebAssembly and its own loader; bundling it breaks the loader's file lookups.
	ssr: { external: ['@electric-sql/pglite', '@node-rs/argon2', 'pg'] },
	optimizeDeps: { exclude: ['@electric-sql/pglite'] }
});
