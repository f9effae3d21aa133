import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

import { databaseUrlFor } from '../helpers/pg-admin.js';
import type { AuthzFixtures } from './authz-seed.js';
import { freePort } from './global-setup.js';

/**
 * The built app on a database of its own, for specs whose requests change records other specs rely
 * on (the authorisation matrix runs every form action as every role). It is started as `npm start`
 * starts it, after authz-seed.ts has prepared the database (migrations, the bank, the demo) and
 * added the matrix's fixtures. On PostgreSQL when DATABASE_URL is set, else embedded PGlite.
 */
export interface OwnApp {
	baseURL: string;
	fixtures: AuthzFixtures;
	/** Everything the app process printed (its warnings and errors: a 5xx is logged there). */
	output(): string;
	stop(): Promise<void>;
}

function run(child: ChildProcess): { output: () => string; exited: Promise<number | null> } {
	let out = '';
	child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
	child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
	return { output: () => out, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

export async function startOwnApp(): Promise<OwnApp> {
	const port = await freePort();
	const dataDir = mkdtempSync(join(tmpdir(), 'exam-authz-'));
	const env: NodeJS.ProcessEnv = {
		...process.env,
		PORT: String(port),
		HOST: '127.0.0.1',
		DATA_DIR: join(dataDir, 'db'),
		LOG_LEVEL: 'warn'
	};
	let dropDatabase = async () => {};
	if (process.env.DATABASE_URL) {
		const name = `exam_authz_${process.pid}`;
		const admin = async (sql: string) => {
			const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
			await c.connect();
			try {
				await c.query(sql);
			} finally {
				await c.end();
			}
		};
		await admin(`drop database if exists ${name} with (force)`);
		await admin(`create database ${name}`);
		env.DATABASE_URL = databaseUrlFor(process.env.DATABASE_URL, name);
		dropDatabase = () => admin(`drop database if exists ${name} with (force)`);
	}

	const seeding = run(
		spawn(process.execPath, ['--import', 'tsx', 'tests/e2e/authz-seed.ts'], {
			env,
			stdio: ['ignore', 'pipe', 'pipe']
		})
	);
	const code = await seeding.exited;
	const line = /^AUTHZ_FIXTURES (.*)$/m.exec(seeding.output())?.[1];
	if (code !== 0 || !line)
		throw new Error(`Preparing the matrix's database failed (${code}):\n${seeding.output()}`);
	const fixtures = JSON.parse(line) as AuthzFixtures;

	const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start'], {
		env,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	const app = run(child);
	await new Promise<void>((resolve, reject) => {
		const onData = () => {
			if (app.output().includes('Listening on')) resolve();
		};
		child.stdout!.on('data', onData);
		void app.exited.then((c) =>
			reject(new Error(`The app exited (${c}) before listening:\n${app.output()}`))
		);
	});
	return {
		baseURL: `http://127.0.0.1:${port}`,
		fixtures,
		output: app.output,
		stop: async () => {
			child.kill('SIGTERM');
			await app.exited;
			rmSync(dataDir, { recursive: true, force: true });
			await dropDatabase();
		}
	};
}
