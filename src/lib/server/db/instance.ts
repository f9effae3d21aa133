import { databaseConfigFromEnv, openDatabase, type DatabaseHandle } from './index.js';

/**
 * The application's one database handle. Only hooks and routes import this; services and tests
 * take the database as their first argument.
 */
let handle: Promise<DatabaseHandle> | null = null;

export function getDatabase(): Promise<DatabaseHandle> {
	handle ??= openDatabase(databaseConfigFromEnv());
	return handle;
}
