import {
	closeSync,
	existsSync,
	fsyncSync,
	openSync,
	readFileSync,
	rmSync,
	writeFileSync
} from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

import { AppError } from '../errors.js';

/**
 * PGlite's data folder made durable. Out of the box PGlite 0.5 starts PostgreSQL with `-F` (fsync
 * off), and even with fsync on its Node filesystem (Emscripten's NODEFS) has no fsync at all and
 * `fdatasync` is a stub that does nothing: a commit reaches the kernel's page cache (it survives a
 * crash of the process) but not the disk (a power cut or kernel crash may lose it). Here fsync goes
 * to the real file, PostgreSQL runs with fsync on and syncs its WAL with fsync() at every commit,
 * so a commit is on disk before the query that made it returns. The cost is measured by
 * `npm run bench:durability`.
 */
export class DurableNodeFS extends NodeFS {
	override async init(pg: PGlite, opts: Parameters<NodeFS['init']>[1]): ReturnType<NodeFS['init']> {
		const result = await super.init(pg, opts);
		const preRun = result.emscriptenOpts.preRun ?? [];
		result.emscriptenOpts.preRun = [
			...(Array.isArray(preRun) ? preRun : [preRun]),
			(mod: { NODEFS: { stream_ops: { fsync?: (stream: { nfd?: number }) => number } } }) => {
				// Every NODEFS file shares this one stream_ops object; Emscripten's fd_sync calls it.
				mod.NODEFS.stream_ops.fsync = (stream) => {
					if (stream.nfd !== undefined) fsyncSync(stream.nfd);
					return 0;
				};
			}
		];
		return result;
	}
}

/** PGlite's start parameters with fsync on and the WAL synced by fsync() (the one sync call NODEFS now honours). */
export function durableStartParams(): string[] {
	return [...PGlite.defaultStartParams.filter((p) => p !== '-F'), '-c', 'wal_sync_method=fsync'];
}

/** PostgreSQL's DBState (src/include/catalog/pg_control.h), stored in global/pg_control. */
export type ClusterState =
	| 'starting up'
	| 'shut down'
	| 'shut down in recovery'
	| 'shutting down'
	| 'in crash recovery'
	| 'in archive recovery'
	| 'in production';
const STATES: ClusterState[] = [
	'starting up',
	'shut down',
	'shut down in recovery',
	'shutting down',
	'in crash recovery',
	'in archive recovery',
	'in production'
];

/**
 * What pg_controldata calls "Database cluster state": 'shut down' after a clean stop (the next
 * start needs no recovery), 'in production' while open or after a crash (the next start replays the
 * WAL). Read from the control file: ControlFileData starts with system_identifier (8 bytes),
 * pg_control_version and catalog_version_no (4 each), then the state (a 4-byte enum, little-endian
 * in WebAssembly). Null when the folder holds no database.
 */
export function pgliteClusterState(dataDir: string): ClusterState | null {
	const file = join(dataDir, 'global', 'pg_control');
	if (!existsSync(file)) return null;
	const state = readFileSync(file).readUInt32LE(16);
	return STATES[state] ?? null;
}

/** The lock file, in the data folder itself (so it goes wherever the folder goes). */
export const lockFileName = 'exam-app.pid';

/** The pid of the live process holding the data folder, or null (none, or one that died without removing its lock). */
export function dataDirHolder(dataDir: string): number | null {
	const file = join(dataDir, lockFileName);
	if (!existsSync(file)) return null;
	const pid = Number(readFileSync(file, 'utf8').trim());
	if (!Number.isInteger(pid) || pid <= 0) return null;
	if (pid === process.pid) return pid;
	try {
		process.kill(pid, 0);
		return pid;
	} catch (err) {
		// EPERM: alive but another user's process.
		return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
	}
}

/** Data folders this process has open: a second opener in the same process is refused too. */
const openHere = new Set<string>();

/**
 * PGlite has no lock of its own: two processes on one folder would corrupt it. The process that
 * opens the folder writes its pid here and removes it when it closes the database; a second opener
 * (another app, a backup, a restore) is refused while that process lives.
 */
export function lockDataDir(dataDir: string): () => void {
	const key = resolve(dataDir);
	const lockedHere = openHere.has(key);
	const holder = lockedHere ? process.pid : dataDirHolder(dataDir);
	if (lockedHere || (holder !== null && holder !== process.pid)) {
		throw new AppError(
			`The data folder ${dataDir} is in use by process ${holder} (the app, or a backup): embedded PGlite serves one process. Stop it first.`,
			409
		);
	}
	const file = join(dataDir, lockFileName);
	writeFileSync(file, `${process.pid}\n`);
	const fd = openSync(file, 'r');
	fsyncSync(fd);
	closeSync(fd);
	openHere.add(key);
	return () => {
		openHere.delete(key);
		rmSync(file, { force: true });
	};
}
