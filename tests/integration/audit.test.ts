import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { writeAudit } from '../../src/lib/server/audit/index.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { createTestDatabase } from '../helpers/db.js';

let h: DatabaseHandle;
beforeAll(async () => {
	h = await createTestDatabase({ as: 'owner' }); // tests the owner's own protection (the trigger); the app role is refused earlier (db-roles.test.ts)
	await writeAudit(
		h.db,
		{ userId: null, label: 'tester' },
		{ action: 'test.entry', details: { n: 1 } }
	);
});
afterAll(() => h.close());

describe('audit log is append-only', () => {
	it('accepts inserts', async () => {
		const rows = await h.db
			.selectFrom('audit_log')
			.selectAll()
			.where('action', '=', 'test.entry')
			.execute();
		expect(rows).toHaveLength(1);
		expect(rows[0]!.details).toEqual({ n: 1 });
	});
	it('refuses UPDATE', async () => {
		await expect(
			h.db.updateTable('audit_log').set({ action: 'tampered' }).execute()
		).rejects.toThrow(/append-only: UPDATE refused/);
	});
	it('refuses DELETE', async () => {
		await expect(h.db.deleteFrom('audit_log').execute()).rejects.toThrow(
			/append-only: DELETE refused/
		);
	});
	it('refuses TRUNCATE', async () => {
		await expect(sql`truncate audit_log`.execute(h.db)).rejects.toThrow(
			/append-only: TRUNCATE refused/
		);
	});
	it('still holds every entry afterwards', async () => {
		const rows = await h.db.selectFrom('audit_log').select('action').execute();
		expect(rows.map((r) => r.action)).toEqual(['test.entry']);
	});
});
