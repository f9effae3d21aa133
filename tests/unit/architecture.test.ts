import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every TypeScript file under a folder. */
function sources(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const p = join(dir, name);
		return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
	});
}

/**
 * "Every state change goes through the domain's transition function": a statement that writes an
 * attempt's state anywhere but the one writer would bypass the rules (as settleAttempt and
 * endSitting once did). The bulk end of reading time is the one documented exception: it is the
 * domain's end_reading rule for a whole hall in one statement (an integration test holds the two
 * together).
 */
describe('the attempt state has one writer', () => {
	const writers = new Map<string, number>();
	for (const file of sources('src')) {
		const text = readFileSync(file, 'utf8');
		const kysely = [...text.matchAll(/updateTable\('attempt'\)\s*\.set\(\{[^}]*\bstate\s*:/g)]
			.length;
		const raw = [...text.matchAll(/update\s+attempt\s+set[^;`]*\bstate\s*=/gi)].length;
		if (kysely + raw > 0) writers.set(relative('.', file), kysely + raw);
	}
	it('only applyTransition, and the bulk end of reading time, write attempt.state', () => {
		expect(Object.fromEntries(writers)).toEqual({
			'src/lib/server/attempts/attempt-store.ts': 1,
			'src/lib/server/attempts/clock.ts': 1
		});
		const store = readFileSync('src/lib/server/attempts/attempt-store.ts', 'utf8');
		expect(store).toMatch(
			/export async function applyTransition[\s\S]*transition\((\{ \.\.\.)?factsOf\(a\)(, \.\.\.more \})?, action, now\)[\s\S]*state: r\.state/
		);
	});
});

/**
 * The same for sittings: their state changes only through applySittingAction, which asks the
 * domain's sittingTransition first.
 */
describe('the sitting state has one writer', () => {
	it('only applySittingAction writes sitting.state', () => {
		const writers = new Map<string, number>();
		for (const file of sources('src')) {
			const text = readFileSync(file, 'utf8');
			const kysely = [...text.matchAll(/updateTable\('sitting'\)\s*\.set\(\{[^}]*\bstate\s*[:,}]/g)]
				.length;
			const raw = [...text.matchAll(/update\s+sitting\s+set[^;`]*\bstate\s*=/gi)].length;
			if (kysely + raw > 0) writers.set(relative('.', file), kysely + raw);
		}
		expect(Object.fromEntries(writers)).toEqual({
			'src/lib/server/sittings/sitting-state.ts': 1
		});
		const writer = readFileSync('src/lib/server/sittings/sitting-state.ts', 'utf8');
		expect(writer).toMatch(/sittingTransition\(sitting\.state, action\)/);
	});
});

/**
 * And for second marking: a script's second-marking state is written (inserted when first
 * considered, updated after) only in quality/second-marking-state.ts, which asks the domain's
 * secondMarkingTransition first.
 */
describe('the second-marking state has one writer', () => {
	it('only considerForSecondMarking and applySecondMarkingAction write second_marking.state', () => {
		const writers = new Map<string, number>();
		for (const file of sources('src')) {
			const text = readFileSync(file, 'utf8');
			const kysely = [
				...text.matchAll(
					/(updateTable\('second_marking'\)\s*\.set|insertInto\('second_marking'\)\s*\.values)\(/g
				)
			].length;
			const raw = [
				...text.matchAll(/(update\s+second_marking\s+set|insert\s+into\s+second_marking)\b/gi)
			].length;
			if (kysely + raw > 0) writers.set(relative('.', file), kysely + raw);
		}
		expect(Object.fromEntries(writers)).toEqual({
			'src/lib/server/quality/second-marking-state.ts': 2
		});
		const writer = readFileSync('src/lib/server/quality/second-marking-state.ts', 'utf8');
		expect(writer).toMatch(/secondMarkingTransition\(sm\.state, action\)/);
		expect(writer.match(/requireSecondMarkingAllows\(/g)?.length).toBe(3);
	});
});

/** The layers as architecture-layers.cjs lists them (CommonJS, read by ESLint and dependency-cruiser). */
const SERVER_LAYERS: string[] = (
	JSON.parse(
		readFileSync('architecture-layers.cjs', 'utf8')
			.match(/const SERVER_LAYERS = (\[[\s\S]*?\]);/)![1]!
			.replace(/'/g, '"')
			.replace(/,(\s*\])/, '$1')
	) as string[]
).map(String);

const serverFolders = readdirSync('src/lib/server').filter((n) =>
	statSync(join('src/lib/server', n)).isDirectory()
);

describe('the layers of src/lib/server, as written down', () => {
	it('every folder has its place in the layer list, and the list names no folder that is gone', () => {
		expect([...serverFolders].sort()).toEqual([...SERVER_LAYERS].sort());
	});

	it('docs/architecture.md names every folder, and draws the layers in the list order', () => {
		const doc = readFileSync('docs/architecture.md', 'utf8');
		for (const folder of serverFolders) expect(doc, folder).toContain(`| \`${folder}/\` |`);
		const drawn = [...doc.matchAll(/^ {2}([a-z]+) --> ([a-z]+)$/gm)]
			.map((m) => [m[1], m[2]])
			.filter(([, below]) => below !== 'kernel');
		const expected = SERVER_LAYERS.slice(1).map((layer, i) => [layer, SERVER_LAYERS[i]]);
		expect(drawn).toEqual(expected);
	});

	it('no server file is over 400 lines, except the generated table types', () => {
		const long = sources('src/lib/server')
			.filter((f) => !f.endsWith('.generated.ts'))
			.map((f) => ({ f, lines: readFileSync(f, 'utf8').split('\n').length }))
			.filter(({ lines }) => lines > 400);
		expect(long).toEqual([]);
	});
});
