import type { Kysely } from 'kysely';
import { parseSessionToken, secretMatches } from '../auth/tokens.js';
import type { AttemptRow, Database } from '../db/schema.js';
import { getAttempt } from './attempt-store.js';

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
	const s = await db.selectFrom('sitting').select('paper_version_id').where('id', '=', row.sitting_id).executeTakeFirstOrThrow();
	return { row, paperVersionId: s.paper_version_id };
}

export const loaded = async (db: Kysely<Database>, attempt: string | LoadedAttempt) => (typeof attempt === 'string' ? loadAttempt(db, attempt) : attempt);

/**
 * The session behind a candidate cookie with its attempt, or null (unknown, wrong secret, expired).
 * One query: every exam API call and clock poll starts here.
 */
export async function validateCandidateToken(db: Kysely<Database>, token: string, now = new Date()): Promise<CandidateSession | null> {
	const parsed = parseSessionToken(token);
	if (!parsed) return null;
	const found = await db
		.selectFrom('auth_session as x')
		.innerJoin('attempt as a', 'a.id', 'x.attempt_id')
		.innerJoin('sitting as s', 's.id', 'a.sitting_id')
		.selectAll('a')
		.select([
			'x.id as session_id',
			'x.secret_hash as session_secret_hash',
			'x.expires_at as session_expires_at',
			's.paper_version_id as session_paper_version_id'
		])
		.where('x.id', '=', parsed.id)
		.executeTakeFirst();
	if (!found || !secretMatches(parsed.secret, found.session_secret_hash)) return null;
	const { session_id, session_secret_hash: _h, session_expires_at, session_paper_version_id, ...row } = found;
	if (session_expires_at && now.getTime() >= session_expires_at.getTime()) {
		await db.deleteFrom('auth_session').where('id', '=', session_id).execute();
		return null;
	}
	return { sessionId: session_id, attemptId: row.id, attempt: { row, paperVersionId: session_paper_version_id } };
}
