import type { Kysely } from 'kysely';

import { isSessionLive } from '../../domain/attempt.js';
import type { SignedOut } from '../../exam-api.js';
import { getAttempt } from '../attempts/attempt-store.js';
import { parseSessionToken, secretMatches } from '../auth/tokens.js';
import type { AttemptRow, Database } from '../db/schema.js';
import { UnauthorizedError } from '../errors.js';

export const CANDIDATE_COOKIE = 'exam_candidate';

/**
 * A candidate's attempt as loaded for a request: its row and the paper version of its sitting.
 * The hook loads it with the session (one query), so the exam API needs no second look-up.
 */
export interface LoadedAttempt {
	row: AttemptRow;
	paperVersionId: string;
}

export interface CandidateSession {
	sessionId: string;
	attemptId: string;
	attempt: LoadedAttempt;
}

/** Loads an attempt by id (404 for an unknown or malformed id). */
export async function loadAttempt(db: Kysely<Database>, attemptId: string): Promise<LoadedAttempt> {
	const row = await getAttempt(db, attemptId);
	const s = await db
		.selectFrom('sitting')
		.select('paper_version_id')
		.where('id', '=', row.sitting_id)
		.executeTakeFirstOrThrow();
	return { row, paperVersionId: s.paper_version_id };
}

export const loaded = async (db: Kysely<Database>, attempt: string | LoadedAttempt) =>
	typeof attempt === 'string' ? loadAttempt(db, attempt) : attempt;

/** Why a candidate cookie no longer signs its computer in: the exam moved to another computer, or the session ended. */
export type CandidateTokenCheck =
	{ ok: true; session: CandidateSession } | { ok: false; signedOut: SignedOut };

/**
 * The session behind a candidate cookie with its attempt, or why there is none: 'moved' when the
 * exam was taken over by another computer (the session is kept, marked, until the hourly prune),
 * 'ended' otherwise (unknown, wrong secret, expired, signed out). One query: every exam API call and
 * clock poll starts here.
 */
export async function checkCandidateToken(
	db: Kysely<Database>,
	token: string,
	now = new Date()
): Promise<CandidateTokenCheck> {
	const ended = { ok: false, signedOut: 'ended' } as const;
	const parsed = parseSessionToken(token);
	if (!parsed) return ended;
	const found = await db
		.selectFrom('auth_session as x')
		.innerJoin('attempt as a', 'a.id', 'x.attempt_id')
		.innerJoin('sitting as s', 's.id', 'a.sitting_id')
		.selectAll('a')
		.select([
			'x.id as session_id',
			'x.secret_hash as session_secret_hash',
			'x.expires_at as session_expires_at',
			'x.moved_at as session_moved_at',
			's.paper_version_id as session_paper_version_id'
		])
		.where('x.id', '=', parsed.id)
		.executeTakeFirst();
	if (!found || !secretMatches(parsed.secret, found.session_secret_hash)) return ended;
	const {
		session_id,
		session_secret_hash: _h,
		session_expires_at,
		session_moved_at,
		session_paper_version_id,
		...row
	} = found;
	// Moved: ended whatever its expiry says (the move ends it at once).
	if (session_moved_at) return { ok: false, signedOut: 'moved' };
	if (!isSessionLive(session_expires_at, now)) {
		await db.deleteFrom('auth_session').where('id', '=', session_id).execute();
		return ended;
	}
	return {
		ok: true,
		session: {
			sessionId: session_id,
			attemptId: row.id,
			attempt: { row, paperVersionId: session_paper_version_id }
		}
	};
}

/** The session behind a candidate cookie with its attempt, or null (see checkCandidateToken for why not). */
export async function validateCandidateToken(
	db: Kysely<Database>,
	token: string,
	now = new Date()
): Promise<CandidateSession | null> {
	const c = await checkCandidateToken(db, token, now);
	return c.ok ? c.session : null;
}

/** The exam API's 401: the reason in words, and `signedOut` for the exam page to tell the candidate which. */
export function signedOutError(signedOut: SignedOut): UnauthorizedError {
	return new UnauthorizedError(
		signedOut === 'moved'
			? 'This exam has moved to another computer'
			: 'Not signed in to an exam: the session has ended',
		{
			signedOut
		}
	);
}
