import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
//
// Qualifications over time (issue 15, items 1 to 3).
//
// - qualification_dates: the last dates for registration and for certification the awarding
//   administrator sets per qualification (handbook: "Consult the Walled Garden/Online Catalogue for
//   last dates"); no row or a null date: no last date set.
// - resit_settings: the limit on attempts per unit and the least number of days between two
//   attempts (one row; none → the domain's defaults).
// - registration: a candidate of a centre registered for a qualification through its unit route.
//   One registration per candidate per qualification.
// - certificate_claim: one row per batch a centre claims (who, when, how many).
// - certificate: one per registration (the unique key is what makes a repeated claim a no-op),
//   with its random verification reference and the fields the certificate prints, kept as they were
//   printed so the public check shows exactly what the paper shows.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('qualification_dates')
		.addColumn('qualification_number', 'text', (c) => c.notNull())
		.addColumn('last_registration_on', 'date')
		.addColumn('last_certification_on', 'date')
		.addColumn('updated_by', 'uuid')
		.addColumn('updated_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('qualification_dates_pkey', ['qualification_number'])
		.execute();

	await db.schema
		.createTable('resit_settings')
		.addColumn('id', 'boolean', (c) => c.defaultTo(true).notNull())
		.addColumn('max_attempts', 'integer', (c) => c.notNull())
		.addColumn('min_interval_days', 'integer', (c) => c.notNull())
		.addColumn('updated_by', 'uuid')
		.addColumn('updated_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addPrimaryKeyConstraint('resit_settings_pkey', ['id'])
		.addCheckConstraint('resit_settings_one_row_check', sql`id`)
		.addCheckConstraint('resit_settings_ranges_check', sql`max_attempts between 1 and 20 and min_interval_days between 0 and 365`)
		.execute();

	await db.schema
		.createTable('registration')
		.addColumn('id', 'uuid', (c) => c.defaultTo(sql`gen_random_uuid()`).notNull())
		.addColumn('centre_id', 'uuid', (c) => c.notNull())
		.addColumn('candidate_id', 'uuid', (c) => c.notNull())
		.addColumn('qualification_number', 'text', (c) => c.notNull())
		.addColumn('unit_code', 'text', (c) => c.notNull())
		.addColumn('registered_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull())
		.addColumn('registered_by', 'uuid')
		.addPrimaryKeyConstraint('registration_pkey', ['id'])
		.addUniqueConstraint('registration_candidate_qualification_key', ['candidate_id', 'qualification_number'])
		.addForeignKeyConstraint('registration_centre_id_fkey', ['centre_id'], 'centre', ['id'])
		.addForeignKeyConstraint('registration_candidate_id_fkey', ['candidate_id'], 'candidate', ['id'], (c) => c.onDelete('cascade'))
		.addForeignKeyConstraint('registration_unit_code_fkey', ['unit_code'], 'unit', ['code'])
		.execute();
	await db.schema.createIndex('registration_centre_id_idx').on('registration').column('centre_id').execute();

	await db.schema
		.createTable('certificate_claim')
		.addColumn('id', 'uuid', (c) => c.defaultTo(sql`gen_random_uuid()`).notNull())
		.addColumn('centre_id', 'uuid', (c) => c.notNull())
		.addColumn('claimed_by', 'uuid')
		.addColumn('claimed_at', 'timestamptz', (c) => c.notNull())
		.addColumn('certificates', 'integer', (c) => c.notNull())
		.addPrimaryKeyConstraint('certificate_claim_pkey', ['id'])
		.addForeignKeyConstraint('certificate_claim_centre_id_fkey', ['centre_id'], 'centre', ['id'])
		.execute();

	await db.schema
		.createTable('certificate')
		.addColumn('id', 'uuid', (c) => c.defaultTo(sql`gen_random_uuid()`).notNull())
		.addColumn('reference', 'text', (c) => c.notNull())
		.addColumn('registration_id', 'uuid', (c) => c.notNull())
		.addColumn('claim_id', 'uuid', (c) => c.notNull())
		.addColumn('centre_id', 'uuid', (c) => c.notNull())
		.addColumn('attempt_id', 'uuid', (c) => c.notNull())
		.addColumn('result_id', 'bigint', (c) => c.notNull())
		.addColumn('grade', 'text', (c) => c.notNull())
		.addColumn('shown', 'jsonb', (c) => c.notNull())
		.addColumn('issued_at', 'timestamptz', (c) => c.notNull())
		.addPrimaryKeyConstraint('certificate_pkey', ['id'])
		.addUniqueConstraint('certificate_reference_key', ['reference'])
		.addUniqueConstraint('certificate_registration_id_key', ['registration_id'])
		.addForeignKeyConstraint('certificate_registration_id_fkey', ['registration_id'], 'registration', ['id'])
		.addForeignKeyConstraint('certificate_claim_id_fkey', ['claim_id'], 'certificate_claim', ['id'])
		.addForeignKeyConstraint('certificate_centre_id_fkey', ['centre_id'], 'centre', ['id'])
		.addForeignKeyConstraint('certificate_attempt_id_fkey', ['attempt_id'], 'attempt', ['id'])
		.addForeignKeyConstraint('certificate_result_id_fkey', ['result_id'], 'result', ['id'])
		.addCheckConstraint('certificate_grade_check', sql`grade in ('Pass', 'First Class Pass')`)
		.execute();
	await db.schema.createIndex('certificate_centre_id_idx').on('certificate').column('centre_id').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
