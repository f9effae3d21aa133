import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
//
// Sign-in throttling counted failures by reading sign_in_attempt and wrote the failure afterwards, so
// parallel guesses all passed the check before any was written. Now each key has one row holding its
// recent failures: an attempt is reserved by one `insert … on conflict do update` on that row, which
// counts and adds under the row's lock (src/lib/server/auth/throttle.ts). sign_in_attempt stays as
// the history of sign-ins, for looking into an incident.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('sign_in_throttle')
		.addColumn('key_kind', 'text', (c) => c.notNull())
		.addColumn('key', 'text', (c) => c.notNull())
		// Failures (and attempts reserved but not yet judged) inside the window, at most the limit's worth.
		.addColumn('failures', sql`timestamptz[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
		// Whether the latest reservation was let through: read back by that statement's RETURNING only.
		.addColumn('allowed', 'boolean', (c) => c.notNull().defaultTo(false))
		.addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addPrimaryKeyConstraint('sign_in_throttle_pkey', ['key_kind', 'key'])
		.addCheckConstraint('sign_in_throttle_key_kind_check', sql`key_kind in ('account', 'address', 'candidate', 'account_at_address', 'candidate_at_address')`)
		.execute();
	// Pruning removes rows untouched for longer than any window.
	await db.schema.createIndex('sign_in_throttle_updated_at_idx').on('sign_in_throttle').column('updated_at').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
