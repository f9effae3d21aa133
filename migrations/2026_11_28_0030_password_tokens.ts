import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
//
// Staff accounts are created (and passwords reset) without anyone typing the password: the awarding
// administrator is shown a one-time link once. Only the SHA-256 of the link's random token is kept;
// it expires, and is used up by the one `update … where used_at is null` that sets the password.
// An account whose password was never set holds an empty password_hash, which verifies nothing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('password_token')
		.addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
		.addColumn('user_id', 'uuid', (c) => c.notNull().references('app_user.id').onDelete('cascade'))
		.addColumn('token_hash', 'bytea', (c) => c.notNull())
		.addColumn('purpose', 'text', (c) => c.notNull())
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addColumn('expires_at', 'timestamptz', (c) => c.notNull())
		.addColumn('used_at', 'timestamptz')
		.addUniqueConstraint('password_token_token_hash_key', ['token_hash'])
		.addCheckConstraint('password_token_purpose_check', sql`purpose in ('set', 'reset')`)
		.execute();
	await db.schema.createIndex('password_token_user_id_idx').on('password_token').column('user_id').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
