import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('unit')
		.addColumn('code', 'text', (c) => c.notNull())
		.addColumn('title', 'text', (c) => c.notNull())
		.addColumn('level', 'integer', (c) => c.notNull())
		.addColumn('route', 'text', (c) => c.notNull())
		.addColumn('status', 'text', (c) => c.notNull())
		.addColumn('content', 'jsonb', (c) => c.notNull())
		.addColumn('content_hash', 'text', (c) => c.notNull())
		.addColumn('updated_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('unit_pkey', ['code'])
		.addCheckConstraint('unit_level_check', sql`level between 1 and 3`)
		.execute();

	await db.schema
		.createTable('paper')
		.addColumn('id', 'uuid', (c) => c.defaultTo(sql`gen_random_uuid()`).notNull())
		.addColumn('code', 'text', (c) => c.notNull())
		.addColumn('unit_code', 'text', (c) => c.notNull())
		.addColumn('kind', 'text', (c) => c.notNull())
		.addColumn('current_version_id', 'uuid')
		.addColumn('created_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('paper_pkey', ['id'])
		.addUniqueConstraint('paper_code_key', ['code'])
		.addForeignKeyConstraint('paper_unit_code_fkey', ['unit_code'], 'unit', ['code'])
		.addCheckConstraint('paper_kind_check', sql`kind in ('live','practice')`)
		.execute();

	// A version is the paper's content at one content hash. Versions are never changed or deleted,
	// so a sitting that used one keeps exactly what its candidates saw. Boundaries are data: set from
	// the file when the version is created, editable until results are approved (then locked).
	await db.schema
		.createTable('paper_version')
		.addColumn('id', 'uuid', (c) => c.defaultTo(sql`gen_random_uuid()`).notNull())
		.addColumn('paper_id', 'uuid', (c) => c.notNull())
		.addColumn('version', 'integer', (c) => c.notNull())
		.addColumn('content_hash', 'text', (c) => c.notNull())
		.addColumn('title', 'text', (c) => c.notNull())
		.addColumn('content', 'jsonb', (c) => c.notNull())
		.addColumn('total_marks', 'integer', (c) => c.notNull())
		.addColumn('duration_minutes', 'integer', (c) => c.notNull())
		.addColumn('reading_minutes', 'integer', (c) => c.notNull())
		.addColumn('pass_mark', 'integer', (c) => c.notNull())
		.addColumn('first_class_mark', 'integer', (c) => c.notNull())
		.addColumn('boundaries_locked_at', 'timestamptz')
		.addColumn('imported_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('paper_version_pkey', ['id'])
		.addForeignKeyConstraint('paper_version_paper_id_fkey', ['paper_id'], 'paper', ['id'])
		.addUniqueConstraint('paper_version_paper_version_key', ['paper_id', 'version'])
		.addUniqueConstraint('paper_version_paper_hash_key', ['paper_id', 'content_hash'])
		.addCheckConstraint('paper_version_boundaries_check', sql`pass_mark > 0 and pass_mark < first_class_mark and first_class_mark <= total_marks`)
		.execute();
	await sql`alter table paper add constraint paper_current_version_id_fkey foreign key (current_version_id) references paper_version (id)`.execute(db);

	// Items flattened for queries (autosave key checks, marking, results) without parsing content.
	await db.schema
		.createTable('paper_item')
		.addColumn('paper_version_id', 'uuid', (c) => c.notNull())
		.addColumn('item_key', 'text', (c) => c.notNull())
		.addColumn('position', 'integer', (c) => c.notNull())
		.addColumn('label', 'text', (c) => c.notNull())
		.addColumn('max_marks', 'integer', (c) => c.notNull())
		.addColumn('area', 'text', (c) => c.notNull())
		.addPrimaryKeyConstraint('paper_item_pkey', ['paper_version_id', 'item_key'])
		.addForeignKeyConstraint('paper_item_paper_version_id_fkey', ['paper_version_id'], 'paper_version', ['id'])
		.execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
