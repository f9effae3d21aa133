import { sql, type Kysely } from 'kysely';

import { AppError } from '../errors.js';

/**
 * The two database roles (README, "Database roles"). The OWNER runs migrations and owns every table;
 * the APP role is what the running app logs in as: it owns nothing, so it cannot disable a trigger,
 * drop or truncate a table, or change `session_replication_role` (superusers only); and it holds no
 * UPDATE or DELETE on the tables below, so their rows cannot be rewritten even if the app is made to
 * run SQL of an attacker's choosing.
 */

/**
 * Tables whose rows are never changed or removed once written: the app role may only read and add.
 * The one list of them (the roles test checks it against the tables carrying an append-only trigger,
 * so a new append-only table that is not listed here fails the tests).
 */
export const APPEND_ONLY_TABLES: readonly string[] = [
	'audit_log',
	'response_revision',
	'sitting_event',
	'save_quarantine',
	'mark',
	'result',
	'seed',
	'seed_judgement',
	'marker_standing',
	'review_event',
	'mock_mark'
];

/** Kysely's own bookkeeping: only the owner, who migrates, touches it. */
export const MIGRATION_TABLES: readonly string[] = ['kysely_migration', 'kysely_migration_lock'];

export const DEFAULT_APP_ROLE = 'exam_app';

export interface AppRoleOptions {
	/** DATABASE_APP_ROLE */
	role: string;
	/** DATABASE_APP_PASSWORD: set on the role when given (password authentication); unset leaves it alone. */
	password?: string;
}

export function appRoleFromEnv(env: NodeJS.ProcessEnv = process.env): AppRoleOptions {
	return {
		role: env.DATABASE_APP_ROLE || DEFAULT_APP_ROLE,
		password: env.DATABASE_APP_PASSWORD || undefined
	};
}

/** One number for pg_advisory_xact_lock, so two processes migrating at once grant one after the other. */
const GRANT_LOCK = 8992_0013;

/** PostgreSQL error codes this module expects. */
const DUPLICATE_OBJECT = '42710';
const UNIQUE_VIOLATION = '23505';
const INSUFFICIENT_PRIVILEGE = '42501';

function errorCode(err: unknown): string | undefined {
	return typeof err === 'object' && err !== null && 'code' in err
		? String((err as { code: unknown }).code)
		: undefined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function currentUser(db: AnyDb): Promise<string> {
	const { rows } = await sql<{ user: string }>`select current_user as "user"`.execute(db);
	return rows[0]!.user;
}

/** Migrating as the app role would fail half-way with "permission denied"; say what is wrong instead. */
export async function assertNotAppRole(db: AnyDb, app: AppRoleOptions): Promise<void> {
	if ((await currentUser(db)) === app.role) {
		throw new AppError(
			`Migrations must run as the tables' owner, but this connection logs in as the app role "${app.role}". ` +
				"Set DATABASE_OWNER_URL to the owner's connection (DATABASE_URL may stay the app role's).",
			500
		);
	}
}

/**
 * Makes the app role exist and hold exactly the privileges the app needs on every table now in the
 * schema: run after every migration run, so tables added by later migrations are covered without
 * each migration having to remember. Idempotent; run as the owner.
 */
export async function grantAppRole(db: AnyDb, app: AppRoleOptions): Promise<void> {
	await assertNotAppRole(db, app);
	await ensureRole(db, app);
	await db.transaction().execute(async (trx) => {
		await sql`select pg_advisory_xact_lock(${GRANT_LOCK}::bigint)`.execute(trx);
		await checkRoleIsPlain(trx, app.role);
		const role = sql.id(app.role);

		// PUBLIC normally has CONNECT and USAGE already; grant them only when it does not, because an
		// owner that owns neither the database nor the schema may not grant on them.
		const { rows: reach } = await sql<{ connect: boolean; usage: boolean; create: boolean }>`
			select has_database_privilege(${app.role}::name, current_database(), 'CONNECT') as connect,
				has_schema_privilege(${app.role}::name, 'public', 'USAGE') as usage,
				has_schema_privilege(${app.role}::name, 'public', 'CREATE') as create`.execute(trx);
		if (!reach[0]!.connect) {
			const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(trx);
			await sql`grant connect on database ${sql.id(rows[0]!.name)} to ${role}`.execute(trx);
		}
		if (!reach[0]!.usage) await sql`grant usage on schema public to ${role}`.execute(trx);
		if (reach[0]!.create) await sql`revoke create on schema public from ${role}`.execute(trx);

		const { rows: relations } = await sql<{ name: string; kind: string }>`
			select c.relname as name, c.relkind as kind
			from pg_class c join pg_namespace n on n.oid = c.relnamespace
			where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'S')
			order by c.relname`.execute(trx);
		for (const { name, kind } of relations) {
			const target = sql.table(`public.${name}`);
			// Start from nothing each time: a privilege granted by hand, or by an earlier version of this
			// list, does not linger (TRUNCATE, REFERENCES, TRIGGER are never given).
			if (kind === 'S') {
				await sql`revoke all on sequence ${target} from ${role}`.execute(trx);
				await sql`grant usage on sequence ${target} to ${role}`.execute(trx);
				continue;
			}
			await sql`revoke all on table ${target} from ${role}`.execute(trx);
			if (MIGRATION_TABLES.includes(name)) continue;
			if (kind === 'v' || kind === 'm')
				await sql`grant select on table ${target} to ${role}`.execute(trx);
			else if (APPEND_ONLY_TABLES.includes(name))
				await sql`grant select, insert on table ${target} to ${role}`.execute(trx);
			else
				await sql`grant select, insert, update, delete on table ${target} to ${role}`.execute(trx);
		}
	});
}

/**
 * Creates the app role when the cluster has none (roles are cluster-wide: databases of one server
 * share it). Test files migrating at the same instant race to create it; the loser's duplicate error
 * means it exists, which is all that is wanted.
 */
async function ensureRole(db: AnyDb, app: AppRoleOptions): Promise<void> {
	const exists = async () =>
		(
			await sql<{
				n: number;
			}>`select count(*)::int as n from pg_roles where rolname = ${app.role}`.execute(db)
		).rows[0]!.n > 0;
	if (!(await exists())) {
		try {
			await sql`create role ${sql.id(app.role)} login nosuperuser nocreatedb nocreaterole noinherit noreplication nobypassrls`.execute(
				db
			);
		} catch (err) {
			const code = errorCode(err);
			if (code === INSUFFICIENT_PRIVILEGE) {
				throw new AppError(
					`The app role "${app.role}" does not exist and the owner may not create roles: create it once ` +
						`(CREATE ROLE ${app.role} LOGIN PASSWORD '…') or give the owner CREATEROLE.`,
					500
				);
			}
			if (code !== DUPLICATE_OBJECT && code !== UNIQUE_VIOLATION) throw err;
		}
	}
	if (app.password !== undefined) {
		// ALTER ROLE takes no parameters; format() quotes the name and the password as PostgreSQL reads them.
		const { rows } = await sql<{
			statement: string;
		}>`select format('alter role %I with login password %L', ${app.role}::text, ${app.password}::text) as statement`.execute(
			db
		);
		await sql.raw(rows[0]!.statement).execute(db);
	}
}

/**
 * Privileges mean nothing for a role that can step around them: a superuser, a role that can create
 * roles (and so grant itself the owner's), or one that is a member of the owner (SET ROLE owner).
 * Such a role was made by hand; refuse it rather than quietly alter someone's roles.
 */
async function checkRoleIsPlain(db: AnyDb, role: string): Promise<void> {
	const { rows } = await sql<{
		rolsuper: boolean;
		rolcreaterole: boolean;
		rolbypassrls: boolean;
		owner_member: boolean;
	}>`
		select rolsuper, rolcreaterole, rolbypassrls, pg_has_role(rolname, current_user, 'MEMBER') as owner_member
		from pg_roles where rolname = ${role}`.execute(db);
	const r = rows[0];
	if (!r) throw new Error(`The app role "${role}" does not exist`);
	const problems = [
		r.rolsuper && 'is a superuser',
		r.rolcreaterole && 'may create roles',
		r.rolbypassrls && 'bypasses row security',
		r.owner_member && "is a member of the tables' owner (it could SET ROLE to it)"
	].filter((p): p is string => Boolean(p));
	if (problems.length)
		throw new AppError(
			`The app role "${role}" ${problems.join(' and ')}: it must be a plain login role that owns nothing`,
			500
		);
}
