import type { Kysely } from 'kysely';
import { z } from 'zod';

import {
	arrangementsSchema,
	candidateInputSchema,
	compareCandidateNumbers,
	validateCandidateRows,
	type AccessArrangements,
	type CandidateInput,
	type RowError
} from '../../domain/candidates.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { CandidateRow, CentreRow, Database } from '../db/schema.js';
import { onUniqueViolation, violatedUniqueConstraint } from '../db/unique.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { findNul, isUuid, NUL_MESSAGE, parse, withoutControlCharacters } from '../validation.js';

/* ---------- centres ---------- */

export const centreInputSchema = z.object({
	number: z
		.string()
		.trim()
		.regex(/^\d{6}$/, 'Centre number must be six digits'),
	name: z.string().trim().min(2, 'Centre name is required').max(200)
});

export async function listCentres(
	db: Kysely<Database>
): Promise<(CentreRow & { candidate_count: number })[]> {
	return db
		.selectFrom('centre')
		.selectAll('centre')
		.select((eb) =>
			eb
				.selectFrom('candidate')
				.select(eb.fn.countAll<number>().as('n'))
				.whereRef('candidate.centre_id', '=', 'centre.id')
				.as('candidate_count')
		)
		.orderBy('number')
		.execute()
		.then((rows) => rows.map((r) => ({ ...r, candidate_count: Number(r.candidate_count ?? 0) })));
}

/** The centres with these ids (a user's centres), by number. */
export async function getCentresByIds(
	db: Kysely<Database>,
	ids: readonly string[]
): Promise<Pick<CentreRow, 'id' | 'number' | 'name'>[]> {
	ids = ids.filter(isUuid);
	if (ids.length === 0) return [];
	return db
		.selectFrom('centre')
		.select(['id', 'number', 'name'])
		.where('id', 'in', ids)
		.orderBy('number')
		.execute();
}

export async function findCentreByNumber(
	db: Kysely<Database>,
	number: string
): Promise<CentreRow | null> {
	return (
		(await db.selectFrom('centre').selectAll().where('number', '=', number).executeTakeFirst()) ??
		null
	);
}

/** The invigilators of a centre, for booking a sitting. */
export async function listCentreInvigilators(db: Kysely<Database>, centreId: string) {
	if (!isUuid(centreId)) return [];
	return db
		.selectFrom('membership as m')
		.innerJoin('app_user as u', 'u.id', 'm.user_id')
		.select(['u.id', 'u.display_name', 'u.email'])
		.where('m.role', '=', 'invigilator')
		.where('m.centre_id', '=', centreId)
		.orderBy('u.display_name')
		.execute();
}

/** Headline counts for the awarding administrator's overview. */
export async function countRecords(
	db: Kysely<Database>
): Promise<{ centres: number; staff: number; candidates: number }> {
	const count = async (table: 'centre' | 'app_user' | 'candidate') =>
		Number(
			(
				await db
					.selectFrom(table)
					.select((eb) => eb.fn.countAll<number>().as('n'))
					.executeTakeFirstOrThrow()
			).n
		);
	return {
		centres: await count('centre'),
		staff: await count('app_user'),
		candidates: await count('candidate')
	};
}

export async function getCentre(db: Kysely<Database>, id: string): Promise<CentreRow> {
	if (!isUuid(id)) throw new NotFoundError('No such centre');
	const row = await db.selectFrom('centre').selectAll().where('id', '=', id).executeTakeFirst();
	if (!row) throw new NotFoundError('No such centre');
	return row;
}

export async function createCentre(
	db: Kysely<Database>,
	actor: Actor,
	input: unknown
): Promise<CentreRow> {
	const parsed = parse(centreInputSchema, input);
	const taken = () =>
		new ValidationError(`Centre number ${parsed.number} is already in use`, [
			{ field: 'number', message: 'Already in use' }
		]);
	return onUniqueViolation(
		() =>
			db.transaction().execute(async (tx) => {
				const row = await tx
					.insertInto('centre')
					.values(parsed)
					.returningAll()
					.executeTakeFirstOrThrow();
				await writeAudit(tx, actor, {
					action: 'centre.create',
					centreId: row.id,
					subjectType: 'centre',
					subjectId: row.id,
					details: parsed
				});
				return row;
			}),
		{ centre_number_key: taken }
	);
}

/* ---------- candidates ---------- */

export async function listCandidates(
	db: Kysely<Database>,
	centreId: string
): Promise<CandidateRow[]> {
	if (!isUuid(centreId)) return [];
	const rows = await db
		.selectFrom('candidate')
		.selectAll()
		.where('centre_id', '=', centreId)
		.execute();
	return rows.sort((a, b) => compareCandidateNumbers(a.candidate_number, b.candidate_number));
}

/** A candidate of this centre; another centre's candidate is "not found", never "forbidden". */
export async function getCandidate(
	db: Kysely<Database>,
	centreId: string,
	candidateId: string
): Promise<CandidateRow> {
	if (!isUuid(centreId) || !isUuid(candidateId)) throw new NotFoundError('No such candidate');
	const row = await db
		.selectFrom('candidate')
		.selectAll()
		.where('id', '=', candidateId)
		.where('centre_id', '=', centreId)
		.executeTakeFirst();
	if (!row) throw new NotFoundError('No such candidate');
	return row;
}

/** The form error when a candidate number is already registered at the centre (its unique constraint decides). */
function candidateNumberTaken(candidateNumber: string): ValidationError {
	return new ValidationError(
		`Candidate number ${candidateNumber} is already registered at this centre`,
		[{ field: 'candidate_number', message: 'Already registered' }]
	);
}
export async function registerCandidate(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	input: unknown
): Promise<CandidateRow> {
	requireCentreId(centreId);
	const parsed = parse(candidateInputSchema, input);
	const dob = birthDateProblem(parsed.date_of_birth);
	if (dob) throw new ValidationError(dob, [{ field: 'date_of_birth', message: dob }]);
	const taken = () => candidateNumberTaken(parsed.candidate_number);
	return onUniqueViolation(
		() =>
			db.transaction().execute(async (tx) => {
				const row = await tx
					.insertInto('candidate')
					.values({ ...parsed, centre_id: centreId })
					.returningAll()
					.executeTakeFirstOrThrow();
				await writeAudit(tx, actor, {
					action: 'candidate.register',
					centreId,
					subjectType: 'candidate',
					subjectId: row.id,
					details: { candidate_number: row.candidate_number, via: 'form' }
				});
				return row;
			}),
		{ candidate_centre_number_key: taken }
	);
}

export type CsvImportResult = { ok: true; count: number } | { ok: false; errors: RowError[] };

/**
 * Registers every candidate in an uploaded file, or none: any bad row (named by its line number)
 * means nothing of the file is saved.
 */
export async function importCandidates(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	records: readonly Record<string, string>[],
	fileName: string,
	lines: readonly number[] = [],
	/** Rows the file's reader could not read (a stray quote, the wrong number of fields): reported with the others' problems. */
	fileErrors: readonly RowError[] = []
): Promise<CsvImportResult> {
	requireCentreId(centreId);
	// The file's name is the uploader's to choose and goes into the audit log (jsonb refuses \u0000).
	fileName = withoutControlCharacters(fileName).slice(0, 255);
	if (records.length === 0)
		return {
			ok: false,
			errors: fileErrors.length
				? [...fileErrors]
				: [{ row: 2, message: 'The file has no candidate rows' }]
		};
	const rowOf = (i: number) => lines[i] ?? i + 2;
	// A NUL byte cannot be stored (PostgreSQL refuses it in text): name the row, as for any bad value.
	const withNul = records.flatMap((r, i) => {
		const field = findNul(r);
		return field === null
			? []
			: [{ row: rowOf(i), column: field, message: `${field} ${NUL_MESSAGE}` }];
	});
	if (withNul.length) return { ok: false, errors: byRow([...fileErrors, ...withNul]) };
	const someoneElseTookANumber = (): CsvImportResult => ({
		ok: false,
		errors: [
			{
				row: 1,
				message:
					'Someone registered one of these candidate numbers at the same moment; nothing from this file was saved. Upload it again to see which.'
			}
		]
	});
	// The file was checked against the numbers already registered; a registration landing meanwhile is caught by the constraint.
	return importInTransaction(db, actor, centreId, records, fileName, lines, fileErrors).catch(
		(err: unknown) => {
			if (violatedUniqueConstraint(err) === 'candidate_centre_number_key')
				return someoneElseTookANumber();
			throw err;
		}
	);
}

async function importInTransaction(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	records: readonly Record<string, string>[],
	fileName: string,
	lines: readonly number[],
	fileErrors: readonly RowError[]
): Promise<CsvImportResult> {
	const rowOf = (i: number) => lines[i] ?? i + 2;
	return db.transaction().execute(async (tx) => {
		const existing = await tx
			.selectFrom('candidate')
			.select('candidate_number')
			.where('centre_id', '=', centreId)
			.execute();
		const result = validateCandidateRows(
			records,
			new Set(existing.map((e) => e.candidate_number)),
			lines
		);
		if (!result.ok) return { ok: false as const, errors: byRow([...fileErrors, ...result.errors]) };
		const badDates = result.candidates.flatMap((c, i) => {
			const problem = birthDateProblem(c.date_of_birth);
			return problem ? [{ row: rowOf(i), column: 'date_of_birth', message: problem }] : [];
		});
		if (badDates.length || fileErrors.length)
			return { ok: false as const, errors: byRow([...fileErrors, ...badDates]) };
		await tx
			.insertInto('candidate')
			.values(result.candidates.map((c: CandidateInput) => ({ ...c, centre_id: centreId })))
			.execute();
		await writeAudit(tx, actor, {
			action: 'candidate.import_csv',
			centreId,
			subjectType: 'centre',
			subjectId: centreId,
			details: {
				file: fileName,
				count: result.candidates.length,
				numbers: result.candidates.map((c) => c.candidate_number)
			}
		});
		return { ok: true as const, count: result.candidates.length };
	});
}

export async function updateArrangements(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	candidateId: string,
	input: unknown
): Promise<CandidateRow> {
	const parsed: AccessArrangements = parse(arrangementsSchema, input);
	return db.transaction().execute(async (tx) => {
		const before = await getCandidate(tx, centreId, candidateId);
		const row = await tx
			.updateTable('candidate')
			.set({ ...parsed, updated_at: new Date() })
			.where('id', '=', candidateId)
			.where('centre_id', '=', centreId)
			.returningAll()
			.executeTakeFirstOrThrow();
		await writeAudit(tx, actor, {
			action: 'candidate.update_arrangements',
			centreId,
			subjectType: 'candidate',
			subjectId: candidateId,
			details: {
				before: pick(before, [
					'extra_time_percent',
					'rest_breaks',
					'reader',
					'scribe',
					'arrangement_notes'
				]),
				after: parsed
			}
		});
		return row;
	});
}

/* ---------- corrections, withdrawal, deletion ---------- */

export const candidateCorrectionSchema = candidateInputSchema.pick({
	candidate_number: true,
	first_name: true,
	last_name: true,
	date_of_birth: true
});

/** Locks the candidate's row for a change: two corrections at once queue instead of one overwriting the other unseen. */
async function lockCandidate(
	tx: Kysely<Database>,
	centreId: string,
	candidateId: string
): Promise<CandidateRow> {
	if (!isUuid(centreId) || !isUuid(candidateId)) throw new NotFoundError('No such candidate');
	const row = await tx
		.selectFrom('candidate')
		.selectAll()
		.where('id', '=', candidateId)
		.where('centre_id', '=', centreId)
		.forUpdate()
		.executeTakeFirst();
	if (!row) throw new NotFoundError('No such candidate');
	return row;
}

/**
 * Corrects a candidate's number, name or date of birth. The audit entry keeps the old and new value
 * of each field that changed. A new number must fit the four-digit rule and be free at the centre
 * (the unique constraint decides).
 */
export async function correctCandidate(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	candidateId: string,
	input: unknown
): Promise<CandidateRow> {
	const parsed = parse(candidateCorrectionSchema, input);
	const dob = birthDateProblem(parsed.date_of_birth);
	if (dob) throw new ValidationError(dob, [{ field: 'date_of_birth', message: dob }]);
	const taken = () => candidateNumberTaken(parsed.candidate_number);
	return onUniqueViolation(
		() =>
			db.transaction().execute(async (tx) => {
				const before = await lockCandidate(tx, centreId, candidateId);
				const fields = ['candidate_number', 'first_name', 'last_name', 'date_of_birth'] as const;
				const changed = fields.filter((f) => (before[f] ?? null) !== (parsed[f] ?? null));
				if (changed.length === 0) return before;
				const row = await tx
					.updateTable('candidate')
					.set({ ...parsed, updated_at: new Date() })
					.where('id', '=', before.id)
					.returningAll()
					.executeTakeFirstOrThrow();
				await writeAudit(tx, actor, {
					action: 'candidate.correct',
					centreId,
					subjectType: 'candidate',
					subjectId: before.id,
					details: {
						before: Object.fromEntries(changed.map((f) => [f, before[f] ?? null])),
						after: Object.fromEntries(changed.map((f) => [f, parsed[f] ?? null]))
					}
				});
				return row;
			}),
		{ candidate_centre_number_key: taken }
	);
}

/** Withdraws a candidate (kept with their history, no longer bookable), or reinstates them. */
export async function setCandidateWithdrawn(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	candidateId: string,
	withdrawn: boolean,
	now = new Date()
): Promise<void> {
	await db.transaction().execute(async (tx) => {
		const before = await lockCandidate(tx, centreId, candidateId);
		if (Boolean(before.withdrawn_at) === withdrawn) return;
		await tx
			.updateTable('candidate')
			.set({ withdrawn_at: withdrawn ? now : null, updated_at: now })
			.where('id', '=', before.id)
			.execute();
		await writeAudit(tx, actor, {
			action: withdrawn ? 'candidate.withdraw' : 'candidate.reinstate',
			centreId,
			subjectType: 'candidate',
			subjectId: before.id,
			details: {
				candidate_number: before.candidate_number,
				before: { withdrawn: !withdrawn },
				after: { withdrawn }
			}
		});
	});
}

export const CANDIDATE_HAS_ATTEMPTS =
	'This candidate is booked on a sitting, so their record cannot be deleted. Withdraw them instead.';

/**
 * Deletes a record added by mistake. Only while the candidate has no attempt: the attempt's foreign
 * key decides (a booking made at the same moment either lands first and the delete is refused, or
 * waits and finds no candidate), never a count read beforehand.
 */
export async function deleteCandidate(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	candidateId: string
): Promise<void> {
	try {
		await db.transaction().execute(async (tx) => {
			const before = await lockCandidate(tx, centreId, candidateId);
			await tx.deleteFrom('candidate').where('id', '=', before.id).execute();
			await writeAudit(tx, actor, {
				action: 'candidate.delete',
				centreId,
				subjectType: 'candidate',
				subjectId: before.id,
				details: {
					candidate_number: before.candidate_number,
					first_name: before.first_name,
					last_name: before.last_name,
					date_of_birth: before.date_of_birth
				}
			});
		});
	} catch (err) {
		const e = err as { code?: unknown; constraint?: unknown };
		if (e?.code === '23503' && e.constraint === 'attempt_candidate_id_fkey')
			throw new ConflictError(CANDIDATE_HAS_ATTEMPTS);
		throw err;
	}
}

/* ---------- helpers ---------- */

function byRow(errors: RowError[]): RowError[] {
	return errors.sort((a, b) => a.row - b.row);
}

/** A centre id from a URL or a form: anything but a uuid names no centre (and would make PostgreSQL fail with 22P02). */
function requireCentreId(centreId: string): void {
	if (!isUuid(centreId)) throw new NotFoundError('No such centre');
}

const EARLIEST_BIRTH_YEAR = 1900;

/**
 * A date of birth the register can hold: the form checks it is a calendar date, but "0000-01-01"
 * is one PostgreSQL refuses (there is no year 0), and a birth before 1900 or in the future is a
 * typing mistake.
 */
function birthDateProblem(dob: string | null, today = new Date()): string | null {
	if (!dob) return null;
	const year = Number(dob.slice(0, 4));
	if (year < EARLIEST_BIRTH_YEAR || dob > today.toISOString().slice(0, 10)) {
		return `Date of birth must be between ${EARLIEST_BIRTH_YEAR}-01-01 and today, not "${dob}"`;
	}
	return null;
}

function pick<T extends object, K extends keyof T>(obj: T, keys: K[]): Pick<T, K> {
	return Object.fromEntries(keys.map((k) => [k, obj[k]])) as Pick<T, K>;
}
