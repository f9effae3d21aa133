import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';

import {
	connectionUrlFor,
	databaseConfigFromEnv,
	openPGlite,
	openPostgres,
	type DatabaseHandle,
	type DatabaseRole
} from '../../src/lib/server/db/index.js';
import { migrateToLatest } from '../../src/lib/server/db/migrate.js';
import { databaseUrlFor } from './pg-admin.js';

export const onPostgres = Boolean(process.env.DATABASE_URL);

export interface TestDatabase extends DatabaseHandle {
	/** Which role `db` logs in as (PGlite has one user: 'owner'). */
	role: DatabaseRole;
	/**
	 * Another handle on the same database logging in as `role` (PostgreSQL), closed with this one.
	 * PGlite has one user, so it is this same handle.
	 */
	connect(role: DatabaseRole): DatabaseHandle;
}

/**
 * A migrated database of its own for one test file. On PostgreSQL it is cloned from the template
 * the global setup migrated, and dropped on close; otherwise it is an in-memory PGlite.
 *
 * On PostgreSQL the handle logs in as the app role, as the running app does, so every service
 * test also proves the app role's privileges are enough. `as: 'owner'` gives the owner instead; an
 * unmigrated database (`migrate: false`) is the owner's by default, since only the owner can migrate.
 */
export async function createTestDatabase(
	opts: { migrate?: boolean; as?: DatabaseRole } = {}
): Promise<TestDatabase> {
	const migrate = opts.migrate ?? true;
	const role = opts.as ?? (migrate ? 'app' : 'owner');
	const url = process.env.DATABASE_URL;
	if (!url) {
		// A copy of the data folder the global setup migrated (or, outside it, migrated here).
		const template = migrate ? inject('pgliteTemplate') : null;
		const h = await openPGlite(
			undefined,
			template ? { loadDataDir: new Blob([readFileSync(template)]) } : {}
		);
		if (migrate && !template) await migrateToLatest(h.db);
		return { ...h, role: 'owner', connect: () => h };
	}
	const name = `exam_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
	const template = inject('templateDatabase');
	await withAdmin(url, async (admin) => {
		for (let attempt = 0; ; attempt++) {
			try {
				await admin.query(
					migrate && template
						? `create database ${name} template ${template}`
						: `create database ${name}`
				);
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
	// The app's own rule for its connection (one URL naming the owner, the app role's name swapped in).
	const config = {
		...databaseConfigFromEnv(),
		databaseUrl: databaseUrlFor(url, name),
		ownerUrl: undefined
	};
	const others: DatabaseHandle[] = [];
	const open = (as: DatabaseRole) => openPostgres(connectionUrlFor(config, as), 5);
	const h = open(role);
	return {
		...h,
		role,
		connect: (as) => {
			const other = open(as);
			others.push(other);
			return other;
		},
		close: async () => {
			await Promise.all([h, ...others].map((o) => o.close()));
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
