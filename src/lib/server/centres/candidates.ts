import type { Kysely } from 'kysely';

import {
	arrangementsSchema,
	candidateInputSchema,
	compareCandidateNumbers,
	type AccessArrangements
} from '../../domain/candidates.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { CandidateRow, Database } from '../db/schema.js';
import { onUniqueViolation } from '../db/unique.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { isUuid, parse } from '../validation.js';

/*
 * A centre's register of candidates: registering one, access arrangements, corrections, withdrawal
 * and deletion of a record added by mistake. Every change is audited with before and after. Reading
 * an uploaded file of candidates is in candidate-import.ts.
 */

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

/**
 * A candidate of this centre; another centre's candidate is "not found", never "forbidden".
 * `forUpdate` locks the row for a change: two corrections at once queue instead of one
 * overwriting the other unseen.
 */
export async function getCandidate(
	db: Kysely<Database>,
	centreId: string,
	candidateId: string,
	{ forUpdate = false } = {}
): Promise<CandidateRow> {
	if (!isUuid(centreId) || !isUuid(candidateId)) throw new NotFoundError('No such candidate');
	const query = db
		.selectFrom('candidate')
		.selectAll()
		.where('id', '=', candidateId)
		.where('centre_id', '=', centreId);
	const row = await (forUpdate ? query.forUpdate() : query).executeTakeFirst();
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

export const candidateCorrectionSchema = candidateInputSchema.pick({
	candidate_number: true,
	first_name: true,
	last_name: true,
	date_of_birth: true
});

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
				const before = await getCandidate(tx, centreId, candidateId, { forUpdate: true });
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
		const before = await getCandidate(tx, centreId, candidateId, { forUpdate: true });
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
			const before = await getCandidate(tx, centreId, candidateId, { forUpdate: true });
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

/** A centre id from a URL or a form: anything but a uuid names no centre (and would make PostgreSQL fail with 22P02). */
export function requireCentreId(centreId: string): void {
	if (!isUuid(centreId)) throw new NotFoundError('No such centre');
}

const EARLIEST_BIRTH_YEAR = 1900;

/**
 * A date of birth the register can hold: the form checks it is a calendar date, but "0000-01-01"
 * is one PostgreSQL refuses (there is no year 0), and a birth before 1900 or in the future is a
 * typing mistake.
 */
export function birthDateProblem(dob: string | null, today = new Date()): string | null {
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
