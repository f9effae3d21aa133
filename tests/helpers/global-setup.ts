import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { openPostgres } from '../../src/lib/server/db/index.js';
import { migrateToLatest } from '../../src/lib/server/db/migrate.js';
import { databaseUrlFor } from './pg-admin.js';

declare module 'vitest' {
	export interface ProvidedContext {
		templateDatabase: string | null;
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
		project.provide('templateDatabase', null);
		return;
	}
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
