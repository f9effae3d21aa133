import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

import { openPostgres } from '../../../src/lib/server/db/index.js';
import { createTestDatabase } from '../../helpers/db.js';

/*
 * A connection the server ends while it sits idle in the pool (a restart, a failover, an
 * administrator) must not crash the app: the pool drops it and the next query opens a new one.
 */
describe('an idle connection closed by the server', () => {
	it('is survived: the next query works', async () => {
		const t = await createTestDatabase({ as: 'owner' });
		const url = process.env.DATABASE_URL!;
		const { rows } = await sql<{ db: string }>`select current_database() as db`.execute(t.db);
		const name = rows[0]!.db;
		await t.close();
		const admin = new pg.Client({ connectionString: url });
		await admin.connect();
		await admin.query(`create database ${name}_idle`);
		const h = openPostgres(url.replace(/\/[^/]*$/, `/${name}_idle`), 2);
		try {
			const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(h.db))
				.rows[0]!.pid;
			// The connection is idle in the pool now; the server ends it.
			await admin.query('select pg_terminate_backend($1)', [pid]);
			await expect
				.poll(
					async () =>
						(
							await admin.query('select count(*)::int as n from pg_stat_activity where pid = $1', [
								pid
							])
						).rows[0].n
				)
				.toBe(0);
			const after = await sql<{ one: number }>`select 1 as one`.execute(h.db);
			expect(after.rows[0]!.one).toBe(1);
		} finally {
			await h.close();
			await admin.query(`drop database if exists ${name}_idle with (force)`);
			await admin.end();
		}
	});
});

/*
 * A connection the server ends while the app holds it between two statements (a restart under
 * load) must not crash the process either: the next statement fails with an error the app treats
 * as the database being away (503, try again), and the pool opens a fresh connection afterwards.
 * Before the fix the connection's 'error' event had no listener and killed the process.
 */
describe('a connection in use closed by the server', () => {
	it('fails its next statement as "database unavailable", and the next request works', async () => {
		const { databaseUnavailable } = await import('../../../src/lib/server/db/unavailable.js');
		const t = await createTestDatabase({ as: 'owner' });
		const url = process.env.DATABASE_URL!;
		const admin = new pg.Client({ connectionString: url });
		await admin.connect();
		try {
			let failure: unknown = null;
			await t.db.connection().execute(async (conn) => {
				const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn))
					.rows[0]!.pid;
				await admin.query('select pg_terminate_backend($1)', [pid]);
				await expect
					.poll(
						async () =>
							(
								await admin.query(
									'select count(*)::int as n from pg_stat_activity where pid = $1',
									[pid]
								)
							).rows[0].n
					)
					.toBe(0);
				// Give the client's socket time to see the end (an event, polled for, not slept on).
				await expect
					.poll(async () => {
						try {
							await sql`select 1`.execute(conn);
							return false;
						} catch (err) {
							failure = err;
							return true;
						}
					})
					.toBe(true);
			});
			expect(databaseUnavailable(failure), String(failure)).toBe(true);
			const after = await sql<{ one: number }>`select 1 as one`.execute(t.db);
			expect(after.rows[0]!.one).toBe(1);
		} finally {
			await admin.end();
			await t.close();
		}
	});
});
