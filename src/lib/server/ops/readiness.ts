import { sql, type Kysely } from 'kysely';

import type { Database } from '../db/schema.js';

export type Readiness = { ready: true } | { ready: false; reason: string };

/** undefined_table: the view is missing, so the migration that adds it (and any later) has not run. */
const UNDEFINED_TABLE = '42P01';

/**
 * Whether this process may take traffic: the database answers within `timeoutMs` and every
 * migration this version of the app knows has been applied (a database that has more, from a newer
 * version, is still served). The reason names no host, error text or migration: /readyz is public.
 */
export async function checkReadiness(
	db: Kysely<Database>,
	known: readonly string[],
	timeoutMs = 3000
): Promise<Readiness> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<'timeout'>((resolve) => {
		timer = setTimeout(() => resolve('timeout'), timeoutMs);
	});
	const query = sql<{ name: string }>`select name from applied_migration`.execute(db).then(
		(r) => ({ names: new Set(r.rows.map((row) => row.name)) }),
		(err: unknown) => ({
			code:
				typeof err === 'object' && err !== null && 'code' in err
					? String((err as { code: unknown }).code)
					: ''
		})
	);
	try {
		const result = await Promise.race([query, timeout]);
		if (result === 'timeout')
			return { ready: false, reason: `the database did not answer within ${timeoutMs / 1000} s` };
		if ('code' in result) {
			if (result.code === UNDEFINED_TABLE)
				return {
					ready: false,
					reason: 'database migrations are behind (run `npm run cli -- migrate`)'
				};
			return { ready: false, reason: 'the database is unreachable' };
		}
		const pending = known.filter((name) => !result.names.has(name)).length;
		if (pending > 0)
			return {
				ready: false,
				reason: `database migrations are behind: ${pending} not applied (run \`npm run cli -- migrate\`)`
			};
		return { ready: true };
	} finally {
		clearTimeout(timer);
	}
}
