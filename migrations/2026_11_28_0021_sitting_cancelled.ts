import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	// A sitting that has not started may be cancelled: it keeps its record (who, when, why), and is
	// closed like an ended one, so its keycode signs no one in and may be given to another sitting.
	await sql`alter table sitting drop constraint sitting_state_check`.execute(db);
	await sql`alter table sitting add constraint sitting_state_check check (state in ('scheduled','running','ended','cancelled'))`.execute(db);
	await db.schema.alterTable('sitting').addColumn('cancelled_at', 'timestamptz').addColumn('cancel_reason', 'text').execute();
	await sql`alter table sitting add constraint sitting_cancelled_check check ((state = 'cancelled') = (cancelled_at is not null and cancel_reason is not null))`.execute(
		db
	);
	await sql`drop index sitting_open_keycode_key`.execute(db);
	await sql`create unique index sitting_open_keycode_key on sitting (centre_id, keycode) where state not in ('ended','cancelled')`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
