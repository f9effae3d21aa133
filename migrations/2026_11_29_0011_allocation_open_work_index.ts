import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
//
// "Save and next" picks a marker's oldest open allocation on a paper. A marker may hold tens of
// thousands of allocations, most of them done: this index holds only the open ones, so the pick
// reads a few rows instead of the marker's whole history (docs/benchmarks.md, marking).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	await sql`create index allocation_open_work_idx on allocation (marker_id, allocated_at)
		where withdrawn_at is null and completed_at is null`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
