import type { Kysely } from 'kysely';

// Frozen once landed: never import application code here.
//
// A withdrawn candidate is kept (their history stays) but can no longer be booked on a sitting.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('candidate').addColumn('withdrawn_at', 'timestamptz').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
