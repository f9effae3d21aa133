import type { PGlite } from '@electric-sql/pglite';
import {
	CompiledQuery,
	PostgresAdapter,
	PostgresIntrospector,
	PostgresQueryCompiler,
	type DatabaseConnection,
	type DatabaseIntrospector,
	type Dialect,
	type DialectAdapter,
	type Driver,
	type Kysely,
	type QueryCompiler,
	type QueryResult
} from 'kysely';

/**
 * A Kysely dialect for embedded PGlite. PGlite has exactly one connection, so the driver hands it
 * out to one holder at a time: a transaction keeps it from BEGIN to COMMIT, and other queries wait
 * their turn instead of running inside someone else's transaction.
 */
export class PGliteDialect implements Dialect {
	constructor(private readonly pglite: PGlite) {}
	createAdapter(): DialectAdapter {
		return new PostgresAdapter();
	}
	createDriver(): Driver {
		return new PGliteDriver(this.pglite);
	}
	createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
		return new PostgresIntrospector(db);
	}
	createQueryCompiler(): QueryCompiler {
		return new PostgresQueryCompiler();
	}
}

class Mutex {
	private tail: Promise<void> = Promise.resolve();
	/** Resolves with a release function once every earlier holder has released. */
	acquire(): Promise<() => void> {
		let release!: () => void;
		const next = new Promise<void>((resolve) => (release = resolve));
		const previous = this.tail;
		this.tail = previous.then(() => next);
		return previous.then(() => release);
	}
}

class PGliteDriver implements Driver {
	private readonly mutex = new Mutex();
	private readonly connection: PGliteConnection;
	private release: (() => void) | null = null;

	constructor(private readonly pglite: PGlite) {
		this.connection = new PGliteConnection(pglite);
	}
	async init(): Promise<void> {
		await this.pglite.waitReady;
	}
	async acquireConnection(): Promise<DatabaseConnection> {
		this.release = await this.mutex.acquire();
		return this.connection;
	}
	async beginTransaction(connection: DatabaseConnection): Promise<void> {
		await connection.executeQuery(CompiledQuery.raw('begin'));
	}
	async commitTransaction(connection: DatabaseConnection): Promise<void> {
		await connection.executeQuery(CompiledQuery.raw('commit'));
	}
	async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
		await connection.executeQuery(CompiledQuery.raw('rollback'));
	}
	async releaseConnection(): Promise<void> {
		const release = this.release;
		this.release = null;
		release?.();
	}
	async destroy(): Promise<void> {
		if (!this.pglite.closed) await this.pglite.close();
	}
}

class PGliteConnection implements DatabaseConnection {
	constructor(private readonly pglite: PGlite) {}
	async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
		const result = await this.pglite.query<R>(compiledQuery.sql, [...compiledQuery.parameters]);
		return {
			rows: result.rows,
			numAffectedRows: result.affectedRows === undefined ? undefined : BigInt(result.affectedRows)
		};
	}
	// eslint-disable-next-line require-yield
	async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
		throw new Error('PGlite dialect does not stream query results');
	}
}
