import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
//
// /readyz tells a load balancer whether this app's migrations are all applied. The app role may not
// read Kysely's own table (only the owner, who migrates, touches it), so the names alone are shown
// through a view, which the app role may read as it may every view (src/lib/server/db/roles.ts).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	await sql`create view applied_migration as select name from kysely_migration`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
