import { describe, expect, it } from 'vitest';

import { EXAM_PAGE_JS_BUDGET_BYTES, pageJavaScript } from '../helpers/page-javascript.js';
import { e2e } from './browser.js';

/*
 * The candidate exam page's JavaScript stays under 60 KB gzipped (issue 13): 2,000 candidates load
 * it at the start of an exam. Counted from the build this run serves (the e2e run builds first):
 * the client entry and the page's nodes with every module they import statically.
 */
describe('exam page weight', () => {
	it('the exam page loads under 60 KB of JavaScript, gzipped', async () => {
		const js = await pageJavaScript('/candidate/exam');
		// The modules the served page's shell names are among those counted (the count follows the build the app serves).
		const shell = await (
			await fetch(`${e2e().baseURL}/candidate/exam`, { headers: { accept: 'text/html' } })
		).text();
		const named = [...shell.matchAll(/_app\/immutable\/[^"]+\.js/g)].map((m) => m[0]);
		expect(named.length).toBeGreaterThan(0);
		for (const f of named) expect(js.files).toContain(f);
		expect(js.files.some((f) => /\/nodes\//.test(f))).toBe(true);
		expect(
			js.gzipBytes,
			`${js.files.length} files, ${(js.gzipBytes / 1024).toFixed(1)} KB gzipped`
		).toBeLessThan(EXAM_PAGE_JS_BUDGET_BYTES);
	});
});
