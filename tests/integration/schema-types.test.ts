import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SCHEMA_TYPES_FILE, schemaTypes } from '../../src/cli/schema-types.js';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/db.js';

/*
 * The query types are generated from the migrations: this fails when a migration changed the
 * database and schema.generated.ts was not regenerated (`npm run db:types`), on whichever engine
 * the suite runs on, so the two engines are also shown to migrate to the same tables.
 */
let h: TestDatabase;
beforeAll(async () => {
	h = await createTestDatabase({ as: 'owner' });
});
afterAll(async () => {
	await h?.close();
});

describe(`the generated database types (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
	it('are what the migrated database generates today', async () => {
		const generated = await schemaTypes(h.db);
		expect(
			generated === readFileSync(SCHEMA_TYPES_FILE, 'utf8'),
			`${SCHEMA_TYPES_FILE} is stale: run npm run db:types and commit it`
		).toBe(true);
	});

	it('type every table the migrations create', async () => {
		const generated = await schemaTypes(h.db);
		const { rows } = await sql<{ table_name: string }>`
			select table_name from information_schema.tables where table_schema = 'public'`.execute(h.db);
		expect(rows.length).toBeGreaterThan(30);
		for (const { table_name } of rows) {
			if (table_name.startsWith('kysely_migration')) continue;
			expect(generated, table_name).toContain(`\t${table_name}: `);
		}
	});
});
