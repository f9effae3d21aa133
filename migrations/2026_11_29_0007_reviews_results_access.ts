import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
//
// Candidates' results after the exam day and reviews of marking (issue 12, items 4 and 5).
//
// - results_access: one personal results access code per candidate, issued by the centre once
//   results are released. Only its SHA-256 is kept (the code is 80 random bits, so a fast hash is
//   enough: nobody can guess through 2^80 codes, and sign-in is throttled besides). Issuing again
//   replaces the row, so an old code stops working.
// - auth_session.candidate_id: a candidate's results session (the same session table and token
//   design as staff and exam sessions; owned by the candidate, not by a user or an attempt).
// - review_settings: the request window after release and the reply deadline (one row; none →
//   the domain's defaults).
// - review: a centre's request for a review of marking of one candidate's script, and where it
//   stands. Its state changes only through the domain's transition function; every change is also
//   appended to review_event, which refuses UPDATE and DELETE.
// - allocation.review_id: the moderator's re-mark is moderation work tied to the review. The
//   one-active-allocation-per-purpose index is rebuilt to leave review allocations out (an earlier
//   quality-control moderation of the item stays on record beside the review's), and review
//   allocations get their own: one per item per review.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('results_access')
		.addColumn('candidate_id', 'uuid', (c) => c.notNull())
		.addColumn('code_hash', 'bytea', (c) => c.notNull())
		.addColumn('issued_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addColumn('issued_by', 'uuid')
		.addPrimaryKeyConstraint('results_access_pkey', ['candidate_id'])
		.addForeignKeyConstraint('results_access_candidate_id_fkey', ['candidate_id'], 'candidate', ['id'])
		.execute();

	await db.schema
		.alterTable('auth_session')
		.addColumn('candidate_id', 'uuid', (c) => c.references('candidate.id').onDelete('cascade'))
		.execute();
	await db.schema.createIndex('auth_session_candidate_id_idx').on('auth_session').column('candidate_id').execute();

	await db.schema
		.createTable('review_settings')
		.addColumn('id', 'boolean', (c) => c.defaultTo(true).notNull())
		.addColumn('request_window_days', 'integer', (c) => c.notNull())
		.addColumn('reply_days', 'integer', (c) => c.notNull())
		.addColumn('updated_by', 'uuid')
		.addColumn('updated_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('review_settings_pkey', ['id'])
		.addCheckConstraint('review_settings_one_row_check', sql`id`)
		.addCheckConstraint('review_settings_ranges_check', sql`request_window_days between 1 and 365 and reply_days between 1 and 365`)
		.execute();

	await db.schema
		.createTable('review')
		.addColumn('id', 'uuid', (c) => c.defaultTo(sql`gen_random_uuid()`).notNull())
		.addColumn('attempt_id', 'uuid', (c) => c.notNull())
		.addColumn('centre_id', 'uuid', (c) => c.notNull())
		// 1: review by a moderator who did not mark the script; 2: a further review by another one,
		// asked for only once stage 1 is finished (the seeds' appeals run stage after stage).
		.addColumn('stage', 'integer', (c) => c.notNull())
		.addColumn('state', 'text', (c) => c.notNull())
		.addColumn('reason', 'text', (c) => c.notNull())
		// The result version the centre asked about, and the one the review issued. No foreign key:
		// result rows can never be deleted (its append-only trigger), so these cannot dangle, and a
		// reference would make PostgreSQL refuse a TRUNCATE of result for the reference before the
		// trigger could say why (the roles test checks that every append-only table says so).
		.addColumn('result_id', 'bigint', (c) => c.notNull())
		.addColumn('new_result_id', 'bigint')
		.addColumn('outcome', 'text')
		.addColumn('requested_by', 'uuid')
		.addColumn('requested_at', 'timestamptz', (c) => c.notNull())
		.addColumn('reply_due_at', 'timestamptz', (c) => c.notNull())
		.addColumn('moderator_id', 'uuid')
		.addColumn('assigned_at', 'timestamptz')
		.addColumn('decided_at', 'timestamptz')
		.addColumn('informed_at', 'timestamptz')
		.addColumn('withdrawn_at', 'timestamptz')
		.addPrimaryKeyConstraint('review_pkey', ['id'])
		.addForeignKeyConstraint('review_attempt_id_fkey', ['attempt_id'], 'attempt', ['id'])
		.addForeignKeyConstraint('review_centre_id_fkey', ['centre_id'], 'centre', ['id'])
		.addForeignKeyConstraint('review_moderator_id_fkey', ['moderator_id'], 'app_user', ['id'])
		.addCheckConstraint('review_stage_check', sql`stage in (1, 2)`)
		.addCheckConstraint('review_state_check', sql`state in ('requested','in_review','decided','informed','withdrawn')`)
		.addCheckConstraint('review_outcome_check', sql`outcome is null or outcome in ('unchanged','mark_changed','grade_changed')`)
		.addCheckConstraint('review_decided_check', sql`(state in ('decided','informed')) = (outcome is not null and new_result_id is not null)`)
		.addCheckConstraint('review_reason_check', sql`length(reason) between 1 and 2000`)
		.execute();
	// One open review per candidate's result: the partial unique index decides a race between two requests.
	await sql`create unique index review_open_key on review (attempt_id) where state in ('requested','in_review')`.execute(db);
	await sql`create unique index review_stage_key on review (attempt_id, stage) where state <> 'withdrawn'`.execute(db);
	await db.schema.createIndex('review_centre_idx').on('review').columns(['centre_id', 'requested_at']).execute();

	await db.schema
		.createTable('review_event')
		.addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().notNull())
		.addColumn('review_id', 'uuid', (c) => c.notNull())
		.addColumn('from_state', 'text')
		.addColumn('to_state', 'text', (c) => c.notNull())
		.addColumn('actor_user_id', 'uuid')
		.addColumn('actor_label', 'text', (c) => c.notNull())
		.addColumn('details', 'jsonb', (c) => c.defaultTo(sql`'{}'::jsonb`).notNull())
		.addColumn('occurred_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('review_event_pkey', ['id'])
		.addForeignKeyConstraint('review_event_review_id_fkey', ['review_id'], 'review', ['id'])
		.execute();
	await db.schema.createIndex('review_event_review_idx').on('review_event').columns(['review_id', 'id']).execute();
	await sql`create trigger review_event_append_only before update or delete on review_event
		for each row execute function audit_log_refuse_change()`.execute(db);
	await sql`create trigger review_event_no_truncate before truncate on review_event
		for each statement execute function audit_log_refuse_change()`.execute(db);

	await db.schema
		.alterTable('allocation')
		.addColumn('review_id', 'uuid', (c) => c.references('review.id'))
		.execute();
	await sql`drop index allocation_active_key`.execute(db);
	await sql`create unique index allocation_active_key on allocation (script_id, item_key, purpose)
		where withdrawn_at is null and purpose <> 'seed' and review_id is null`.execute(db);
	await sql`create unique index allocation_review_key on allocation (review_id, item_key) where review_id is not null and withdrawn_at is null`.execute(db);
	await db.schema
		.alterTable('allocation')
		.addCheckConstraint('allocation_review_purpose_check', sql`review_id is null or purpose = 'moderation'`)
		.execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
