import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Kysely } from 'kysely';
import { generate, PostgresDialect } from 'kysely-codegen';
import prettier from 'prettier';

import { openPGlite } from '../lib/server/db/index.js';
import { migrateToLatest } from '../lib/server/db/migrate.js';
import type { Database } from '../lib/server/db/schema.js';

/**
 * The database's table types, generated from a migrated database (kysely-codegen), so the types the
 * queries are checked against are the migrations' own. `npm run db:types` rewrites the file after a
 * migration; tests/integration/schema-types.test.ts fails, on both engines, when it is stale.
 */
export const SCHEMA_TYPES_FILE = 'src/lib/server/db/schema.generated.ts';

/** Both drivers read bigint as number and bytea as Uint8Array (db/index.ts sets the parsers). */
const TYPE_MAPPING = { int8: 'number', bytea: 'Uint8Array' };

/** Columns whose values the domain names, and what each JSON column holds. */
const OVERRIDES: Record<string, string> = {
	'password_token.purpose': "'set' | 'reset'",
	'sign_in_attempt.key_kind': "'account' | 'address' | 'candidate'",
	'sign_in_throttle.key_kind':
		"'account' | 'address' | 'candidate' | 'account_at_address' | 'candidate_at_address'",
	'audit_log.details': 'JsonColumnWithDefault<Record<string, unknown>>',
	'unit.content': 'JsonColumn<unknown>',
	'paper.kind': "'live' | 'practice'",
	'paper_version.content': 'JsonColumn<unknown>',
	'sitting.purpose': 'Generated<SittingPurpose>',
	'sitting.state': 'Generated<SittingState>',
	'attempt.state': 'Generated<AttemptState>',
	'attempt.paused_from': "'reading' | 'in_progress' | null",
	'attempt.pause_kind': 'PauseKind | null',
	'attempt.submit_reason': 'SubmitReason | null',
	'attempt.voided_from': "Exclude<AttemptState, 'absent' | 'void'> | null",
	'script.kind': 'Generated<ScriptKind>',
	'allocation.purpose': 'AllocationPurpose',
	'mark.authority': 'MarkAuthority',
	'mark.award': 'JsonColumn<GridAward> | null',
	'membership.role': 'StaffRole',
	'second_marking.reason': 'SecondMarkingReason | null',
	'second_marking.state': 'SecondMarkingState',
	'seed.purpose': 'SeedPurpose',
	'seed_judgement.purpose': 'SeedPurpose',
	'seed_judgement.items': 'JsonColumn<SeedItemJudgement[]>',
	'marker_standing.standing': 'Standing',
	'result.status': 'ResultStatus',
	'result.grade': 'Grade | null',
	'result.codes': 'JsonColumn<string[]>',
	'result.profile': 'JsonColumn<unknown>',
	'result.cause': 'ResultCause',
	'review.state': 'ReviewState',
	'review.outcome': 'ReviewOutcome | null',
	'review_event.from_state': 'ReviewState | null',
	'review_event.to_state': 'ReviewState',
	'review_event.details': 'JsonColumnWithDefault<Record<string, unknown>>',
	'certificate.grade': "'Pass' | 'First Class Pass'",
	'certificate.shown': 'JsonColumn<CertificateShown>'
};

/** Where each type an override names comes from, relative to the generated file. */
const CUSTOM_IMPORTS: Record<string, string> = {
	JsonColumn: './column-types.js',
	JsonColumnWithDefault: './column-types.js',
	CertificateShown: './column-types.js',
	AttemptState: '../../domain/attempt.js',
	PauseKind: '../../domain/attempt.js',
	SubmitReason: '../../domain/attempt.js',
	GridAward: '../../domain/grid.js',
	StaffRole: '../../domain/roles.js',
	AllocationPurpose: '../../domain/marking.js',
	MarkAuthority: '../../domain/marking.js',
	ScriptKind: '../../domain/marking.js',
	SittingPurpose: '../../domain/mock.js',
	Grade: '../../domain/results.js',
	ResultCause: '../../domain/results.js',
	ResultStatus: '../../domain/results.js',
	ReviewOutcome: '../../domain/reviews.js',
	ReviewState: '../../domain/reviews.js',
	SecondMarkingReason: '../../domain/second-marking.js',
	SecondMarkingState: '../../domain/second-marking.js',
	SittingState: '../../domain/sitting-state.js',
	SeedItemJudgement: '../../domain/standardisation.js',
	SeedPurpose: '../../domain/standardisation.js',
	Standing: '../../domain/standardisation.js'
};

/** The text of schema.generated.ts for the database `db` is migrated to, formatted as the repo is. */
export async function schemaTypes(db: Kysely<Database>): Promise<string> {
	const text = await generate({
		db,
		dialect: new PostgresDialect({ dateParser: 'string', defaultSchemas: ['public'] }),
		defaultSchemas: ['public'],
		excludePattern: '(public.)?kysely_migration*',
		typeMapping: TYPE_MAPPING,
		overrides: { columns: OVERRIDES },
		customImports: CUSTOM_IMPORTS,
		typeOnlyImports: true,
		outFile: null,
		print: false
	});
	const file = resolve(SCHEMA_TYPES_FILE);
	const options = (await prettier.resolveConfig(file)) ?? {};
	return prettier.format(text, { ...options, filepath: file });
}

/** `npm run db:types`: migrate a fresh in-memory database and write its types. */
async function main(): Promise<void> {
	const handle = await openPGlite();
	try {
		await migrateToLatest(handle.db);
		writeFileSync(SCHEMA_TYPES_FILE, await schemaTypes(handle.db));
		console.log(`wrote ${SCHEMA_TYPES_FILE}`);
	} finally {
		await handle.close();
	}
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
	await main();
}
