import { mkdirSync } from 'node:fs';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';
import { Kysely, PostgresDialect, sql, type LogConfig } from 'kysely';
import pg from 'pg';

import { AppError } from '../errors.js';
import { logger } from '../log.js';
import { PGliteDialect } from './pglite-dialect.js';
import {
	DurableNodeFS,
	durableStartParams,
	lockDataDir,
	pgliteClusterState
} from './pglite-files.js';
import { PreparingClient } from './preparing-client.js';
import { appRoleFromEnv, DEFAULT_APP_ROLE } from './roles.js';
import type { Database } from './schema.js';

export type { Database } from './schema.js';

/**
 * What every repository and service takes first: the pool or a transaction (Kysely's `Transaction`
 * extends `Kysely`, so one type covers both).
 */
export type Db = Kysely<Database>;

/**
 * Work to finish before a handle closes, registered by the layers above (the live publisher sends
 * what it gathered: a notice after the close would fail). The database knows nothing of them.
 */
const closeHooks = new WeakMap<Kysely<Database>, Set<() => Promise<void>>>();

/** Runs `hook` (once) before `db`'s handle closes. */
export function beforeClose(db: Kysely<Database>, hook: () => Promise<void>): void {
	let hooks = closeHooks.get(db);
	if (!hooks) closeHooks.set(db, (hooks = new Set()));
	hooks.add(hook);
}

async function runCloseHooks(db: Kysely<Database>): Promise<void> {
	const hooks = closeHooks.get(db);
	closeHooks.delete(db);
	for (const hook of hooks ?? []) await hook();
}

export interface PoolStats {
	total: number;
	idle: number;
	waiting: number;
}

export interface DatabaseHandle {
	db: Kysely<Database>;
	kind: 'postgres' | 'pglite';
	/** Where live changes are heard (src/lib/server/live): a connection string for a dedicated LISTEN connection, or the embedded instance. */
	live: LiveSource;
	close(): Promise<void>;
	/** The pool's connections (PostgreSQL only): for the metrics. */
	poolStats?(): PoolStats;
	/** The embedded database itself (PGlite only): for backups. */
	pglite?: PGlite;
}

export type LiveSource =
	{ kind: 'postgres'; connectionString: string } | { kind: 'pglite'; pglite: PGlite };

const INT8_OID = 20;
const DATE_OID = 1082;

/**
 * Both drivers must hand back the same JavaScript values: bigint ids as numbers (identity columns
 * stay far below 2^53) and `date` columns as 'YYYY-MM-DD' strings (a Date would shift by time zone).
 */
function pgTypeParser(oid: number, format?: string): (value: string) => unknown {
	if (oid === INT8_OID) return (v: string) => Number(v);
	if (oid === DATE_OID) return (v: string) => v;
	return pg.types.getTypeParser(oid, format as 'text');
}

/** `log`: Kysely's query log (the marking bench copies the app's statements from it into pgbench). */
export function openPostgres(
	connectionString: string,
	max = 10,
	prepareStatements = process.env.DB_PREPARED_STATEMENTS !== 'off',
	log?: LogConfig
): DatabaseHandle {
	const pool = new pg.Pool({
		connectionString,
		max,
		types: { getTypeParser: pgTypeParser as typeof pg.types.getTypeParser },
		...(prepareStatements ? { Client: PreparingClient } : {})
	});
	// An idle connection the server ends (a restart, a failover, an administrator) makes the pool emit
	// 'error'; unheard, that event would crash the process. The pool drops that client and opens a
	// new one on the next query, so it is logged and survived.
	pool.on('error', (err) =>
		logger.warn({ err }, 'an idle database connection was closed by the server')
	);
	// The pool listens only while a connection is idle. One the server ends while it is checked out
	// between two statements (a transaction's, or a query being prepared) emitted 'error' with no
	// listener, which killed the process: a PostgreSQL restart under load took the app down with it
	// (found by the fault tests, issue 14). Heard here, the connection's next query fails instead
	// (the request answers 503, see databaseUnavailable) and the pool drops it on release.
	pool.on('connect', (client) => {
		client.on('error', (err) =>
			logger.warn({ err }, 'a database connection in use was closed by the server')
		);
		endWhenTerminated(client);
	});
	const db = new Kysely<Database>({
		dialect: new PostgresDialect({ pool }),
		...(log ? { log } : {})
	});
	return {
		db,
		kind: 'postgres',
		live: { kind: 'postgres', connectionString },
		close: async () => {
			await runCloseHooks(db);
			await db.destroy();
		},
		poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount })
	};
}

export interface PGliteOptions {
	/**
	 * Commits on disk before they are acknowledged (default). `false` is PGlite's own setting (fsync
	 * off): a commit survives a crash of the process but not of the machine. PGLITE_FSYNC=off
	 * chooses it for the app; the durability bench compares the two.
	 */
	durable?: boolean;
	/** Start from a dump of another PGlite's data folder (the test suite's migrated template) instead of an empty database. */
	loadDataDir?: Blob;
}

/** dataDir undefined → an in-memory database (tests). */
export async function openPGlite(
	dataDir?: string,
	opts: PGliteOptions = {}
): Promise<DatabaseHandle> {
	const durable = opts.durable ?? process.env.PGLITE_FSYNC !== 'off';
	let unlock = () => {};
	if (dataDir) {
		mkdirSync(dataDir, { recursive: true });
		unlock = lockDataDir(dataDir);
		const state = pgliteClusterState(dataDir);
		// A folder not shut down cleanly (a crash, a kill -9) replays its WAL now: say so, since it takes time.
		if (state && state !== 'shut down')
			logger.warn(
				{ dataDir, state },
				'the embedded database was not shut down cleanly; PostgreSQL recovers it from its WAL'
			);
	}
	let pglite: PGlite;
	try {
		pglite = await PGlite.create({
			...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
			...(dataDir
				? {
						fs: durable ? new DurableNodeFS(dataDir) : new NodeFS(dataDir),
						...(durable ? { startParams: durableStartParams() } : {})
					}
				: {}),
			parsers: {
				[pgliteTypes.INT8]: (v: string) => Number(v),
				[pgliteTypes.DATE]: (v: string) => v
			}
		});
	} catch (err) {
		unlock();
		throw err;
	}
	const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
	return {
		db,
		kind: 'pglite',
		pglite,
		live: { kind: 'pglite', pglite },
		// Kysely's destroy closes PGlite after the queries in hand: a shutdown checkpoint, the folder left 'shut down'.
		close: async () => {
			try {
				await runCloseHooks(db);
				await db.destroy();
				// Kysely destroys only a driver it has started (after a first query); a handle closed
				// unused must still close PGlite, or its folder stays open and is never shut down cleanly.
				if (!pglite.closed) await pglite.close();
			} finally {
				unlock();
			}
		}
	};
}

/** SQLSTATEs of a connection the server is ending: an administrator's or a shutdown's termination, a crash, a start-up. */
const TERMINATING = new Set(['57P01', '57P02', '57P03']);

/**
 * A statement answered "terminating connection" leaves a connection that looks usable until its
 * socket's end arrives a moment later; released before that, the pool handed it to the next
 * request, whose statement then failed too. Ended at once, the pool drops it on release.
 */
function endWhenTerminated(client: pg.PoolClient): void {
	const query = client.query.bind(client) as (...args: unknown[]) => unknown;
	client.query = ((...args: unknown[]) => {
		const result = query(...args);
		if (result instanceof Promise)
			result.catch((err: unknown) => {
				if (TERMINATING.has(String((err as { code?: unknown }).code)))
					void client.end().catch(() => undefined);
			});
		return result;
	}) as typeof client.query;
}

/** Which of the two PostgreSQL roles a connection logs in as (README, "Database roles"). */
export type DatabaseRole = 'app' | 'owner';

export interface DatabaseConfig {
	/** DATABASE_URL: the PostgreSQL database; unset → embedded PGlite in dataDir. */
	databaseUrl?: string;
	/** DATABASE_OWNER_URL: the owner's connection, for migrations; unset → DATABASE_URL's user is the owner. */
	ownerUrl?: string;
	/** DATABASE_APP_ROLE: the role the running app logs in as (default exam_app). */
	appRole?: string;
	/** DATABASE_APP_PASSWORD: that role's password; unset → none (trust, or a password in DATABASE_URL). */
	appPassword?: string;
	dataDir: string;
}

export function databaseConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
	const app = appRoleFromEnv(env);
	return {
		databaseUrl: env.DATABASE_URL || undefined,
		ownerUrl: env.DATABASE_OWNER_URL || undefined,
		appRole: app.role,
		appPassword: app.password,
		dataDir: env.DATA_DIR || './data'
	};
}

/** The user a connection string logs in as, when it names one (pg reads ?user= before the user part). */
export function connectionUser(url: string): string | undefined {
	const u = new URL(url);
	return u.searchParams.get('user') || decodeURIComponent(u.username) || undefined;
}

/**
 * The same connection string logging in as another user. A URL with a host carries the user in its
 * user part; a socket URL (postgres:///db?host=/run/postgresql) has none, so it goes in ?user=.
 */
export function connectionAs(url: string, user: string, password?: string): string {
	const u = new URL(url);
	u.username = '';
	u.password = '';
	u.searchParams.delete('user');
	u.searchParams.delete('password');
	if (u.host) {
		// Encoded by hand: the URL setter leaves '%' alone, which pg would then decode.
		u.username = encodeURIComponent(user);
		if (password) u.password = encodeURIComponent(password);
	} else {
		u.searchParams.set('user', user);
		if (password) u.searchParams.set('password', password);
	}
	return u.toString();
}

/**
 * The connection string for a role. The owner: DATABASE_OWNER_URL, else DATABASE_URL as given. The
 * app: DATABASE_URL as given when it already names the app role (its password, or
 * DATABASE_APP_PASSWORD); otherwise DATABASE_URL's server and database with the app role's name and
 * DATABASE_APP_PASSWORD, so one URL naming the owner is enough to run everything.
 */
export function connectionUrlFor(
	config: DatabaseConfig & { databaseUrl: string },
	role: DatabaseRole
): string {
	if (role === 'owner') return config.ownerUrl ?? config.databaseUrl;
	const appRole = config.appRole ?? DEFAULT_APP_ROLE;
	if (connectionUser(config.databaseUrl) !== appRole)
		return connectionAs(config.databaseUrl, appRole, config.appPassword);
	const u = new URL(config.databaseUrl);
	if (config.appPassword && !u.password && !u.searchParams.get('password'))
		return connectionAs(config.databaseUrl, appRole, config.appPassword);
	return config.databaseUrl;
}

/** SQLSTATEs of a refused login: invalid_authorization_specification, invalid_password. */
const LOGIN_REFUSED = new Set(['28000', '28P01']);

/**
 * Opens the database as `role`. Embedded PGlite has one user (the process owns its files), so the
 * role changes nothing there. On PostgreSQL the app role's first login is tried at once, so a missing
 * role or password is reported with what to do, not as a failed request later.
 */
export async function openDatabase(
	config: DatabaseConfig,
	role: DatabaseRole = 'app'
): Promise<DatabaseHandle> {
	if (!config.databaseUrl) return openPGlite(config.dataDir);
	const handle = openPostgres(
		connectionUrlFor({ ...config, databaseUrl: config.databaseUrl }, role),
		Number(process.env.DB_POOL_SIZE || 10)
	);
	if (role === 'owner') return handle;
	try {
		await sql`select 1`.execute(handle.db);
	} catch (err) {
		await handle.close();
		const code =
			typeof err === 'object' && err !== null && 'code' in err
				? String((err as { code: unknown }).code)
				: '';
		if (!LOGIN_REFUSED.has(code)) throw err;
		throw new AppError(
			`The app could not log in to PostgreSQL as "${config.appRole ?? DEFAULT_APP_ROLE}" (${(err as Error).message}). ` +
				"Run `npm run cli -- migrate` with the owner's DATABASE_URL to create the role, and with password " +
				'authentication set DATABASE_APP_PASSWORD (README, "Database roles").',
			500
		);
	}
	return handle;
}
