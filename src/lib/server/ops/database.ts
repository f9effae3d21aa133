import { databaseConfigFromEnv, openDatabase, type DatabaseHandle } from '../db/index.js';
import { onShutdown } from './lifecycle.js';
import { setPoolStats } from './metrics.js';

/**
 * The application's one database handle. Only hooks and routes import this; services and tests
 * take the database as their first argument. It logs in as the app role, which owns nothing and
 * may not change or remove the append-only tables' rows (README, "Database roles"); migrations
 * run as the owner, from the command line, before the app serves.
 */
let handle: Promise<DatabaseHandle> | null = null;

export function getDatabase(): Promise<DatabaseHandle> {
	// Opening tries the first login; if the server was unreachable, the next request tries again.
	handle ??= openDatabase(databaseConfigFromEnv(), 'app').then(
		(h) => {
			setPoolStats(h.poolStats ?? null);
			// Closed last when the app stops: PGlite writes its shutdown checkpoint, the pool ends its connections.
			onShutdown('database', () => h.close(), 'database');
			return h;
		},
		(err: unknown) => {
			handle = null;
			throw err;
		}
	);
	return handle;
}
