import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
//
// Quality control of marking (issue 11 items 5–7): second marking, moderation and standardisation.
// What is history is append-only (seeds, seed judgements, markers' standing); the second-marking
// case of a script moves through its states and is the one table here the app may update.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	// One row per live script considered for second marking once its paper's first marking was
	// complete: selected (reason sample | boundary) or not (reason null, state not_selected).
	// state: not_selected | awaiting_marker (no eligible second marker yet) | second_marking |
	// agreed | referred (to a moderator) | resolved (the moderator decided).
	await db.schema
		.createTable('second_marking')
		.addColumn('script_id', 'uuid', (c) => c.notNull())
		.addColumn('paper_version_id', 'uuid', (c) => c.notNull())
		.addColumn('reason', 'text')
		.addColumn('state', 'text', (c) => c.notNull())
		.addColumn('considered_at', 'timestamptz', (c) => c.notNull())
		.addColumn('first_total', 'integer', (c) => c.notNull())
		.addColumn('second_total', 'integer')
		.addColumn('second_marked_at', 'timestamptz')
		.addColumn('referred_at', 'timestamptz')
		.addColumn('resolved_at', 'timestamptz')
		.addColumn('resolved_by', 'uuid')
		.addPrimaryKeyConstraint('second_marking_pkey', ['script_id'])
		.addForeignKeyConstraint('second_marking_script_id_fkey', ['script_id'], 'script', ['id'])
		.addForeignKeyConstraint('second_marking_paper_version_id_fkey', ['paper_version_id'], 'paper_version', ['id'])
		.addForeignKeyConstraint('second_marking_resolved_by_fkey', ['resolved_by'], 'app_user', ['id'])
		.addCheckConstraint('second_marking_reason_check', sql`reason is null or reason in ('sample','boundary')`)
		.addCheckConstraint(
			'second_marking_state_check',
			sql`state in ('not_selected','awaiting_marker','second_marking','agreed','referred','resolved')
				and ((state = 'not_selected') = (reason is null))`
		)
		.execute();
	await db.schema.createIndex('second_marking_state_idx').on('second_marking').columns(['state', 'paper_version_id']).execute();

	// A seed: a copy of a live script (script.kind = 'seed') with the lead's agreed marks (mark rows
	// of authority 'agreed') and the rationale markers read once they have qualified.
	await db.schema
		.createTable('seed')
		.addColumn('id', 'uuid', (c) => c.defaultTo(sql`gen_random_uuid()`).notNull())
		.addColumn('script_id', 'uuid', (c) => c.notNull())
		.addColumn('paper_id', 'uuid', (c) => c.notNull())
		.addColumn('purpose', 'text', (c) => c.notNull())
		.addColumn('rationale', 'text', (c) => c.notNull())
		.addColumn('created_by', 'uuid', (c) => c.notNull())
		.addColumn('created_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('seed_pkey', ['id'])
		.addUniqueConstraint('seed_script_id_key', ['script_id'])
		.addForeignKeyConstraint('seed_script_id_fkey', ['script_id'], 'script', ['id'])
		.addForeignKeyConstraint('seed_paper_id_fkey', ['paper_id'], 'paper', ['id'])
		.addForeignKeyConstraint('seed_created_by_fkey', ['created_by'], 'app_user', ['id'])
		.addCheckConstraint('seed_purpose_check', sql`purpose in ('qualification','live')`)
		.execute();
	await db.schema.createIndex('seed_paper_idx').on('seed').columns(['paper_id', 'purpose']).execute();

	// A marker's go at a seed, judged against the agreed marks when they finished it (kept as judged,
	// so their record does not move if a lead later agrees a mark afresh).
	await db.schema
		.createTable('seed_judgement')
		.addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().notNull())
		.addColumn('seed_script_id', 'uuid', (c) => c.notNull())
		.addColumn('marker_id', 'uuid', (c) => c.notNull())
		.addColumn('paper_id', 'uuid', (c) => c.notNull())
		.addColumn('purpose', 'text', (c) => c.notNull())
		.addColumn('within', 'boolean', (c) => c.notNull())
		.addColumn('given_total', 'integer', (c) => c.notNull())
		.addColumn('agreed_total', 'integer', (c) => c.notNull())
		.addColumn('items', 'jsonb', (c) => c.notNull())
		.addColumn('judged_at', 'timestamptz', (c) => c.notNull())
		.addPrimaryKeyConstraint('seed_judgement_pkey', ['id'])
		// The seed by its script (seed.script_id is unique), not by seed.id: a foreign key into seed would
		// let TRUNCATE fail on the reference before the append-only trigger could refuse it.
		.addForeignKeyConstraint('seed_judgement_seed_script_id_fkey', ['seed_script_id'], 'script', ['id'])
		.addForeignKeyConstraint('seed_judgement_marker_id_fkey', ['marker_id'], 'app_user', ['id'])
		.addForeignKeyConstraint('seed_judgement_paper_id_fkey', ['paper_id'], 'paper', ['id'])
		.addCheckConstraint('seed_judgement_purpose_check', sql`purpose in ('qualification','live')`)
		.execute();
	await db.schema.createIndex('seed_judgement_marker_idx').on('seed_judgement').columns(['marker_id', 'paper_id', 'id']).execute();

	// A marker's standing on a paper over time; the latest row is the current one, none means
	// standardising. decided_by null: the system (qualified, or stopped after misses); else the lead.
	await db.schema
		.createTable('marker_standing')
		.addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().notNull())
		.addColumn('marker_id', 'uuid', (c) => c.notNull())
		.addColumn('paper_id', 'uuid', (c) => c.notNull())
		.addColumn('standing', 'text', (c) => c.notNull())
		.addColumn('reason', 'text', (c) => c.notNull())
		.addColumn('decided_by', 'uuid')
		.addColumn('created_at', 'timestamptz', (c) => c.notNull())
		.addPrimaryKeyConstraint('marker_standing_pkey', ['id'])
		.addForeignKeyConstraint('marker_standing_marker_id_fkey', ['marker_id'], 'app_user', ['id'])
		.addForeignKeyConstraint('marker_standing_paper_id_fkey', ['paper_id'], 'paper', ['id'])
		.addForeignKeyConstraint('marker_standing_decided_by_fkey', ['decided_by'], 'app_user', ['id'])
		.addCheckConstraint('marker_standing_standing_check', sql`standing in ('standardising','live','stopped')`)
		.execute();
	await db.schema.createIndex('marker_standing_marker_idx').on('marker_standing').columns(['marker_id', 'paper_id', 'id']).execute();

	for (const table of ['seed', 'seed_judgement', 'marker_standing']) {
		await sql`create trigger ${sql.raw(`${table}_append_only`)} before update or delete on ${sql.table(table)}
			for each row execute function audit_log_refuse_change()`.execute(db);
		await sql`create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)}
			for each statement execute function audit_log_refuse_change()`.execute(db);
	}
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
