import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { writeAudit } from '../../../src/lib/server/audit/index.js';
import {
	connectionAs,
	connectionUrlFor,
	connectionUser,
	databaseConfigFromEnv,
	openDatabase,
	type Database,
	type DatabaseHandle
} from '../../../src/lib/server/db/index.js';
import { migrateToLatest } from '../../../src/lib/server/db/migrate.js';
import { APPEND_ONLY_TABLES, grantAppRole } from '../../../src/lib/server/db/roles.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { databaseUrlFor } from '../../helpers/pg-admin.js';

// PostgreSQL only: embedded PGlite has one user, the process that opens its files, so roles protect
// nothing there. Here the app logs in as a role that owns nothing and may only read and add rows
// of the append-only tables; the owner migrates.

const APP_ROLE = databaseConfigFromEnv().appRole ?? 'exam_app';

let h: TestDatabase;
let owner: DatabaseHandle;
beforeAll(async () => {
	h = await createTestDatabase();
	owner = h.connect('owner');
});
afterAll(() => h.close());

/** Runs a statement that must be refused for want of privilege (SQLSTATE 42501), and says so. */
async function refused(db: Kysely<Database>, statement: string): Promise<string> {
	try {
		await sql.raw(statement).execute(db);
	} catch (err) {
		expect((err as { code?: string }).code, `${statement}: ${(err as Error).message}`).toBe(
			'42501'
		);
		return (err as Error).message;
	}
	throw new Error(`"${statement}" was allowed`);
}

describe('the connection the tests and the app use', () => {
	it('logs in as the app role, not the owner', async () => {
		const { rows } = await sql<{ user: string; owner: string }>`
			select current_user as user, (select tableowner from pg_tables where tablename = 'audit_log') as owner`.execute(
			h.db
		);
		expect(rows[0]!.user).toBe(APP_ROLE);
		expect(rows[0]!.owner).not.toBe(APP_ROLE);
	});
	it('is a plain role: no superuser, no creating roles or databases, and no member of the owner', async () => {
		const { rows } = await sql<{
			rolsuper: boolean;
			rolcreaterole: boolean;
			rolcreatedb: boolean;
			rolbypassrls: boolean;
			member: boolean;
		}>`
			select rolsuper, rolcreaterole, rolcreatedb, rolbypassrls,
				pg_has_role(rolname, (select tableowner from pg_tables where tablename = 'audit_log'), 'MEMBER') as member
			from pg_roles where rolname = current_user`.execute(h.db);
		expect(rows[0]).toEqual({
			rolsuper: false,
			rolcreaterole: false,
			rolcreatedb: false,
			rolbypassrls: false,
			member: false
		});
	});
	it('owns nothing in the database', async () => {
		const { rows } = await sql<{ relname: string }>`
			select c.relname from pg_class c where c.relowner = (select oid from pg_roles where rolname = current_user)
			union all select n.nspname from pg_namespace n where n.nspowner = (select oid from pg_roles where rolname = current_user)
			union all select p.proname from pg_proc p where p.proowner = (select oid from pg_roles where rolname = current_user)`.execute(
			h.db
		);
		expect(rows).toEqual([]);
	});
	it('is what the running app opens (src/lib/server/ops/database.ts), given one URL naming the owner', async () => {
		const { rows: here } = await sql<{ name: string }>`select current_database() as name`.execute(
			h.db
		);
		const config = {
			...databaseConfigFromEnv(),
			databaseUrl: databaseUrlFor(process.env.DATABASE_URL!, here[0]!.name),
			ownerUrl: undefined
		};
		const app = await openDatabase(config, 'app');
		try {
			expect(
				(await sql<{ user: string }>`select current_user as user`.execute(app.db)).rows[0]!.user
			).toBe(APP_ROLE);
		} finally {
			await app.close();
		}
		const own = await openDatabase(config, 'owner');
		try {
			expect(
				(await sql<{ user: string }>`select current_user as user`.execute(own.db)).rows[0]!.user
			).not.toBe(APP_ROLE);
		} finally {
			await own.close();
		}
	});
});

describe('the app role may not rewrite the record', () => {
	it('reads and adds rows of the append-only tables', async () => {
		await writeAudit(
			h.db,
			{ userId: null, label: 'roles test' },
			{ action: 'roles.test', details: {} }
		);
		const rows = await h.db
			.selectFrom('audit_log')
			.select('action')
			.where('action', '=', 'roles.test')
			.execute();
		expect(rows).toEqual([{ action: 'roles.test' }]);
	});
	for (const table of APPEND_ONLY_TABLES) {
		it(`may not UPDATE, DELETE or TRUNCATE ${table}`, async () => {
			expect(await refused(h.db, `update ${table} set id = default`)).toMatch(
				`permission denied for table ${table}`
			);
			expect(await refused(h.db, `delete from ${table}`)).toMatch(
				`permission denied for table ${table}`
			);
			expect(await refused(h.db, `truncate ${table}`)).toMatch(
				`permission denied for table ${table}`
			);
		});
	}
	it('may not disable a trigger, or drop or alter a table (it owns none)', async () => {
		for (const table of APPEND_ONLY_TABLES) {
			expect(await refused(h.db, `alter table ${table} disable trigger all`)).toMatch(
				`must be owner of table ${table}`
			);
		}
		expect(
			await refused(h.db, 'alter table audit_log disable trigger audit_log_append_only')
		).toMatch('must be owner');
		expect(await refused(h.db, 'drop table audit_log')).toMatch('must be owner');
		expect(await refused(h.db, 'drop function audit_log_refuse_change() cascade')).toMatch(
			'must be owner'
		);
		expect(await refused(h.db, 'alter table centre add column x int')).toMatch('must be owner');
	});
	it('may not switch triggers off for its session (session_replication_role)', async () => {
		await h.db.connection().execute(async (conn) => {
			expect(await refused(conn, 'set session_replication_role = replica')).toMatch(
				'permission denied to set parameter'
			);
		});
	});
	it('may not create tables or functions in public, nor become the owner', async () => {
		expect(await refused(h.db, 'create table public.mine (id int)')).toMatch(
			'permission denied for schema public'
		);
		expect(
			await refused(h.db, 'create function public.f() returns int language sql as $$ select 1 $$')
		).toMatch('permission denied for schema public');
		const ownerName = (
			await sql<{
				o: string;
			}>`select tableowner as o from pg_tables where tablename = 'audit_log'`.execute(h.db)
		).rows[0]!.o;
		await h.db.connection().execute(async (conn) => {
			expect(await refused(conn, `set role "${ownerName}"`)).toMatch(
				'permission denied to set role'
			);
		});
	});
	it('may not TRUNCATE an ordinary table either, nor touch the migrations', async () => {
		expect(await refused(h.db, 'truncate centre cascade')).toMatch('permission denied for table');
		expect(await refused(h.db, 'select * from kysely_migration')).toMatch(
			'permission denied for table kysely_migration'
		);
		expect(await refused(h.db, 'delete from kysely_migration_lock')).toMatch(
			'permission denied for table kysely_migration_lock'
		);
	});
	it('keeps every row it could not change', async () => {
		const rows = await h.db
			.selectFrom('audit_log')
			.select('action')
			.where('action', '=', 'roles.test')
			.execute();
		expect(rows).toHaveLength(1);
	});
});

describe('what the owner grants', () => {
	it('lists exactly the tables that carry an append-only trigger as append-only', async () => {
		// A table whose trigger refuses UPDATE or DELETE with the append-only function must be listed,
		// or the app role would be granted UPDATE and DELETE on it.
		const { rows } = await sql<{ table: string }>`
			select distinct c.relname as table
			from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_proc p on p.oid = t.tgfoid
			where not t.tgisinternal and p.proname = 'audit_log_refuse_change' and (t.tgtype & (8 | 16)) <> 0
			order by 1`.execute(owner.db);
		expect(rows.map((r) => r.table)).toEqual([...APPEND_ONLY_TABLES].sort());
	});
	it('gives the app role exactly SELECT and INSERT on append-only tables and plain DML elsewhere, no TRUNCATE, REFERENCES or TRIGGER', async () => {
		const { rows } = await sql<{ table: string; privileges: string[] }>`
			select c.relname as table, coalesce(array_agg(a.privilege_type order by a.privilege_type) filter (where a.privilege_type is not null), '{}') as privileges
			from pg_class c join pg_namespace n on n.oid = c.relnamespace
			left join lateral aclexplode(c.relacl) a on a.grantee = (select oid from pg_roles where rolname = ${APP_ROLE})
			where n.nspname = 'public' and c.relkind in ('r', 'p')
			group by c.relname`.execute(owner.db);
		expect(rows.length).toBeGreaterThan(APPEND_ONLY_TABLES.length);
		for (const { table, privileges } of rows) {
			const expected = table.startsWith('kysely_migration')
				? []
				: APPEND_ONLY_TABLES.includes(table)
					? ['INSERT', 'SELECT']
					: ['DELETE', 'INSERT', 'SELECT', 'UPDATE'];
			expect([table, privileges]).toEqual([table, expected]);
		}
	});
	it('covers a table a later migration adds, and takes back a privilege granted by hand', async () => {
		await sql`create table later_table (id int)`.execute(owner.db);
		await sql.raw(`grant truncate on response_revision to ${APP_ROLE}`).execute(owner.db);
		await grantAppRole(owner.db, { role: APP_ROLE });
		await sql`insert into later_table values (1)`.execute(h.db);
		expect(await refused(h.db, 'truncate response_revision')).toMatch('permission denied');
		expect(await refused(h.db, 'truncate later_table')).toMatch('permission denied');
	});
	it('refuses to migrate as the app role, saying what to set', async () => {
		await expect(migrateToLatest(h.db)).rejects.toThrow(
			/must run as the tables' owner.*DATABASE_OWNER_URL/
		);
	});
	it('the owner is refused TRUNCATE of the append-only tables too (their triggers)', async () => {
		for (const table of APPEND_ONLY_TABLES) {
			// CASCADE: a table other tables reference (result, by certificates) is otherwise refused for
			// its foreign keys before its own trigger is asked; with it, the trigger must refuse.
			await expect(sql.raw(`truncate ${table} cascade`).execute(owner.db)).rejects.toThrow(
				/append-only: TRUNCATE refused/
			);
		}
	});
});

describe('connection strings for the two roles', () => {
	const base = { dataDir: './unused', appRole: 'exam_app' };
	it('one URL naming the owner: the owner migrates with it; the app gets the same server and database as the app role', () => {
		const config = { ...base, databaseUrl: 'postgres://root@127.0.0.1:5432/exams' };
		expect(connectionUrlFor(config, 'owner')).toBe('postgres://root@127.0.0.1:5432/exams');
		expect(connectionUrlFor(config, 'app')).toBe('postgres://exam_app@127.0.0.1:5432/exams');
	});
	it("never hands the owner's password to the app; DATABASE_APP_PASSWORD goes in, encoded", () => {
		const config = { ...base, databaseUrl: 'postgres://root:s3cret@db:5432/exams?sslmode=require' };
		expect(connectionUrlFor(config, 'app')).toBe(
			'postgres://exam_app@db:5432/exams?sslmode=require'
		);
		const withPassword = connectionUrlFor({ ...config, appPassword: 'p@ss:w%rd/' }, 'app');
		expect(connectionUser(withPassword)).toBe('exam_app');
		expect(decodeURIComponent(new URL(withPassword).password)).toBe('p@ss:w%rd/');
	});
	it('a URL that already names the app role is used as it is, with DATABASE_OWNER_URL for migrations', () => {
		const config = {
			...base,
			databaseUrl: 'postgres://exam_app:x@db/exams',
			ownerUrl: 'postgres://owner:y@db/exams'
		};
		expect(connectionUrlFor(config, 'app')).toBe('postgres://exam_app:x@db/exams');
		expect(connectionUrlFor(config, 'owner')).toBe('postgres://owner:y@db/exams');
	});
	it('a socket URL (no host) carries the user as ?user=', () => {
		const url = connectionAs('postgres:///exams?host=/run/postgresql&user=root', 'exam_app');
		expect(connectionUser(url)).toBe('exam_app');
		expect(new URL(url).searchParams.get('host')).toBe('/run/postgresql');
	});
});
