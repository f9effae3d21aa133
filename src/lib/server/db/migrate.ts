import { Migrator, type Kysely, type MigrationResult } from 'kysely';

import { migrations } from '../../../../migrations/index.js';
import { appRoleFromEnv, assertNotAppRole, grantAppRole, type AppRoleOptions } from './roles.js';

/**
 * Brings the schema up to date, then gives the app role its privileges on every table now there
 * (src/lib/server/db/roles.ts): run as the owner. The grants run on every call, not only when a
 * migration was applied, so a database restored onto a server without the role, or a new
 * DATABASE_APP_ROLE, is put right by the next start.
 */
export async function migrateToLatest(
	// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the migrator works on any schema
	db: Kysely<any>,
	app: AppRoleOptions = appRoleFromEnv()
): Promise<MigrationResult[]> {
	await assertNotAppRole(db, app);
	const migrator = new Migrator({
		db,
		provider: { getMigrations: async () => migrations },
		migrationTableName: 'kysely_migration',
		migrationLockTableName: 'kysely_migration_lock'
	});
	const { error, results } = await migrator.migrateToLatest();
	if (error) {
		const failed = results?.find((r) => r.status === 'Error');
		const message = error instanceof Error ? error.message : String(error);
		throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${message}`, {
			cause: error
		});
	}
	await grantAppRole(db, app);
	return results ?? [];
}

/** Every migration this version of the app knows, by name (for /readyz). */
export function knownMigrationNames(): string[] {
	return Object.keys(migrations);
}
