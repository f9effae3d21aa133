import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('centre')
		.addColumn('id', 'uuid', (c) => c.defaultTo(sql`gen_random_uuid()`).notNull())
		.addColumn('number', 'text', (c) => c.notNull())
		.addColumn('name', 'text', (c) => c.notNull())
		.addColumn('created_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('centre_pkey', ['id'])
		.addUniqueConstraint('centre_number_key', ['number'])
		.execute();

	await db.schema
		.createTable('app_user')
		.addColumn('id', 'uuid', (c) => c.defaultTo(sql`gen_random_uuid()`).notNull())
		.addColumn('email', 'text', (c) => c.notNull())
		.addColumn('display_name', 'text', (c) => c.notNull())
		.addColumn('password_hash', 'text', (c) => c.notNull())
		.addColumn('disabled_at', 'timestamptz')
		.addColumn('created_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('app_user_pkey', ['id'])
		.execute();
	// Emails are compared case-insensitively; the app stores them lower-cased, the index enforces it.
	await sql`create unique index app_user_email_key on app_user (lower(email))`.execute(db);

	// A staff role, optionally bound to one centre (invigilator, centre_admin). Markers, moderators and
	// awarding administrators work across centres, so their centre_id is null.
	await db.schema
		.createTable('membership')
		.addColumn('id', 'uuid', (c) => c.defaultTo(sql`gen_random_uuid()`).notNull())
		.addColumn('user_id', 'uuid', (c) => c.notNull())
		.addColumn('role', 'text', (c) => c.notNull())
		.addColumn('centre_id', 'uuid')
		.addColumn('created_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('membership_pkey', ['id'])
		.addForeignKeyConstraint('membership_user_id_fkey', ['user_id'], 'app_user', ['id'], (f) => f.onDelete('cascade'))
		.addForeignKeyConstraint('membership_centre_id_fkey', ['centre_id'], 'centre', ['id'])
		.addCheckConstraint('membership_role_check', sql`role in ('invigilator','centre_admin','marker','moderator','awarding_admin')`)
		.addCheckConstraint('membership_centre_scope_check', sql`(role in ('invigilator','centre_admin')) = (centre_id is not null)`)
		.execute();
	await sql`create unique index membership_user_role_centre_key on membership (user_id, role, coalesce(centre_id, '00000000-0000-0000-0000-000000000000'::uuid))`.execute(
		db
	);

	await db.schema
		.createTable('candidate')
		.addColumn('id', 'uuid', (c) => c.defaultTo(sql`gen_random_uuid()`).notNull())
		.addColumn('centre_id', 'uuid', (c) => c.notNull())
		.addColumn('candidate_number', 'text', (c) => c.notNull())
		.addColumn('first_name', 'text', (c) => c.notNull())
		.addColumn('last_name', 'text', (c) => c.notNull())
		.addColumn('date_of_birth', 'date')
		.addColumn('extra_time_percent', 'integer', (c) => c.defaultTo(0).notNull())
		.addColumn('rest_breaks', 'boolean', (c) => c.defaultTo(false).notNull())
		.addColumn('reader', 'boolean', (c) => c.defaultTo(false).notNull())
		.addColumn('scribe', 'boolean', (c) => c.defaultTo(false).notNull())
		.addColumn('arrangement_notes', 'text', (c) => c.defaultTo('').notNull())
		.addColumn('created_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addColumn('updated_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('candidate_pkey', ['id'])
		.addForeignKeyConstraint('candidate_centre_id_fkey', ['centre_id'], 'centre', ['id'])
		.addUniqueConstraint('candidate_centre_number_key', ['centre_id', 'candidate_number'])
		.addCheckConstraint('candidate_extra_time_percent_check', sql`extra_time_percent between 0 and 100`)
		.execute();

	// Sessions per the Lucia guide: the id is public, only the SHA-256 of the secret is stored.
	// A staff session has user_id; a candidate session (added with the live exam) has attempt_id.
	await db.schema
		.createTable('auth_session')
		.addColumn('id', 'text', (c) => c.notNull())
		.addColumn('secret_hash', 'bytea', (c) => c.notNull())
		.addColumn('user_id', 'uuid')
		.addColumn('created_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addColumn('last_verified_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addColumn('expires_at', 'timestamptz')
		.addColumn('ip', 'text')
		.addColumn('user_agent', 'text')
		.addPrimaryKeyConstraint('auth_session_pkey', ['id'])
		.addForeignKeyConstraint('auth_session_user_id_fkey', ['user_id'], 'app_user', ['id'], (f) => f.onDelete('cascade'))
		.execute();
	await db.schema.createIndex('auth_session_user_id_idx').on('auth_session').column('user_id').execute();

	// Failed and successful sign-ins, per account and per address, so throttling holds across processes.
	await db.schema
		.createTable('sign_in_attempt')
		.addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().notNull())
		.addColumn('key_kind', 'text', (c) => c.notNull())
		.addColumn('key', 'text', (c) => c.notNull())
		.addColumn('succeeded', 'boolean', (c) => c.notNull())
		.addColumn('attempted_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('sign_in_attempt_pkey', ['id'])
		.addCheckConstraint('sign_in_attempt_key_kind_check', sql`key_kind in ('account','address','candidate')`)
		.execute();
	await db.schema.createIndex('sign_in_attempt_key_idx').on('sign_in_attempt').columns(['key_kind', 'key', 'attempted_at']).execute();

	await db.schema
		.createTable('audit_log')
		.addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().notNull())
		.addColumn('occurred_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addColumn('actor_user_id', 'uuid')
		.addColumn('actor_label', 'text', (c) => c.notNull())
		.addColumn('action', 'text', (c) => c.notNull())
		.addColumn('centre_id', 'uuid')
		.addColumn('subject_type', 'text')
		.addColumn('subject_id', 'text')
		.addColumn('details', 'jsonb', (c) => c.defaultTo(sql`'{}'::jsonb`).notNull())
		.addColumn('ip', 'text')
		.addPrimaryKeyConstraint('audit_log_pkey', ['id'])
		.execute();
	await db.schema.createIndex('audit_log_centre_idx').on('audit_log').columns(['centre_id', 'occurred_at']).execute();

	// The audit log is append-only: refuse UPDATE, DELETE and TRUNCATE at the database itself.
	await sql`
		create function audit_log_refuse_change() returns trigger language plpgsql as $$
		begin
			raise exception 'audit_log is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
		end
		$$`.execute(db);
	await sql`create trigger audit_log_append_only before update or delete on audit_log
		for each row execute function audit_log_refuse_change()`.execute(db);
	await sql`create trigger audit_log_no_truncate before truncate on audit_log
		for each statement execute function audit_log_refuse_change()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
