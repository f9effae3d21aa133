import { randomBytes } from 'node:crypto';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase32UpperCaseNoPadding } from '@oslojs/encoding';
import type { Kysely } from 'kysely';

import { AREA_NAMES, CODE_NAMES, isAreaCode, type PerformanceCode } from '../../domain/codes.js';
import { REVIEW_OUTCOME_WORDS, REVIEW_STATE_WORDS } from '../../domain/reviews.js';
import { RESULTS_SIGN_IN_THROTTLES, throttleMessage } from '../../domain/throttle.js';
import { writeAudit, type Actor } from '../audit/index.js';
import { insertSession } from '../auth/sessions.js';
import { recordSuccess, reserveAttempt, signInChecks } from '../auth/throttle.js';
import { hashSecret, parseSessionToken, secretMatches } from '../auth/tokens.js';
import type { Database } from '../db/schema.js';
import { ConflictError, NotFoundError, TooManyRequestsError, ValidationError } from '../errors.js';
import { reviewsOfAttempts } from '../reviews/requests.js';
import { isUuid } from '../validation.js';

/*
 * Candidates' results after the exam day. The room keycode dies with its sitting, so results need a
 * way in of their own: when results are released, the centre issues each candidate a personal
 * results access code (shown once to the centre administrator, to print or hand over). The
 * candidate signs in at /results with their centre number, candidate number, date of birth and
 * that code.
 *
 * - The code is 80 random bits (16 characters of base32). Only its SHA-256 is stored: with that much
 *   randomness a slow hash (Argon2id) adds nothing, as for session secrets in the Lucia guide.
 *   Issuing again replaces the hash, so a lost code can be cancelled.
 * - Sign-in is throttled in the database (per candidate at an address, per address, per candidate),
 *   and every wrong detail gets the same answer, so the form tells nobody who is registered.
 * - The session is the app's one session design (auth_session, `<id>.<secret>`, SHA-256 of the
 *   secret), owned by the candidate, in its own cookie, for 30 minutes, never extended.
 */

export const RESULTS_COOKIE = 'exam_results';
export const RESULTS_SESSION_MS = 30 * 60_000;

export const RESULTS_SIGN_IN_REFUSED =
	'Those details do not match our records. Check your centre number, candidate number, date of birth and results access code (your centre gave it to you).';

/** Upper case, no spaces or dashes: how a code is compared whatever way it was typed. */
export function normaliseAccessCode(code: string): string {
	return code.toUpperCase().replace(/[\s-]/g, '');
}

/** Four groups of four, easier to read out and type. */
function formatCode(raw: string): string {
	return raw.match(/.{4}/g)!.join('-');
}

async function releasedAttempts(db: Kysely<Database>, candidateId: string) {
	return db
		.selectFrom('attempt as a')
		.innerJoin('sitting as s', 's.id', 'a.sitting_id')
		.innerJoin('sitting_results as sr', 'sr.sitting_id', 's.id')
		.innerJoin('paper_version as v', 'v.id', 's.paper_version_id')
		.innerJoin('paper as p', 'p.id', 'v.paper_id')
		.select([
			'a.id as attemptId',
			's.scheduled_at',
			'sr.released_at',
			'p.code as paperCode',
			'v.title as paperTitle',
			'p.unit_code'
		])
		.where('a.candidate_id', '=', candidateId)
		.where('sr.released_at', 'is not', null)
		.orderBy('s.scheduled_at', 'desc')
		.execute();
}

/**
 * Issues (or issues again, cancelling the old one) a candidate's results access code. Only once a
 * result of theirs is released; another centre's candidate is not found. Returns the code: it is
 * shown this once and never stored.
 */
export async function issueResultsAccessCode(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	candidateId: string,
	now = new Date()
): Promise<string> {
	if (!isUuid(centreId) || !isUuid(candidateId)) throw new NotFoundError('No such candidate');
	const c = await db
		.selectFrom('candidate')
		.select(['id', 'centre_id', 'candidate_number'])
		.where('id', '=', candidateId)
		.executeTakeFirst();
	if (!c || c.centre_id !== centreId) throw new NotFoundError('No such candidate');
	if ((await releasedAttempts(db, c.id)).length === 0)
		throw new ConflictError(
			'No result of this candidate has been released yet: issue the code once results are out'
		);
	const raw = encodeBase32UpperCaseNoPadding(randomBytes(10));
	const codeHash = hashSecret(raw);
	await db.transaction().execute(async (tx) => {
		const had = await tx
			.selectFrom('results_access')
			.select('candidate_id')
			.where('candidate_id', '=', c.id)
			.forUpdate()
			.executeTakeFirst();
		await tx
			.insertInto('results_access')
			.values({ candidate_id: c.id, code_hash: codeHash, issued_at: now, issued_by: actor.userId })
			.onConflict((oc) =>
				oc
					.column('candidate_id')
					.doUpdateSet({ code_hash: codeHash, issued_at: now, issued_by: actor.userId })
			)
			.execute();
		// A new code ends every results session the old one opened.
		await tx.deleteFrom('auth_session').where('candidate_id', '=', c.id).execute();
		await writeAudit(tx, actor, {
			action: had ? 'results.access_code_reissued' : 'results.access_code_issued',
			centreId,
			subjectType: 'candidate',
			subjectId: c.id,
			details: { candidate_number: c.candidate_number }
		});
	});
	return formatCode(raw);
}

export async function accessCodeIssuedAt(
	db: Kysely<Database>,
	candidateId: string
): Promise<Date | null> {
	const row = await db
		.selectFrom('results_access')
		.select('issued_at')
		.where('candidate_id', '=', candidateId)
		.executeTakeFirst();
	return row?.issued_at ?? null;
}

export interface ResultsSignIn {
	centreNumber: string;
	candidateNumber: string;
	dateOfBirth: string;
	code: string;
	ip: string;
	userAgent?: string | null;
}

/**
 * Signs a candidate in to see their results. Refused (one message for every mismatch) unless the
 * centre number, candidate number, date of birth and access code all match; refused when nothing
 * of theirs is released (then there is nothing to see); throttled before any of it is looked at.
 */
export async function signInForResults(
	db: Kysely<Database>,
	input: ResultsSignIn,
	now = new Date()
): Promise<{ token: string; expiresAt: Date }> {
	const centreNumber = input.centreNumber.trim();
	const candidateNumber = input.candidateNumber.trim().toUpperCase();
	const dob = input.dateOfBirth.trim();
	const code = normaliseAccessCode(input.code);
	const issues = [
		!centreNumber && { field: 'centre_number', message: 'Enter your centre number' },
		!candidateNumber && { field: 'candidate_number', message: 'Enter your candidate number' },
		!dob && { field: 'date_of_birth', message: 'Enter your date of birth' },
		!code && { field: 'code', message: 'Enter the results access code your centre gave you' }
	].filter((x): x is { field: string; message: string } => Boolean(x));
	if (issues.length) throw new ValidationError(issues[0]!.message, issues);

	const reservation = await reserveAttempt(
		db,
		signInChecks(
			{ kind: 'candidate', key: `results:${centreNumber}:${candidateNumber}` },
			input.ip,
			RESULTS_SIGN_IN_THROTTLES
		),
		now
	);
	if (!reservation.allowed)
		throw new TooManyRequestsError(
			throttleMessage(reservation.retryAfterSeconds),
			reservation.retryAfterSeconds
		);

	const found = await db
		.selectFrom('candidate as c')
		.innerJoin('centre as ce', 'ce.id', 'c.centre_id')
		.innerJoin('results_access as ra', 'ra.candidate_id', 'c.id')
		.select(['c.id', 'c.date_of_birth', 'ra.code_hash'])
		.where('ce.number', '=', centreNumber)
		.where('c.candidate_number', '=', candidateNumber)
		.executeTakeFirst();
	// Always hash and compare, so a missing candidate takes as long as a wrong code.
	const codeOk = found
		? secretMatches(code, found.code_hash)
		: constantTimeEqual(hashSecret(code), hashSecret(`${code}x`));
	if (!found || !codeOk || found.date_of_birth !== dob)
		throw new ValidationError(RESULTS_SIGN_IN_REFUSED);
	if ((await releasedAttempts(db, found.id)).length === 0)
		throw new ValidationError(
			'None of your results has been released yet. Your centre will tell you when they are.'
		);

	const expiresAt = new Date(now.getTime() + RESULTS_SESSION_MS);
	const { token } = await insertSession(db, { candidateId: found.id, expiresAt }, input, now);
	await recordSuccess(db, reservation);
	return { token, expiresAt };
}

/** The candidate behind a results cookie, or null (unknown, wrong secret, expired: the row is then deleted). */
export async function validateResultsToken(
	db: Kysely<Database>,
	token: string,
	now = new Date()
): Promise<{ sessionId: string; candidateId: string } | null> {
	const parsed = parseSessionToken(token);
	if (!parsed) return null;
	const row = await db
		.selectFrom('auth_session')
		.select(['id', 'secret_hash', 'candidate_id', 'expires_at'])
		.where('id', '=', parsed.id)
		.executeTakeFirst();
	if (!row || !row.candidate_id || !secretMatches(parsed.secret, row.secret_hash)) return null;
	if (!row.expires_at || now.getTime() >= row.expires_at.getTime()) {
		await db.deleteFrom('auth_session').where('id', '=', row.id).execute();
		return null;
	}
	return { sessionId: row.id, candidateId: row.candidate_id };
}

export async function endResultsSession(db: Kysely<Database>, sessionId: string): Promise<void> {
	await db
		.deleteFrom('auth_session')
		.where('id', '=', sessionId)
		.where('candidate_id', 'is not', null)
		.execute();
}

/** What a failing candidate's codes mean, in plain words (areas to develop first, then the others). */
export function codesInWords(
	codes: readonly string[]
): { code: string; words: string; area: boolean }[] {
	const explain: Record<string, string> = {
		AA: 'Narrow fail: your total was just below the pass mark',
		AB: 'Insufficient work submitted: too few questions were answered',
		FK: 'Misinterpretation of question(s): at least one answer did not answer the question that was asked'
	};
	return codes.map((c) => ({
		code: c,
		words: isAreaCode(c) ? AREA_NAMES[c] : (explain[c] ?? CODE_NAMES[c as PerformanceCode] ?? c),
		area: isAreaCode(c)
	}));
}

/**
 * A candidate's released results (nothing before release), each with its latest version, the
 * earlier versions, the areas to develop for a fail and the state of any review.
 */
export async function resultsForCandidate(db: Kysely<Database>, candidateId: string) {
	const attempts = await releasedAttempts(db, candidateId);
	const ids = attempts.map((a) => a.attemptId);
	const [versions, reviews] = await Promise.all([
		ids.length
			? db
					.selectFrom('result')
					.select([
						'attempt_id',
						'version',
						'status',
						'grade',
						'total',
						'codes',
						'cause',
						'computed_at'
					])
					.where('attempt_id', 'in', ids)
					.orderBy('version', 'desc')
					.execute()
			: Promise.resolve([]),
		reviewsOfAttempts(db, ids)
	]);
	return attempts.map((a) => {
		const own = versions.filter((v) => v.attempt_id === a.attemptId);
		const latest = own[0] ?? null;
		return {
			attemptId: a.attemptId,
			paperCode: a.paperCode,
			paperTitle: a.paperTitle,
			unitCode: a.unit_code,
			sittingDate: a.scheduled_at,
			releasedAt: a.released_at!,
			latest,
			codes: latest && latest.grade === 'Fail' ? codesInWords(latest.codes) : [],
			history: own.slice(1),
			reviews: reviews
				.filter((r) => r.attempt_id === a.attemptId)
				.map((r) => ({
					...r,
					stateWords: REVIEW_STATE_WORDS[r.state],
					outcomeWords: r.outcome ? REVIEW_OUTCOME_WORDS[r.outcome] : null
				}))
		};
	});
}

/** The signed-in candidate's name and numbers, for the page heading. */
export async function resultsCandidate(db: Kysely<Database>, candidateId: string) {
	return db
		.selectFrom('candidate as c')
		.innerJoin('centre as ce', 'ce.id', 'c.centre_id')
		.select([
			'c.first_name',
			'c.last_name',
			'c.candidate_number',
			'ce.number as centre_number',
			'ce.name as centre_name'
		])
		.where('c.id', '=', candidateId)
		.executeTakeFirstOrThrow();
}
