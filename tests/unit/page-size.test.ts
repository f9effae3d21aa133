import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** A page's file stays readable at a glance: past this, its parts belong in src/lib/components. */
const MAX_PAGE_LINES = 300;

/** Every +page.svelte under a folder. */
function pages(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const p = join(dir, name);
		return statSync(p).isDirectory() ? pages(p) : name === '+page.svelte' ? [p] : [];
	});
}

/** Lines as an editor counts them: a final newline ends the last line, it does not start another. */
const lineCount = (text: string) => text.replace(/\n$/, '').split('\n').length;

describe('page size', () => {
	const all = pages('src/routes');

	it('finds the pages', () => {
		expect(all.length).toBeGreaterThan(20);
		expect(lineCount('a\nb\n')).toBe(2);
		expect(lineCount('a\nb')).toBe(2);
	});

	it(`every src/routes/**/+page.svelte is at most ${MAX_PAGE_LINES} lines`, () => {
		const over = all
			.map((file) => ({ file, lines: lineCount(readFileSync(file, 'utf8')) }))
			.filter((p) => p.lines > MAX_PAGE_LINES)
			.map((p) => `${p.file}: ${p.lines} lines`);
		expect(over, `pages over ${MAX_PAGE_LINES} lines`).toEqual([]);
	});
});
