import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The aim for the candidate exam page (issue 13): all the JavaScript it loads, gzipped. */
export const EXAM_PAGE_JS_BUDGET_BYTES = 60 * 1024;

interface ViteChunk {
	file: string;
	imports?: string[];
}

/**
 * The JavaScript a page of the built app loads before it runs, from the build's own records
 * (`.svelte-kit/output`): the client entry (start and app, with their static imports), then the
 * route's layouts and page node with theirs, as SvelteKit's router imports them. Dynamic imports
 * (what a page loads only when it needs it) are not counted. Each file gzipped at level 9, as a
 * server compressing it would send it.
 */
export async function pageJavaScript(
	routeId: string,
	outDir = '.svelte-kit/output'
): Promise<{ files: string[]; gzipBytes: number }> {
	const viteManifest = join(outDir, 'client/.vite/manifest.json');
	const serverManifest = resolve(outDir, 'server/manifest.js');
	if (!existsSync(viteManifest) || !existsSync(serverManifest))
		throw new Error(`No build in ${outDir}: run npm run build first`);
	const chunks = JSON.parse(readFileSync(viteManifest, 'utf8')) as Record<string, ViteChunk>;
	const { manifest } = (await import(pathToFileURL(serverManifest).href)) as {
		manifest: {
			_: {
				client: { imports: string[] };
				routes: { id: string; page: { layouts: (number | undefined)[]; leaf: number } | null }[];
			};
		};
	};
	const route = manifest._.routes.find((r) => r.id === routeId);
	if (!route?.page) throw new Error(`No page ${routeId} in the build`);
	const byFile = new Map(Object.entries(chunks).map(([key, c]) => [c.file, key]));
	const files = new Set<string>();
	const add = (key: string) => {
		const c = chunks[key];
		if (!c) throw new Error(`${key} is not in the build's manifest`);
		if (files.has(c.file)) return;
		files.add(c.file);
		for (const i of c.imports ?? []) add(i);
	};
	for (const f of manifest._.client.imports) {
		const key = byFile.get(f);
		if (!key) throw new Error(`${f} is not in the build's manifest`);
		add(key);
	}
	for (const node of [
		...route.page.layouts.filter((n): n is number => n !== undefined),
		route.page.leaf
	]) {
		add(`.svelte-kit/generated/client-optimized/nodes/${node}.js`);
	}
	let gzipBytes = 0;
	for (const f of files)
		gzipBytes += gzipSync(readFileSync(join(outDir, 'client', f)), { level: 9 }).length;
	return { files: [...files].sort(), gzipBytes };
}
