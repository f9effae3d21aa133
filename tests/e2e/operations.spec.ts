import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { pgliteClusterState } from '../../src/lib/server/db/pglite-files.js';

/**
 * The real app process (npm start's command) on an embedded PGlite folder of its own: a SIGTERM
 * stops it within the time limit with exit code 0 and leaves the database shut down cleanly, so the
 * next start needs no recovery; a kill -9 leaves it 'in production', and the next start recovers
 * it (and says so).
 */
const root = mkdtempSync(join(tmpdir(), 'exam-ops-e2e-'));
const dataDir = join(root, 'db');
afterAll(() => rmSync(root, { recursive: true, force: true }));

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.listen(0, '127.0.0.1', () => {
			const port = (s.address() as { port: number }).port;
			s.close(() => resolve(port));
		});
		s.on('error', reject);
	});
}

interface App {
	child: ChildProcess;
	port: number;
	output: () => string;
	exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

async function startApp(): Promise<App> {
	const port = await freePort();
	const env: NodeJS.ProcessEnv = {
		...process.env,
		PORT: String(port),
		HOST: '127.0.0.1',
		DATA_DIR: dataDir,
		LOG_LEVEL: 'warn'
	};
	delete env.DATABASE_URL;
	const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start'], {
		env,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
	child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
	const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
		(resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() }))
	);
	await new Promise<void>((resolve, reject) => {
		const onData = () => {
			if (output.includes('Listening on')) resolve();
		};
		child.stdout!.on('data', onData);
		void exited.then(({ code }) =>
			reject(new Error(`The app exited (${code}) before listening:\n${output}`))
		);
	});
	return { child, port, output: () => output, exited };
}

describe('stopping the app (embedded PGlite)', () => {
	it('SIGTERM: exit 0 within the time limit, database shut down cleanly, next start without recovery; kill -9: recovery', async () => {
		const a = await startApp();
		const ready = await fetch(`http://127.0.0.1:${a.port}/readyz`, {
			headers: { 'x-request-id': 'ops-e2e-1' }
		});
		expect([ready.status, ready.headers.get('x-request-id')]).toEqual([200, 'ops-e2e-1']);
		expect(pgliteClusterState(dataDir)).toBe('in production');
		const sent = Date.now();
		a.child.kill('SIGTERM');
		const stopped = await a.exited;
		expect(stopped.code).toBe(0);
		expect(stopped.at - sent).toBeLessThan(10_000);
		expect(pgliteClusterState(dataDir)).toBe('shut down');

		const b = await startApp();
		expect(b.output()).not.toContain('not shut down cleanly');
		expect((await fetch(`http://127.0.0.1:${b.port}/healthz`)).status).toBe(200);
		b.child.kill('SIGKILL');
		expect((await b.exited).signal).toBe('SIGKILL');
		expect(pgliteClusterState(dataDir)).toBe('in production');

		const c = await startApp();
		expect(c.output()).toContain('the embedded database was not shut down cleanly');
		expect((await fetch(`http://127.0.0.1:${c.port}/readyz`)).status).toBe(200);
		c.child.kill('SIGTERM');
		expect((await c.exited).code).toBe(0);
		expect(pgliteClusterState(dataDir)).toBe('shut down');
	}, 600_000);
});
