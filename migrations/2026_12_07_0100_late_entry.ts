import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	// How long after the start a late arrival is let in with their full time; after it the
	// invigilator must give a reason to admit them. Set per sitting at booking (this system's default).
	await sql`alter table sitting add column late_entry_minutes integer not null default 30`.execute(db);
	await sql`alter table sitting add constraint sitting_late_entry_minutes_check check (late_entry_minutes between 0 and 240)`.execute(
		db
	);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
