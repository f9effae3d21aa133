import { Migrator, type Kysely, type MigrationResult } from 'kysely';
import { migrations } from '../../../../migrations/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResult[]> {
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
		throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${message}`, { cause: error });
	}
	return results ?? [];
}
