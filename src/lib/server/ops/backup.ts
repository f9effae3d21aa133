import {
	closeSync,
	existsSync,
	fsyncSync,
	openSync,
	readdirSync,
	readFileSync,
	renameSync,
	rmSync,
	statSync,
	writeFileSync
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';

import { openPGlite } from '../db/index.js';
import {
	dataDirHolder,
	DurableNodeFS,
	durableStartParams,
	lockFileName
} from '../db/pglite-files.js';
import { AppError } from '../errors.js';

function fsyncPath(path: string): void {
	const fd = openSync(path, 'r');
	try {
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
}

/** fsync every file and folder under `dir` (files PGlite wrote without syncing: a restored tarball). */
function fsyncTree(dir: string): void {
	for (const name of readdirSync(dir)) {
		const p = join(dir, name);
		if (statSync(p).isDirectory()) fsyncTree(p);
		else fsyncPath(p);
	}
	fsyncPath(dir);
}

function refuseIfInUse(dataDir: string): void {
	const holder = dataDirHolder(dataDir);
	if (holder !== null) {
		throw new AppError(
			`The data folder ${dataDir} is in use by process ${holder} (the app is running). Stop the app first (it stops cleanly on SIGTERM or Ctrl+C), then run this again.`,
			409
		);
	}
}

export interface BackupResult {
	file: string;
	bytes: number;
}

/**
 * A copy of the embedded database taken safely: the app must be stopped (PGlite belongs to one
 * process, and a copy of files under a running database is not consistent). The folder is opened
 * here, checkpointed (every change in the data files, not only in the WAL), and written as a
 * gzipped tarball of the whole data folder (PGlite's dumpDataDir), to `file.partial` first, synced,
 * then renamed: a backup cut short never looks complete.
 */
export async function backupPGlite(dataDir: string, file: string): Promise<BackupResult> {
	if (!existsSync(join(dataDir, 'PG_VERSION')))
		throw new AppError(`No database in ${dataDir} (set DATA_DIR to the app's data folder)`, 400);
	refuseIfInUse(dataDir);
	const target = resolve(file);
	if (!existsSync(dirname(target)))
		throw new AppError(`No folder ${dirname(target)} to write the backup in`, 400);
	const h = await openPGlite(dataDir);
	try {
		await sql`checkpoint`.execute(h.db);
		const tarball = await h.pglite!.dumpDataDir('gzip');
		const bytes = new Uint8Array(await tarball.arrayBuffer());
		const partial = `${target}.partial`;
		writeFileSync(partial, bytes);
		fsyncPath(partial);
		renameSync(partial, target);
		fsyncPath(dirname(target));
		return { file: target, bytes: bytes.length };
	} finally {
		await h.close();
	}
}

export interface RestoreResult {
	dataDir: string;
	/** Where the folder that was replaced now is (only with force over an existing database). */
	previous: string | null;
	migrations: number;
}

/** The backup's tar archive (gunzipped), or a 400 saying the file is not one. */
function unpackedBackup(file: string): Buffer {
	let tar: Buffer;
	try {
		tar = gunzipSync(readFileSync(file));
	} catch (err) {
		throw new AppError(
			`${file} is not a backup this command can restore (not a gzip file: ${(err as Error).message})`,
			400
		);
	}
	// Every tar header block carries "ustar" at byte 257.
	if (tar.length < 512 || tar.subarray(257, 262).toString('latin1') !== 'ustar')
		throw new AppError(`${file} is not a backup this command can restore (not a tar archive)`, 400);
	return tar;
}

/**
 * Restores a backup made by backupPGlite into `dataDir`. Refused while the app runs on that folder,
 * and over a folder that already holds anything unless `force`; then the old folder is kept beside
 * it (renamed, never deleted: the operator removes it once happy). The backup is unpacked into a
 * sibling folder, opened (PostgreSQL replays the WAL after the backup's checkpoint), checked to
 * hold this app's database, closed cleanly and synced; only then does it take the folder's place.
 */
export async function restorePGlite(
	file: string,
	dataDir: string,
	opts: { force?: boolean } = {}
): Promise<RestoreResult> {
	if (!existsSync(file) || !statSync(file).isFile())
		throw new AppError(`No backup file ${file}`, 400);
	const dir = resolve(dataDir);
	refuseIfInUse(dir);
	const occupied = existsSync(dir) && readdirSync(dir).length > 0;
	if (occupied && !opts.force) {
		throw new AppError(
			`${dir} is not empty: restoring would replace the database in it. Add --force to replace it (the folder as it is now is kept beside it, renamed).`,
			409
		);
	}
	const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
	const staging = join(dirname(dir), `${basename(dir)}.restoring-${stamp}`);
	rmSync(staging, { recursive: true, force: true });
	let migrations = 0;
	try {
		// Unpacked here, not by PGlite: its gzip stream leaves a bad file's error unhandled (a crash in
		// a long-running process), and a file that is not a tar archive is refused before anything starts.
		const tar = unpackedBackup(file);
		const tarball = new Blob([new Uint8Array(tar)], { type: 'application/x-tar' });
		let pg: PGlite;
		try {
			pg = await PGlite.create({
				fs: new DurableNodeFS(staging),
				startParams: durableStartParams(),
				loadDataDir: tarball
			});
		} catch (err) {
			throw new AppError(
				`${file} is not a backup this command can restore (${(err as Error).message})`,
				400
			);
		}
		try {
			// The backup's own lock file names a process of the day it was taken.
			rmSync(join(staging, lockFileName), { force: true });
			const r = await pg.query<{ n: number }>('select count(*)::int as n from kysely_migration');
			migrations = r.rows[0]!.n;
		} catch {
			throw new AppError(
				`${file} holds a database, but not this app's (no migrations recorded)`,
				400
			);
		} finally {
			await pg.close();
		}
		fsyncTree(staging);
	} catch (err) {
		rmSync(staging, { recursive: true, force: true });
		throw err;
	}
	let previous: string | null = null;
	if (existsSync(dir)) {
		if (occupied) {
			previous = join(dirname(dir), `${basename(dir)}.before-restore-${stamp}`);
			renameSync(dir, previous);
		} else rmSync(dir, { recursive: true, force: true });
	}
	renameSync(staging, dir);
	fsyncPath(dirname(dir));
	return { dataDir: dir, previous, migrations };
}
