import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
//
// Results (DESIGN.md sections 1 and 7). A result is versioned and append-only: computing again
// (boundaries moved before approval, a review of marking after release) adds a version, so an
// issued result is never overwritten and its history stays. A sitting's results move through
// computed → approved → released; approval locks the paper version's boundaries.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('result')
		.addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().notNull())
		.addColumn('attempt_id', 'uuid', (c) => c.notNull())
		.addColumn('version', 'integer', (c) => c.notNull())
		// graded | absent | void: absent and voided candidates carry their status and no grade.
		.addColumn('status', 'text', (c) => c.notNull())
		.addColumn('grade', 'text')
		.addColumn('total', 'integer')
		.addColumn('codes', 'jsonb', (c) => c.notNull())
		.addColumn('profile', 'jsonb', (c) => c.notNull())
		.addColumn('pass_mark', 'integer', (c) => c.notNull())
		.addColumn('first_class_mark', 'integer', (c) => c.notNull())
		// Why this version was made: computed (marking finished), boundaries (moved before approval), review.
		.addColumn('cause', 'text', (c) => c.notNull())
		.addColumn('computed_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addColumn('computed_by', 'uuid')
		.addPrimaryKeyConstraint('result_pkey', ['id'])
		.addUniqueConstraint('result_attempt_version_key', ['attempt_id', 'version'])
		.addForeignKeyConstraint('result_attempt_id_fkey', ['attempt_id'], 'attempt', ['id'])
		.addCheckConstraint('result_status_check', sql`status in ('graded','absent','void')`)
		.addCheckConstraint('result_grade_check', sql`(status = 'graded') = (grade is not null and total is not null)`)
		.addCheckConstraint('result_grade_values_check', sql`grade is null or grade in ('First Class Pass','Pass','Fail')`)
		.addCheckConstraint('result_cause_check', sql`cause in ('computed','boundaries','review')`)
		.execute();
	await sql`create trigger result_append_only before update or delete on result
		for each row execute function audit_log_refuse_change()`.execute(db);
	await sql`create trigger result_no_truncate before truncate on result
		for each statement execute function audit_log_refuse_change()`.execute(db);

	await db.schema
		.createTable('sitting_results')
		.addColumn('sitting_id', 'uuid', (c) => c.notNull())
		.addColumn('computed_at', 'timestamptz', (c) => c.notNull())
		.addColumn('approved_at', 'timestamptz')
		.addColumn('approved_by', 'uuid')
		.addColumn('released_at', 'timestamptz')
		.addColumn('released_by', 'uuid')
		.addPrimaryKeyConstraint('sitting_results_pkey', ['sitting_id'])
		.addForeignKeyConstraint('sitting_results_sitting_id_fkey', ['sitting_id'], 'sitting', ['id'])
		.addCheckConstraint('sitting_results_order_check', sql`(released_at is null or approved_at is not null)`)
		.execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
