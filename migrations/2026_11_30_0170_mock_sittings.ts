import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
//
// A sitting is booked for a purpose: `live` (the awarding body's exam, marked by its markers and
// resulted) or `mock` (a practice paper sat in the centre as a rehearsal, marked by the centre's own
// staff and never a result). Existing sittings are live.
//
// A mock's marks are kept apart from `mark` (which feeds scripts, second marking and results):
// `mock_mark` rows belong to an attempt, never to a script, so nothing of the awarding body's
// marking can read them. Append-only like `mark`: the latest row per item counts; who and when
// stay for good.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.alterTable('sitting')
		.addColumn('purpose', 'text', (c) => c.defaultTo('live').notNull())
		.execute();
	await db.schema
		.alterTable('sitting')
		.addCheckConstraint('sitting_purpose_check', sql`purpose in ('live', 'mock')`)
		.execute();

	await db.schema
		.createTable('mock_mark')
		.addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().notNull())
		.addColumn('attempt_id', 'uuid', (c) => c.notNull())
		.addColumn('item_key', 'text', (c) => c.notNull())
		.addColumn('mark', 'integer', (c) => c.notNull())
		.addColumn('comment', 'text')
		.addColumn('marked_by', 'uuid', (c) => c.notNull())
		.addColumn('created_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('mock_mark_pkey', ['id'])
		.addForeignKeyConstraint('mock_mark_attempt_id_fkey', ['attempt_id'], 'attempt', ['id'])
		.addForeignKeyConstraint('mock_mark_marked_by_fkey', ['marked_by'], 'app_user', ['id'])
		.addCheckConstraint('mock_mark_mark_check', sql`mark >= 0`)
		.execute();
	await db.schema.createIndex('mock_mark_attempt_item_idx').on('mock_mark').columns(['attempt_id', 'item_key', 'id']).execute();
	await sql`create trigger mock_mark_append_only before update or delete on mock_mark
		for each row execute function audit_log_refuse_change()`.execute(db);
	await sql`create trigger mock_mark_no_truncate before truncate on mock_mark
		for each statement execute function audit_log_refuse_change()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
