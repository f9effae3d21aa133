import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('sitting')
		.addColumn('id', 'uuid', (c) => c.defaultTo(sql`gen_random_uuid()`).notNull())
		.addColumn('centre_id', 'uuid', (c) => c.notNull())
		.addColumn('paper_version_id', 'uuid', (c) => c.notNull())
		.addColumn('scheduled_at', 'timestamptz', (c) => c.notNull())
		.addColumn('room', 'text', (c) => c.notNull())
		.addColumn('keycode', 'text', (c) => c.notNull())
		.addColumn('state', 'text', (c) => c.defaultTo('scheduled').notNull())
		.addColumn('started_at', 'timestamptz')
		.addColumn('ended_at', 'timestamptz')
		.addColumn('created_by', 'uuid')
		.addColumn('created_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('sitting_pkey', ['id'])
		.addForeignKeyConstraint('sitting_centre_id_fkey', ['centre_id'], 'centre', ['id'])
		.addForeignKeyConstraint('sitting_paper_version_id_fkey', ['paper_version_id'], 'paper_version', ['id'])
		.addCheckConstraint('sitting_state_check', sql`state in ('scheduled','running','ended')`)
		.execute();
	await db.schema.createIndex('sitting_centre_idx').on('sitting').columns(['centre_id', 'scheduled_at']).execute();
	// Candidates sign in with centre number + keycode: a keycode is unique among a centre's open sittings.
	await sql`create unique index sitting_open_keycode_key on sitting (centre_id, keycode) where state <> 'ended'`.execute(db);

	await db.schema
		.createTable('sitting_invigilator')
		.addColumn('sitting_id', 'uuid', (c) => c.notNull())
		.addColumn('user_id', 'uuid', (c) => c.notNull())
		.addPrimaryKeyConstraint('sitting_invigilator_pkey', ['sitting_id', 'user_id'])
		.addForeignKeyConstraint('sitting_invigilator_sitting_id_fkey', ['sitting_id'], 'sitting', ['id'], (f) => f.onDelete('cascade'))
		.addForeignKeyConstraint('sitting_invigilator_user_id_fkey', ['user_id'], 'app_user', ['id'])
		.execute();

	await db.schema
		.createTable('attempt')
		.addColumn('id', 'uuid', (c) => c.defaultTo(sql`gen_random_uuid()`).notNull())
		.addColumn('sitting_id', 'uuid', (c) => c.notNull())
		.addColumn('candidate_id', 'uuid', (c) => c.notNull())
		.addColumn('state', 'text', (c) => c.defaultTo('not_started').notNull())
		.addColumn('present', 'boolean', (c) => c.defaultTo(false).notNull())
		.addColumn('paused_from', 'text')
		.addColumn('pause_reason', 'text')
		.addColumn('extra_time_percent', 'integer', (c) => c.defaultTo(0).notNull())
		.addColumn('rest_breaks', 'boolean', (c) => c.defaultTo(false).notNull())
		.addColumn('started_at', 'timestamptz')
		.addColumn('reading_ends_at', 'timestamptz')
		.addColumn('deadline_at', 'timestamptz')
		.addColumn('paused_at', 'timestamptz')
		.addColumn('extension_minutes', 'integer', (c) => c.defaultTo(0).notNull())
		.addColumn('submitted_at', 'timestamptz')
		.addColumn('submit_reason', 'text')
		.addColumn('reference', 'text')
		.addColumn('void_reason', 'text')
		.addColumn('move_allowed_at', 'timestamptz')
		.addColumn('last_seen_at', 'timestamptz')
		.addColumn('last_saved_at', 'timestamptz')
		.addColumn('updated_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('attempt_pkey', ['id'])
		.addForeignKeyConstraint('attempt_sitting_id_fkey', ['sitting_id'], 'sitting', ['id'])
		.addForeignKeyConstraint('attempt_candidate_id_fkey', ['candidate_id'], 'candidate', ['id'])
		.addUniqueConstraint('attempt_sitting_candidate_key', ['sitting_id', 'candidate_id'])
		.addCheckConstraint('attempt_state_check', sql`state in ('not_started','reading','in_progress','paused','submitted','absent','void')`)
		.execute();
	// The deadline sweep looks only at running attempts.
	await sql`create index attempt_running_deadline_idx on attempt (deadline_at) where state in ('reading','in_progress')`.execute(db);

	// Everything that happens in a sitting, for the console, the report and the audit of timing.
	await db.schema
		.createTable('sitting_event')
		.addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().notNull())
		.addColumn('sitting_id', 'uuid', (c) => c.notNull())
		.addColumn('attempt_id', 'uuid')
		.addColumn('kind', 'text', (c) => c.notNull())
		.addColumn('reason', 'text')
		.addColumn('minutes', 'integer')
		.addColumn('actor_user_id', 'uuid')
		.addColumn('actor_label', 'text', (c) => c.notNull())
		.addColumn('occurred_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('sitting_event_pkey', ['id'])
		.addForeignKeyConstraint('sitting_event_sitting_id_fkey', ['sitting_id'], 'sitting', ['id'])
		.addForeignKeyConstraint('sitting_event_attempt_id_fkey', ['attempt_id'], 'attempt', ['id'])
		.execute();
	await db.schema.createIndex('sitting_event_sitting_idx').on('sitting_event').columns(['sitting_id', 'id']).execute();

	// The latest save of each answer. Only a higher sequence number replaces it.
	await db.schema
		.createTable('response')
		.addColumn('attempt_id', 'uuid', (c) => c.notNull())
		.addColumn('item_key', 'text', (c) => c.notNull())
		.addColumn('seq', 'integer', (c) => c.notNull())
		.addColumn('text', 'text', (c) => c.notNull())
		.addColumn('saved_at', 'timestamptz', (c) => c.notNull())
		.addPrimaryKeyConstraint('response_pkey', ['attempt_id', 'item_key'])
		.addForeignKeyConstraint('response_attempt_id_fkey', ['attempt_id'], 'attempt', ['id'])
		.execute();

	// Every accepted save, append-only: the keystroke history of each answer.
	await db.schema
		.createTable('response_revision')
		.addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().notNull())
		.addColumn('attempt_id', 'uuid', (c) => c.notNull())
		.addColumn('item_key', 'text', (c) => c.notNull())
		.addColumn('seq', 'integer', (c) => c.notNull())
		.addColumn('text', 'text', (c) => c.notNull())
		.addColumn('saved_at', 'timestamptz', (c) => c.notNull())
		.addPrimaryKeyConstraint('response_revision_pkey', ['id'])
		.addForeignKeyConstraint('response_revision_attempt_id_fkey', ['attempt_id'], 'attempt', ['id'])
		.execute();
	await db.schema.createIndex('response_revision_attempt_idx').on('response_revision').columns(['attempt_id', 'item_key', 'seq']).execute();

	// Saves that were refused (too late, wrong state): kept for the invigilator's report, never marked.
	await db.schema
		.createTable('save_quarantine')
		.addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().notNull())
		.addColumn('attempt_id', 'uuid', (c) => c.notNull())
		.addColumn('item_key', 'text', (c) => c.notNull())
		.addColumn('seq', 'integer', (c) => c.notNull())
		.addColumn('text', 'text', (c) => c.notNull())
		.addColumn('reason', 'text', (c) => c.notNull())
		.addColumn('received_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('save_quarantine_pkey', ['id'])
		.addForeignKeyConstraint('save_quarantine_attempt_id_fkey', ['attempt_id'], 'attempt', ['id'])
		.execute();

	for (const table of ['response_revision', 'save_quarantine', 'sitting_event']) {
		await sql`create trigger ${sql.raw(`${table}_append_only`)} before update or delete on ${sql.table(table)}
			for each row execute function audit_log_refuse_change()`.execute(db);
	}

	// Candidate sessions belong to one attempt.
	await db.schema
		.alterTable('auth_session')
		.addColumn('attempt_id', 'uuid', (c) => c.references('attempt.id').onDelete('cascade'))
		.execute();
	await db.schema.createIndex('auth_session_attempt_id_idx').on('auth_session').column('attempt_id').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
