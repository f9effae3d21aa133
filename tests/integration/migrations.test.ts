import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations/index.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { migrateToLatest } from '../../src/lib/server/db/migrate.js';
import { createTestDatabase } from '../helpers/db.js';

let h: DatabaseHandle;
beforeAll(async () => {
	h = await createTestDatabase({ migrate: false });
});
afterAll(() => h.close());

describe('migrations from an empty database', () => {
	it('apply every migration in order, then have nothing left to do', async () => {
		const first = await migrateToLatest(h.db);
		expect(first.map((r) => [r.migrationName, r.status])).toEqual(
			Object.keys(migrations).map((n) => [n, 'Success'])
		);
		const second = await migrateToLatest(h.db);
		expect(second).toEqual([]);
	});
	it('create the foundation tables with named constraints', async () => {
		const tables = await sql<{
			table_name: string;
		}>`select table_name from information_schema.tables where table_schema = 'public'`.execute(
			h.db
		);
		const names = tables.rows.map((r) => r.table_name);
		for (const t of [
			'centre',
			'app_user',
			'membership',
			'candidate',
			'auth_session',
			'sign_in_attempt',
			'audit_log'
		]) {
			expect(names).toContain(t);
		}
		const constraints = await sql<{
			conname: string;
		}>`select conname from pg_constraint where conrelid = 'candidate'::regclass and contype <> 'n'`.execute(
			h.db
		);
		expect(constraints.rows.map((r) => r.conname).sort()).toEqual(
			[
				'candidate_centre_id_fkey',
				'candidate_centre_number_key',
				'candidate_extra_time_percent_check',
				'candidate_pkey'
			].sort()
		);
	});
	it('refuse an out-of-range extra time at the database too', async () => {
		const c = await h.db
			.insertInto('centre')
			.values({ number: '123456', name: 'X' })
			.returning('id')
			.executeTakeFirstOrThrow();
		await expect(
			h.db
				.insertInto('candidate')
				.values({
					centre_id: c.id,
					candidate_number: '1',
					first_name: 'A',
					last_name: 'B',
					extra_time_percent: 150
				})
				.execute()
		).rejects.toThrow(/candidate_extra_time_percent_check/);
	});
});
