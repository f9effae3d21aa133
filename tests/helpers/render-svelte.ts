import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Component } from 'svelte';
import { compile } from 'svelte/compiler';
import { render } from 'svelte/server';

/**
 * Server-renders one self-contained Svelte component to HTML, without the SvelteKit/Vite plugin the
 * unit-test config does not load: compiles it for the server, points its `svelte/*` imports at the
 * installed package, imports it from a temporary file. Good for components whose only imports are
 * types (e.g. GridView); not for components importing other .svelte files or `$lib` values.
 */
export async function renderComponent(
	path: string,
	props: Record<string, unknown>
): Promise<string> {
	const { js } = compile(readFileSync(path, 'utf8'), { generate: 'server', filename: path });
	const require = createRequire(import.meta.url);
	const code = js.code.replace(
		/from ['"](svelte(?:\/[^'"]*)?)['"]/g,
		(_m, spec: string) => `from ${JSON.stringify(pathToFileURL(require.resolve(spec)).href)}`
	);
	const dir = mkdtempSync(join(tmpdir(), 'component-'));
	try {
		const file = join(dir, 'component.js');
		writeFileSync(file, code);
		const mod = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as {
			default: Component<Record<string, unknown>>;
		};
		return render(mod.default, { props }).body;
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}
