import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	// A voided attempt remembers the state it was voided from, so the centre administrator can
	// reinstate a mistaken void (until results are approved). Set exactly while the attempt is void.
	await db.schema
		.alterTable('attempt')
		.addColumn('voided_from', 'text', (c) => c.check(sql`voided_from in ('not_started','reading','in_progress','paused','submitted')`))
		.execute();
	// Attempts voided before this column existed: a submitted time says it had been submitted, a
	// start time that it was open, else it had not started.
	await sql`update attempt set voided_from = case
			when submitted_at is not null then 'submitted'
			when started_at is not null then 'in_progress'
			else 'not_started' end
		where state = 'void'`.execute(db);
	await sql`alter table attempt add constraint attempt_voided_from_check_void check ((state = 'void') = (voided_from is not null))`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
