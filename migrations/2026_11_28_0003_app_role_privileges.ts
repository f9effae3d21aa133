import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
//
// The app now logs in as a role that owns nothing (README, "Database roles"). The migrator grants
// that role its privileges after every run (src/lib/server/db/roles.ts), because the role's name is
// configuration, not schema, and because tables added later need them too. What belongs to the
// schema is here: PostgreSQL before 15 lets every role create tables in public, where a table of the
// app's would be one it owns; only the owner may create there. (2026_11_28_0001 makes the live
// exam's append-only tables refuse TRUNCATE.) Revokes only what is there, so it is safe to run again.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	await sql`
		do $$
		begin
			if has_schema_privilege('public', 'public', 'CREATE') then
				revoke create on schema public from public;
			end if;
		end
		$$`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
