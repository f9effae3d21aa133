import { mkdirSync } from 'node:fs';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PGliteDialect } from './pglite-dialect.js';
import { PreparingClient } from './preparing-client.js';
import type { Database } from './schema.js';

export type { Database } from './schema.js';

export interface DatabaseHandle {
	db: Kysely<Database>;
	kind: 'postgres' | 'pglite';
	close(): Promise<void>;
}

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

export function openPostgres(connectionString: string, max = 10, prepareStatements = process.env.DB_PREPARED_STATEMENTS !== 'off'): DatabaseHandle {
	const pool = new pg.Pool({
		connectionString,
		max,
		types: { getTypeParser: pgTypeParser as typeof pg.types.getTypeParser },
		...(prepareStatements ? { Client: PreparingClient } : {})
	});
	const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
	return { db, kind: 'postgres', close: () => db.destroy() };
}

/** dataDir undefined → an in-memory database (tests). */
export async function openPGlite(dataDir?: string): Promise<DatabaseHandle> {
	if (dataDir) mkdirSync(dataDir, { recursive: true });
	const pglite = await PGlite.create(dataDir, {
		parsers: {
			[pgliteTypes.INT8]: (v: string) => Number(v),
			[pgliteTypes.DATE]: (v: string) => v
		}
	});
	const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
	return { db, kind: 'pglite', close: () => db.destroy() };
}

export interface DatabaseConfig {
	databaseUrl?: string;
	dataDir: string;
}

export function databaseConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
	return {
		databaseUrl: env.DATABASE_URL || undefined,
		dataDir: env.DATA_DIR || './data'
	};
}

export async function openDatabase(config: DatabaseConfig): Promise<DatabaseHandle> {
	return config.databaseUrl ? openPostgres(config.databaseUrl, Number(process.env.DB_POOL_SIZE || 10)) : openPGlite(config.dataDir);
}
