import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

import { openPostgres } from '../../src/lib/server/db/index.js';
import { migrateToLatest } from '../../src/lib/server/db/migrate.js';
import { PGliteDialect } from '../../src/lib/server/db/pglite-dialect.js';
import type { Database } from '../../src/lib/server/db/schema.js';
import { databaseUrlFor } from './pg-admin.js';

declare module 'vitest' {
	export interface ProvidedContext {
		templateDatabase: string | null;
		/** On PGlite: a file holding a dump of a migrated data folder, which each test file loads. */
		pgliteTemplate: string | null;
	}
}

/**
 * On PostgreSQL: migrate one template database; each test file clones it (fast, isolated). It is
 * migrated as the owner (DATABASE_URL's user), which also creates the app role and grants it its
 * privileges; a clone keeps the grants, so test files log in to their clones as the app role.
 */
export default async function setup(project: TestProject) {
	const url = process.env.DATABASE_URL;
	if (!url) {
		// Migrating an in-memory PGlite costs each test file a second or more: migrate once, and let
		// every file start from a copy of the migrated data folder.
		const pglite = await PGlite.create();
		const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
		await migrateToLatest(db);
		const dump = await pglite.dumpDataDir('none');
		await db.destroy();
		const dir = mkdtempSync(join(tmpdir(), 'exam-pglite-template-'));
		const file = join(dir, 'migrated.tar');
		writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
		project.provide('templateDatabase', null);
		project.provide('pgliteTemplate', file);
		return () => rmSync(dir, { recursive: true, force: true });
	}
	project.provide('pgliteTemplate', null);
	const name = `exam_template_${process.pid}`;
	const admin = new pg.Client({ connectionString: url });
	await admin.connect();
	await admin.query(`drop database if exists ${name}`);
	await admin.query(`create database ${name}`);
	const h = openPostgres(databaseUrlFor(url, name), 2);
	await migrateToLatest(h.db);
	await h.close();
	project.provide('templateDatabase', name);
	return async () => {
		await admin.query(`drop database if exists ${name} with (force)`);
		await admin.end();
	};
}
