import { parseArgs } from 'node:util';

import { parseDateRange } from '../lib/domain/result-report.js';
import { createStaffAccount } from '../lib/server/accounts/staff.js';
import { SYSTEM_ACTOR, writeAudit } from '../lib/server/audit/index.js';
import { unlockStaffSignIn } from '../lib/server/auth/sign-in.js';
import { findCentreByNumber } from '../lib/server/centres/centres.js';
import {
	databaseConfigFromEnv,
	openDatabase,
	type DatabaseHandle,
	type DatabaseRole
} from '../lib/server/db/index.js';
import { migrateToLatest } from '../lib/server/db/migrate.js';
import { currentUser, DEFAULT_APP_ROLE } from '../lib/server/db/roles.js';
import { AppError } from '../lib/server/errors.js';
import { backupPGlite, restorePGlite } from '../lib/server/ops/backup.js';
import { releasedResultsInRange } from '../lib/server/reports/centre-results.js';
import { resultsCsv } from '../lib/server/reports/results-csv.js';
import { bankCheck, bankImport, resultsExplain } from './bank.js';
import { buildIfNeeded } from './build-if-needed.js';
import {
	formatDemoCredentials,
	formatFinishedSitting,
	generateReadablePassword,
	isDatabaseEmpty,
	seedDemo
} from './demo/index.js';
import { serveBuild } from './serve.js';

const USAGE = `Usage: npm run cli -- <command>

  migrate                     run database migrations
  prepare                     migrate, import the question bank, create demo data if the database is empty
  bank check                  validate questions/ and print a coverage table per paper
  bank import                 import questions/ (idempotent; changed papers get a new version)
  results explain --paper CODE --marks FILE
                              grade a marks file with the result rules; prints one JSON line. Uses the
                              imported paper and its current boundaries when the database has it
                              (as the app grades), otherwise questions/; stderr says which
  results export --centre-number C [--from YYYY-MM-DD] [--to YYYY-MM-DD]
                              print a centre's released results as CSV (the centre's own download:
                              columns in README.md, "Results CSV"); sittings held in the days given
  start                       build if needed, prepare, then serve on HOST:PORT
  user add --email E --name N --role R [--centre-number C]
                              create a staff account; prints a generated password
  user unlock --email E       let an account locked by failed sign-ins try again now (audited)
  backup FILE                 embedded PGlite: copy the stopped app's database (DATA_DIR) into FILE
                              (a .tar.gz); with DATABASE_URL it says how to use pg_dump instead
  restore FILE [--force]      embedded PGlite: put a backup back into DATA_DIR (the app stopped; over
                              a folder that is not empty only with --force, which keeps the old one)

Environment: DATABASE_URL (PostgreSQL; unset = embedded PGlite in DATA_DIR, default ./data),
DATABASE_OWNER_URL (migrations; unset = DATABASE_URL's user), DATABASE_APP_ROLE (the role the app
logs in as, exam_app), DATABASE_APP_PASSWORD, PORT (3000), HOST (0.0.0.0), ORIGIN (the public URL,
when behind a proxy), METRICS_TOKEN (bearer token for /metrics), SHUTDOWN_TIMEOUT_MS (10000),
PGLITE_FSYNC (off = PGlite's own setting, commits not synced to disk).`;

const PG_DUMP_ADVICE = `DATABASE_URL is set: the database is PostgreSQL, whose own tools back it up while the app runs:

  pg_dump --format=custom --file=exam.dump "$DATABASE_OWNER_URL"      (or DATABASE_URL, as the owner)
  pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_OWNER_URL" exam.dump
  npm run cli -- migrate                                                (grants the app role again)

README.md, "Operations", says more. This command backs up the embedded PGlite database only.`;

const log = (line: string) => console.log(line);

/**
 * The commands here are the operator's: they migrate first, so they log in as the owner. The served
 * app logs in as the app role (src/lib/server/ops/database.ts).
 */
async function withDatabase<T>(
	fn: (h: DatabaseHandle) => Promise<T>,
	role: DatabaseRole = 'owner'
): Promise<T> {
	const handle = await openDatabase(databaseConfigFromEnv(), role);
	try {
		return await fn(handle);
	} finally {
		await handle.close();
	}
}

async function migrate(h: DatabaseHandle): Promise<void> {
	const results = await migrateToLatest(h.db);
	const applied = results.filter((r) => r.status === 'Success');
	log(
		applied.length
			? `Migrated: ${applied.map((r) => r.migrationName).join(', ')}`
			: 'Database schema is up to date.'
	);
}

async function prepare(h: DatabaseHandle): Promise<void> {
	const config = databaseConfigFromEnv();
	const where =
		h.kind === 'pglite'
			? `embedded PGlite in ${config.dataDir}`
			: `PostgreSQL (DATABASE_URL): migrations as "${await currentUser(h.db)}", the app as "${config.appRole ?? DEFAULT_APP_ROLE}"`;
	log(`Database: ${where}`);
	await migrate(h);
	await bankImport(h);
	if (await isDatabaseEmpty(h.db)) {
		const demo = await seedDemo(h.db);
		log('');
		log('Demo data created. Staff sign-in (shown once; keep them):');
		for (const line of formatDemoCredentials(demo)) log(line);
		if (demo.sitting) {
			log(
				`Demo sitting: ${demo.sitting.paperCode} in ${demo.sitting.room}, ready to start (invigilator console: /invigilate).`
			);
			log(
				`  candidates: centre 900001 / candidate ${demo.candidates.map((c) => c.candidateNumber).join(', ')} / keycode ${demo.sitting.keycode}`
			);
		}
		if (demo.results) {
			log(
				`Demo results: ${demo.results.name} (candidate ${demo.results.candidateNumber}, born ${demo.results.dateOfBirth}) has a released result on ${demo.results.paperCode}.`
			);
			log(
				'  The centre issues her results access code on her record; she signs in at /results. The centre may ask for a review of marking there.'
			);
		}
		if (demo.finished) log(formatFinishedSitting(demo.finished));
		if (demo.awarding) {
			log(
				`Demo results: ${demo.awarding.paperCode} sat by ${demo.awarding.candidates} candidates of centre ${demo.awarding.centreNumber}, marked, awaiting awarding (/admin/awarding).`
			);
		}
		log('');
	} else {
		log('Demo data already present (sign-in details were printed when it was created).');
	}
}

async function main(argv: string[]): Promise<number> {
	const [command, ...rest] = argv;
	switch (command) {
		case 'migrate':
			await withDatabase(migrate);
			return 0;
		case 'prepare':
			await withDatabase(prepare);
			return 0;
		case 'start': {
			const workers = Math.max(1, Number(process.env.WEB_CONCURRENCY || 1));
			if (workers > 1 && !process.env.DATABASE_URL)
				throw new AppError(
					'WEB_CONCURRENCY above 1 needs DATABASE_URL (embedded PGlite serves one process)',
					400
				);
			// A forked app process only serves; the primary has built, migrated and prepared.
			if (!process.env.EXAM_APP_WORKER) {
				buildIfNeeded(log);
				// The embedded database allows one process; close it before the server opens its own.
				await withDatabase(prepare);
				// Log in once as the app role before serving: a missing role or password then stops the
				// start with what to do, instead of failing every request.
				if (process.env.DATABASE_URL) await withDatabase(async () => {}, 'app');
				process.env.EXAM_APP_WORKER = '1';
			}
			await serveBuild({
				port: Number(process.env.PORT || 3000),
				host: process.env.HOST || '0.0.0.0',
				workers
			});
			return -1;
		}
		case 'backup':
		case 'restore': {
			const { values, positionals } = parseArgs({
				args: rest,
				allowPositionals: true,
				options: { force: { type: 'boolean' } }
			});
			if (process.env.DATABASE_URL) {
				console.error(PG_DUMP_ADVICE);
				return 2;
			}
			const file = positionals[0];
			if (!file || positionals.length > 1 || (command === 'backup' && values.force)) break;
			const { dataDir } = databaseConfigFromEnv();
			if (command === 'backup') {
				const r = await backupPGlite(dataDir, file);
				log(`Backed up ${dataDir} to ${r.file} (${(r.bytes / 1024 / 1024).toFixed(1)} MB).`);
				return 0;
			}
			const r = await restorePGlite(file, dataDir, { force: values.force });
			log(
				`Restored ${file} into ${r.dataDir} (${r.migrations} migrations recorded; the next start applies any newer ones).`
			);
			if (r.previous)
				log(
					`The folder it replaced is kept as ${r.previous}: delete it once the restored database is checked.`
				);
			return 0;
		}
		case 'bank': {
			if (rest[0] === 'check') return bankCheck();
			if (rest[0] === 'import') {
				return withDatabase(async (h) => {
					await migrateToLatest(h.db);
					const bank = await bankImport(h);
					return bank.problems.length ? 1 : 0;
				});
			}
			break;
		}
		case 'results': {
			const { values, positionals } = parseArgs({
				args: rest,
				allowPositionals: true,
				options: {
					paper: { type: 'string' },
					marks: { type: 'string' },
					'centre-number': { type: 'string' },
					from: { type: 'string' },
					to: { type: 'string' }
				}
			});
			if (positionals[0] === 'explain' && values.paper && values.marks)
				return resultsExplain(values.paper, values.marks);
			if (positionals[0] === 'export' && values['centre-number']) {
				const range = parseDateRange(values.from ?? null, values.to ?? null);
				if (!range.ok) throw new AppError(range.message, 400);
				return withDatabase(async (h) => {
					await migrateToLatest(h.db);
					const centre = await findCentreByNumber(h.db, values['centre-number']!);
					if (!centre) throw new AppError(`No centre numbered ${values['centre-number']}`, 400);
					const rows = await releasedResultsInRange(h.db, centre.id, range.range);
					await writeAudit(h.db, SYSTEM_ACTOR, {
						action: 'document.results_csv',
						centreId: centre.id,
						subjectType: 'centre',
						subjectId: centre.id,
						details: { ...range.range, rows: rows.length, via: 'command line' }
					});
					process.stdout.write(resultsCsv(rows));
					return 0;
				});
			}
			break;
		}
		case 'user': {
			const { values, positionals } = parseArgs({
				args: rest,
				allowPositionals: true,
				options: {
					email: { type: 'string' },
					name: { type: 'string' },
					role: { type: 'string' },
					'centre-number': { type: 'string' }
				}
			});
			if (positionals[0] === 'unlock') {
				if (!values.email) break;
				return withDatabase(async (h) => {
					await migrateToLatest(h.db);
					await unlockStaffSignIn(h.db, SYSTEM_ACTOR, values.email!);
					log(`Sign-in unlocked for ${values.email}`);
					return 0;
				});
			}
			if (positionals[0] !== 'add') break;
			return withDatabase(async (h) => {
				await migrateToLatest(h.db);
				let centreId: string | undefined;
				if (values['centre-number']) {
					const c = await findCentreByNumber(h.db, values['centre-number']);
					if (!c) throw new AppError(`No centre numbered ${values['centre-number']}`, 400);
					centreId = c.id;
				}
				const password = generateReadablePassword();
				await createStaffAccount(h.db, SYSTEM_ACTOR, {
					email: values.email,
					display_name: values.name,
					role: values.role,
					centre_id: centreId,
					password
				});
				log(`  ${values.role}: ${values.email} / ${password}`);
				return 0;
			});
		}
	}
	console.error(USAGE);
	return 2;
}

main(process.argv.slice(2)).then(
	(code) => {
		if (code >= 0) process.exit(code);
	},
	(err: unknown) => {
		console.error(err instanceof AppError ? `Error: ${err.message}` : err);
		process.exit(1);
	}
);
