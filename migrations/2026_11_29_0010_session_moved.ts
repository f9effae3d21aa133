import type { Kysely } from 'kysely';

// Frozen once landed: never import application code here.
//
// A candidate session ended because the exam moved to another computer is kept (until the hourly
// prune) with the time of the move, so the old computer can be told "moved" rather than "your
// session has ended".
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('auth_session').addColumn('moved_at', 'timestamptz').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
