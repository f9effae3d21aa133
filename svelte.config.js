import { createHash } from 'node:crypto';
import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** A CSP hash source for one exact piece of inline text. */
const sha256 = (text) =>
	/** @type {`sha256-${string}`} */ (
		`sha256-${createHash('sha256').update(text).digest('base64')}`
	);

/*
 * The only inline styles the app has are two style attributes that are not ours: app.html's
 * `<div style="display: contents">` (SvelteKit's template) and the route announcer SvelteKit adds
 * after hydration (sveltejs/kit#11993). Instead of 'unsafe-inline' (any style at all, which makes
 * injected markup able to restyle the page, e.g. hide the real form behind a fake one), the
 * policy allows exactly these two strings: 'unsafe-hashes' lets a hash match a style attribute.
 * If SvelteKit changes the announcer's style, the browser reports a violation and
 * tests/e2e/hardening.spec.ts fails. Svelte itself needs nothing more: there are no <style> blocks
 * in components (CSS is emitted as files) and no transitions (Svelte 5 animates them with the Web
 * Animations API, which CSP does not govern anyway).
 */
const STYLE_ATTRIBUTES = [
	'display: contents',
	'position: absolute; left: 0; top: 0; clip: rect(0 0 0 0); clip-path: inset(50%); overflow: hidden; white-space: nowrap; width: 1px; height: 1px'
];

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({ out: 'build' }),
		// Content-Security-Policy on every page. 'auto': server-rendered pages (all of them, including
		// the exam page that renders in the browser, whose boot script is still inline) get a fresh
		// nonce for SvelteKit's inline scripts; prerendered pages (none today) would get hashes.
		// No 'unsafe-inline' and no 'unsafe-eval' for scripts: an injected <script> or onclick="…"
		// does not run. In `vite dev` SvelteKit adds 'unsafe-inline' for styles itself (it injects
		// <style> elements for hot reloading).
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-hashes', ...STYLE_ATTRIBUTES.map(sha256)],
				'img-src': ['self', 'data:'],
				'font-src': ['self'],
				// autosave, the clock and the event stream: this origin only
				'connect-src': ['self'],
				// The exam is never shown inside another site's frame (with X-Frame-Options: DENY for old browsers).
				'frame-ancestors': ['none'],
				'form-action': ['self'],
				'base-uri': ['self'],
				'object-src': ['none']
			}
		}
	}
};

export default config;
