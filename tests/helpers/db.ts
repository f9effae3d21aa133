import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openPGlite, openPostgres, type DatabaseHandle } from '../../src/lib/server/db/index.js';
import { migrateToLatest } from '../../src/lib/server/db/migrate.js';
import { databaseUrlFor } from './pg-admin.js';

export const onPostgres = Boolean(process.env.DATABASE_URL);

/**
 * A migrated database of its own for one test file. On PostgreSQL it is cloned from the template
 * the global setup migrated, and dropped on close; otherwise it is an in-memory PGlite.
 */
export async function createTestDatabase(opts: { migrate?: boolean } = {}): Promise<DatabaseHandle> {
	const migrate = opts.migrate ?? true;
	const url = process.env.DATABASE_URL;
	if (!url) {
		const h = await openPGlite();
		if (migrate) await migrateToLatest(h.db);
		return h;
	}
	const name = `exam_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
	const template = inject('templateDatabase');
	await withAdmin(url, async (admin) => {
		for (let attempt = 0; ; attempt++) {
			try {
				await admin.query(migrate && template ? `create database ${name} template ${template}` : `create database ${name}`);
				return;
			} catch (err) {
				// Two files cloning the template at the same instant: PostgreSQL refuses one; try again.
				if (attempt < 20 && /being accessed by other users/.test(String(err))) {
					await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
					continue;
				}
				throw err;
			}
		}
	});
	const h = openPostgres(databaseUrlFor(url, name), 5);
	return {
		...h,
		close: async () => {
			await h.close();
			await withAdmin(url, (admin) => admin.query(`drop database if exists ${name} with (force)`));
		}
	};
}

async function withAdmin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
	const c = new pg.Client({ connectionString: url });
	await c.connect();
	try {
		return await fn(c);
	} finally {
		await c.end();
	}
}
