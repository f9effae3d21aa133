import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
// The sweep (every 10 seconds, in every app process) stores the end of reading time; this partial
// index holds only attempts still in reading time, so it never scans past sittings.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema.createIndex('attempt_reading_ends_idx').on('attempt').column('reading_ends_at').where(sql.ref('state'), '=', sql.lit('reading')).execute();
}
