import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(path: string): number {
	if (!existsSync(path)) return 0;
	const s = statSync(path);
	if (!s.isDirectory()) return s.mtimeMs;
	let newest = s.mtimeMs;
	for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
	return newest;
}

/** Builds the app when there is no build or a source file is newer than it. */
export function buildIfNeeded(log: (line: string) => void): void {
	const built = existsSync('build/handler.js') ? statSync('build/handler.js').mtimeMs : 0;
	const sources = Math.max(
		...['src', 'static', 'migrations', 'svelte.config.js', 'vite.config.ts', 'package.json'].map(
			newestMtime
		)
	);
	if (built && built >= sources) return;
	log(
		built
			? 'Sources changed since the last build; building…'
			: 'No build yet; building the app (about a minute)…'
	);
	// The build tool's own lines (its advice to run `npm run preview`, notes about comments in
	// dependencies) mean nothing to whoever runs the exams: they are shown only if the build fails.
	const r = spawnSync(
		process.execPath,
		['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'error'],
		{ encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }
	);
	if (r.status !== 0) {
		process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
		throw new Error('The build failed (see above)');
	}
	log('Built the app.');
}
