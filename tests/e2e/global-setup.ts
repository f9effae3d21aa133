import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { stringify } from 'yaml';

import { validPaper, validUnit } from '../helpers/bank-fixture.js';
import { databaseUrlFor } from '../helpers/pg-admin.js';

export interface E2EContext {
	baseURL: string;
	bankDir: string;
	demoKeycode: string;
	accounts: Record<string, { email: string; password: string }>;
	startOutput: string;
	/** The app's PostgreSQL database when the run has DATABASE_URL (a spec may read it to check what a page shows); null on embedded PGlite, which the app process holds alone. */
	databaseUrl: string | null;
}

declare module 'vitest' {
	export interface ProvidedContext {
		e2e: E2EContext;
	}
}

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.listen(0, '127.0.0.1', () => {
			const port = (s.address() as { port: number }).port;
			s.close(() => resolve(port));
		});
		s.on('error', reject);
	});
}

/**
 * The real bank plus short test units, so a whole sitting fits in a browser test: 8992-901 (1
 * minute's reading, 10 minutes), 8992-902 (no reading, 1 minute: the deadline test), 8992-903
 * (no reading, 10 minutes: quality control's own) and 8992-905 (no reading, 10 minutes: first marking's own, whose
 * candidates answer as soon as it starts).
 */
function e2eBank(root: string): string {
	const dir = join(root, 'bank');
	cpSync('questions', dir, { recursive: true });
	for (const [unitCode, duration, reading] of [
		['8992-901', 10, 1],
		['8992-902', 1, 0],
		// Quality control's spec: a paper of its own, so other specs' unmarked scripts never hold up its second marking.
		// No reading time: its candidates write an answer to every question (all are marked above 0).
		['8992-903', 10, 0],
		['8992-905', 10, 0]
	] as const) {
		const unit = {
			...validUnit(),
			unit: unitCode,
			title: `Test unit ${unitCode}`,
			exam: { duration_minutes: duration, reading_minutes: reading }
		};
		const paper = {
			...validPaper(),
			code: `${unitCode}-T`,
			unit: unitCode,
			title: `Browser test paper ${unitCode}`,
			// Live: only a live paper can be booked for an examination.
			kind: 'live',
			duration_minutes: duration,
			reading_minutes: reading
		};
		writeFileSync(join(dir, 'units', `${unitCode}.yaml`), stringify(unit));
		mkdirSync(join(dir, unitCode));
		writeFileSync(join(dir, unitCode, `${unitCode}-T.yaml`), stringify(paper));
	}
	// Mocks' spec: a practice paper with no reading time, so a candidate answers as soon as the mock starts.
	const practiceUnit = {
		...validUnit(),
		unit: '8992-904',
		title: 'Test unit 8992-904',
		exam: { duration_minutes: 10, reading_minutes: 0 }
	};
	const practice = {
		...validPaper(),
		code: '8992-904-P',
		unit: '8992-904',
		kind: 'practice',
		title: 'Browser practice paper 8992-904',
		duration_minutes: 10,
		reading_minutes: 0
	};
	writeFileSync(join(dir, 'units', '8992-904.yaml'), stringify(practiceUnit));
	mkdirSync(join(dir, '8992-904'));
	writeFileSync(join(dir, '8992-904', '8992-904-P.yaml'), stringify(practice));
	return dir;
}

export default async function setup(project: TestProject) {
	const port = await freePort();
	const dataDir = mkdtempSync(join(tmpdir(), 'exam-e2e-'));
	const bankDir = e2eBank(dataDir);
	const env: NodeJS.ProcessEnv = {
		...process.env,
		PORT: String(port),
		HOST: '127.0.0.1',
		DATA_DIR: join(dataDir, 'db'),
		BANK_DIR: bankDir,
		LOG_LEVEL: 'warn'
	};
	let dropDatabase: (() => Promise<void>) | null = null;
	if (process.env.DATABASE_URL) {
		const name = `exam_e2e_${process.pid}`;
		const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
		await admin.connect();
		await admin.query(`drop database if exists ${name} with (force)`);
		await admin.query(`create database ${name}`);
		await admin.end();
		env.DATABASE_URL = databaseUrlFor(process.env.DATABASE_URL, name);
		dropDatabase = async () => {
			const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
			await c.connect();
			await c.query(`drop database if exists ${name} with (force)`);
			await c.end();
		};
	}

	const child: ChildProcess = spawn(
		process.execPath,
		['--import', 'tsx', 'src/cli/main.ts', 'start'],
		{ env, stdio: ['ignore', 'pipe', 'pipe'] }
	);
	let output = '';
	child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
	child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
	await new Promise<void>((resolve, reject) => {
		const onData = () => {
			if (output.includes('Listening on')) resolve();
		};
		child.stdout!.on('data', onData);
		child.once('exit', (code) =>
			reject(new Error(`The app exited (${code}) before listening:\n${output}`))
		);
	});

	const accounts: E2EContext['accounts'] = {};
	for (const m of output.matchAll(/^ {2}(\w+): (\S+@\S+) \/ (\S+)$/gm))
		accounts[m[1]!] = { email: m[2]!, password: m[3]! };
	if (!accounts.marker) throw new Error(`No demo accounts were printed by npm start:\n${output}`);

	const demoKeycode = /keycode ([A-Z0-9]{6})/.exec(output)?.[1];
	if (!demoKeycode) throw new Error(`npm start printed no demo sitting keycode:\n${output}`);
	project.provide('e2e', {
		baseURL: `http://127.0.0.1:${port}`,
		bankDir,
		demoKeycode,
		accounts,
		startOutput: output,
		databaseUrl: env.DATABASE_URL ?? null
	});

	return async () => {
		child.kill('SIGTERM');
		await new Promise((r) => child.once('exit', r));
		rmSync(dataDir, { recursive: true, force: true });
		await dropDatabase?.();
	};
}
