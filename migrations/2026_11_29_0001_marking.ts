import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
//
// Marking (DESIGN.md section 6). A script is a submitted attempt as markers know it: an anonymous
// number and the paper version, nothing that names the candidate, the centre or the room. Work is
// allocated per item (a whole-script allocation is one row per item to the same marker), and marks
// are append-only: every save is a new row, the final mark is chosen by the domain's rule.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('script')
		.addColumn('id', 'uuid', (c) => c.defaultTo(sql`gen_random_uuid()`).notNull())
		.addColumn('script_number', 'text', (c) => c.notNull())
		.addColumn('paper_version_id', 'uuid', (c) => c.notNull())
		.addColumn('attempt_id', 'uuid', (c) => c.notNull())
		// live: a candidate's script; seed: a copy of a live script used for standardisation, with
		// its own number so a marker cannot tell it from live work.
		.addColumn('kind', 'text', (c) => c.defaultTo('live').notNull())
		.addColumn('source_script_id', 'uuid')
		.addColumn('created_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('script_pkey', ['id'])
		.addUniqueConstraint('script_script_number_key', ['script_number'])
		.addForeignKeyConstraint('script_paper_version_id_fkey', ['paper_version_id'], 'paper_version', ['id'])
		.addForeignKeyConstraint('script_attempt_id_fkey', ['attempt_id'], 'attempt', ['id'])
		.addForeignKeyConstraint('script_source_script_id_fkey', ['source_script_id'], 'script', ['id'])
		.addCheckConstraint('script_kind_check', sql`kind in ('live','seed')`)
		.addCheckConstraint('script_seed_source_check', sql`(kind = 'seed') = (source_script_id is not null)`)
		.execute();
	await sql`create unique index script_live_attempt_key on script (attempt_id) where kind = 'live'`.execute(db);
	await db.schema.createIndex('script_paper_version_idx').on('script').columns(['paper_version_id', 'kind']).execute();

	// Per paper marking settings; a paper without a row uses the domain's defaults.
	await db.schema
		.createTable('marking_settings')
		.addColumn('paper_id', 'uuid', (c) => c.notNull())
		.addColumn('sample_percent', 'integer', (c) => c.notNull())
		.addColumn('boundary_window', 'integer', (c) => c.notNull())
		.addColumn('second_mark_tolerance', 'integer', (c) => c.notNull())
		.addColumn('seed_every', 'integer', (c) => c.notNull())
		.addColumn('seed_item_tolerance', 'integer', (c) => c.notNull())
		.addColumn('seed_script_tolerance', 'integer', (c) => c.notNull())
		.addColumn('qualifying_seeds', 'integer', (c) => c.notNull())
		.addColumn('stop_after_misses', 'integer', (c) => c.notNull())
		.addColumn('updated_by', 'uuid')
		.addColumn('updated_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('marking_settings_pkey', ['paper_id'])
		.addForeignKeyConstraint('marking_settings_paper_id_fkey', ['paper_id'], 'paper', ['id'])
		.addCheckConstraint(
			'marking_settings_ranges_check',
			sql`sample_percent between 0 and 100 and boundary_window >= 0 and second_mark_tolerance >= 0 and seed_every >= 0
				and seed_item_tolerance >= 0 and seed_script_tolerance >= 0 and qualifying_seeds >= 0 and stop_after_misses >= 1`
		)
		.execute();

	// Who marks what. purpose: first | second (blind) | moderation | seed (a marker's go at a seed).
	// At most one active allocation of an item of a script per purpose, except seeds, which every
	// marker marks once.
	await db.schema
		.createTable('allocation')
		.addColumn('id', 'uuid', (c) => c.defaultTo(sql`gen_random_uuid()`).notNull())
		.addColumn('script_id', 'uuid', (c) => c.notNull())
		.addColumn('item_key', 'text', (c) => c.notNull())
		.addColumn('marker_id', 'uuid', (c) => c.notNull())
		.addColumn('purpose', 'text', (c) => c.notNull())
		.addColumn('allocated_by', 'uuid')
		.addColumn('allocated_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addColumn('completed_at', 'timestamptz')
		.addColumn('withdrawn_at', 'timestamptz')
		.addColumn('withdrawn_by', 'uuid')
		.addPrimaryKeyConstraint('allocation_pkey', ['id'])
		.addForeignKeyConstraint('allocation_script_id_fkey', ['script_id'], 'script', ['id'])
		.addForeignKeyConstraint('allocation_marker_id_fkey', ['marker_id'], 'app_user', ['id'])
		.addCheckConstraint('allocation_purpose_check', sql`purpose in ('first','second','moderation','seed')`)
		.execute();
	await sql`create unique index allocation_active_key on allocation (script_id, item_key, purpose)
		where withdrawn_at is null and purpose <> 'seed'`.execute(db);
	await sql`create unique index allocation_seed_key on allocation (script_id, item_key, marker_id)
		where withdrawn_at is null and purpose = 'seed'`.execute(db);
	await sql`create index allocation_queue_idx on allocation (marker_id, allocated_at) where withdrawn_at is null`.execute(db);

	// Every mark ever given, append-only. authority: first | second | moderator count towards the
	// result; seed (a marker's mark on a seed) and agreed (the lead's agreed mark for a seed) do not.
	await db.schema
		.createTable('mark')
		.addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().notNull())
		.addColumn('script_id', 'uuid', (c) => c.notNull())
		.addColumn('item_key', 'text', (c) => c.notNull())
		.addColumn('allocation_id', 'uuid')
		.addColumn('marker_id', 'uuid', (c) => c.notNull())
		.addColumn('authority', 'text', (c) => c.notNull())
		.addColumn('mark', 'integer', (c) => c.notNull())
		.addColumn('fk', 'boolean', (c) => c.defaultTo(false).notNull())
		.addColumn('comment', 'text')
		// What the marker chose on the grid (ticked points, a level), so a reload shows it again.
		.addColumn('award', 'jsonb')
		.addColumn('created_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('mark_pkey', ['id'])
		.addForeignKeyConstraint('mark_script_id_fkey', ['script_id'], 'script', ['id'])
		.addForeignKeyConstraint('mark_allocation_id_fkey', ['allocation_id'], 'allocation', ['id'])
		.addForeignKeyConstraint('mark_marker_id_fkey', ['marker_id'], 'app_user', ['id'])
		.addCheckConstraint('mark_authority_check', sql`authority in ('first','second','moderator','seed','agreed')`)
		.addCheckConstraint('mark_mark_check', sql`mark >= 0`)
		.execute();
	await db.schema.createIndex('mark_script_item_idx').on('mark').columns(['script_id', 'item_key', 'id']).execute();
	await db.schema.createIndex('mark_allocation_idx').on('mark').columns(['allocation_id', 'id']).execute();
	await sql`create trigger mark_append_only before update or delete on mark
		for each row execute function audit_log_refuse_change()`.execute(db);
	await sql`create trigger mark_no_truncate before truncate on mark
		for each statement execute function audit_log_refuse_change()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
