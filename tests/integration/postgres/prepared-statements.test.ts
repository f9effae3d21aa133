import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DatabaseHandle } from '../../../src/lib/server/db/index.js';
import { createTestDatabase } from '../../helpers/db.js';

// PostgreSQL only (vitest.config.ts includes this folder when DATABASE_URL is set): PGlite runs in
// the process and has no connections to prepare statements on.
let h: DatabaseHandle;
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

describe('statements a connection runs again and again are prepared on it', () => {
	it('prepares a statement from its third run, answers the same rows each time, and leaves one-off statements alone', async () => {
		await h.db.connection().execute(async (conn) => {
			const prepared = async () =>
				(
					await sql<{
						statement: string;
					}>`select statement from pg_prepared_statements where from_sql = false`.execute(conn)
				).rows.map((r) => r.statement);
			const lookup = (number: string) =>
				conn.selectFrom('centre').select(['number']).where('number', '=', number).execute();
			await conn
				.insertInto('centre')
				.values({ number: '700001', name: 'Prepared Centre' })
				.execute();
			const answers = [];
			for (let i = 0; i < 4; i++) answers.push(await lookup(i % 2 ? '700001' : '700002'));
			expect(answers).toEqual([[], [{ number: '700001' }], [], [{ number: '700001' }]]);
			const statements = await prepared();
			expect(statements.filter((s) => s.includes('from "centre"'))).toHaveLength(1);
			expect(statements.some((s) => s.startsWith('insert into "centre"'))).toBe(false);
		});
	});
});
