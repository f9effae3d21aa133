import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	// Who stopped the clock, as data: a candidate's own rest break was told apart from the
	// invigilator's pause by the wording of the pause reason.
	await db.schema
		.alterTable('attempt')
		.addColumn('pause_kind', 'text', (c) => c.check(sql`pause_kind in ('invigilator', 'rest_break')`))
		.execute();
	await sql`update attempt set pause_kind = case when pause_reason = 'Rest break (candidate)' then 'rest_break' else 'invigilator' end
		where state = 'paused'`.execute(db);
	await sql`alter table attempt add constraint attempt_pause_kind_check_paused check ((state = 'paused') = (pause_kind is not null))`.execute(db);

	// Refused saves are kept (nothing typed is lost) but bounded per attempt: past the bound they
	// are only counted, so one candidate cannot flood the invigilator's console.
	await db.schema
		.alterTable('attempt')
		.addColumn('quarantine_overflow', 'integer', (c) => c.notNull().defaultTo(0))
		.execute();
	await db.schema.createIndex('save_quarantine_attempt_id_idx').on('save_quarantine').column('attempt_id').execute();

	// The append-only tables refuse TRUNCATE too, as the audit log does.
	for (const table of ['response_revision', 'save_quarantine', 'sitting_event']) {
		await sql`create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)}
			for each statement execute function audit_log_refuse_change()`.execute(db);
	}
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
