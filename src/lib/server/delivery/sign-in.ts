import { sql, type Kysely, type Transaction } from 'kysely';

import { candidateSessionEnds, judgeCandidateSignIn } from '../../domain/attempt.js';
import { normaliseCandidateNumber } from '../../domain/candidates.js';
import { isWellFormedKeycode, normaliseKeycode } from '../../domain/keycode.js';
import { CLOSED_SITTING_STATES } from '../../domain/sitting-state.js';
import { CANDIDATE_SIGN_IN_THROTTLES, throttleMessage } from '../../domain/throttle.js';
import { recordEvent } from '../attempts/events.js';
import { isActive } from '../attempts/rules.js';
import { insertSession } from '../auth/sessions.js';
import {
	recordSuccess,
	reserveAttempt,
	signInChecks,
	type SignInSubject
} from '../auth/throttle.js';
import { generateSessionToken } from '../auth/tokens.js';
import type { Database } from '../db/schema.js';
import { ConflictError, TooManyRequestsError, ValidationError } from '../errors.js';
import { noteSignIn } from '../live/publish.js';
import { rejectNul } from '../validation.js';

/** For an unknown candidate number and a wrong keycode alike, so the form does not reveal who is registered. */
export const NO_MATCHING_SITTING =
	'Those details do not match a sitting that is open now. Check your centre number, candidate number and keycode with your invigilator.';
export const NOT_ON_THE_LIST =
	'You are not on the list for this sitting. Please speak to your invigilator.';

/** What a candidate's sign-in failures are counted against (and what an invigilator's unlock clears). */
export function candidateThrottleSubject(
	centreNumber: string,
	candidateNumber: string
): SignInSubject {
	return { kind: 'candidate', key: `${centreNumber}:${candidateNumber}` };
}

export interface CandidateSignIn {
	centreNumber: string;
	candidateNumber: string;
	keycode: string;
	ip: string;
	userAgent?: string | null;
}

/**
 * Candidate sign-in: centre number + candidate number + the sitting's keycode. An unknown candidate
 * and a wrong keycode get the same answer. A candidate already signed in elsewhere needs the
 * invigilator to allow the move.
 */
export async function signInCandidate(
	db: Kysely<Database>,
	input: CandidateSignIn,
	now = new Date()
): Promise<{ token: string; attemptId: string }> {
	// Refused here as well as in the route: a NUL reaching the throttle's statement fails it (22021) as a 500.
	rejectNul({
		centre_number: input.centreNumber,
		candidate_number: input.candidateNumber,
		keycode: input.keycode,
		user_agent: input.userAgent
	});
	// One connection from the reservation to its settling (no transaction: no lock is held between the
	// statements). A sign-in's reserved failure stands on the room's address until it proves right; if
	// its statements queued for the pool behind a whole room's reservations, a start-of-exam storm held
	// more reservations at once than the room's limit, and the rest of the room was refused for ten
	// minutes. This way at most a pool's worth are held at any moment.
	return db.connection().execute((conn) => signInOnOneConnection(conn, db, input, now));
}

async function signInOnOneConnection(
	conn: Kysely<Database>,
	/** The pool, for what runs after this sign-in (the console's batched notice). */
	pool: Kysely<Database>,
	input: CandidateSignIn,
	now: Date
): Promise<{ token: string; attemptId: string }> {
	const centreNumber = input.centreNumber.trim();
	// "42" is candidate 0042, as the register reads it (a candidate may leave off the leading zeros).
	const candidateNumber = normaliseCandidateNumber(input.candidateNumber);
	const keycode = normaliseKeycode(input.keycode);
	if (!centreNumber || !candidateNumber || !keycode)
		throw new ValidationError('Enter your centre number, candidate number and keycode.');
	// Reserved before the keycode is looked at, so parallel guesses cannot all pass one check; the
	// attempt stands as a failure (per candidate at this address, per room, per candidate) unless it
	// proves right. One statement: the start-of-exam storm pays one round trip for it, and one to settle.
	const reservation = await reserveAttempt(
		conn,
		signInChecks(
			candidateThrottleSubject(centreNumber, candidateNumber),
			input.ip,
			CANDIDATE_SIGN_IN_THROTTLES
		),
		now
	);
	if (!reservation.allowed)
		throw new TooManyRequestsError(
			throttleMessage(reservation.retryAfterSeconds),
			reservation.retryAfterSeconds
		);
	// Every refusal below leaves the reserved failure standing.
	const fail = (message: string): never => {
		throw new ValidationError(message);
	};

	// One query: the candidate at that centre; if the keycode is right, their attempt in an open
	// sitting; and whether the keycode is that of an open sitting at their centre at all.
	const found = await conn
		.selectFrom('candidate as c')
		.innerJoin('centre as ce', 'ce.id', 'c.centre_id')
		.leftJoin(
			(eb) =>
				eb
					.selectFrom('attempt as a')
					.innerJoin('sitting as s', 's.id', 'a.sitting_id')
					.select(['a.id', 'a.candidate_id', 'a.state'])
					.where('s.keycode', '=', keycode)
					.where('s.state', 'not in', CLOSED_SITTING_STATES)
					.as('att'),
			(j) => j.onRef('att.candidate_id', '=', 'c.id')
		)
		.select(['c.id as candidate_id', 'att.id as attempt_id', 'att.state'])
		.select((eb) =>
			eb
				.exists(
					eb
						.selectFrom('sitting as o')
						.select('o.id')
						.whereRef('o.centre_id', '=', 'c.centre_id')
						.where('o.keycode', '=', keycode)
						.where('o.state', 'not in', CLOSED_SITTING_STATES)
				)
				.as('keycode_open_here')
		)
		.where('ce.number', '=', centreNumber)
		.where('c.candidate_number', '=', candidateNumber)
		.executeTakeFirst();
	if (!found || !isWellFormedKeycode(keycode)) return fail(NO_MATCHING_SITTING);
	if (!found.attempt_id) {
		// A registered candidate who gives the keycode of a sitting open now at their centre, but is
		// not booked on it, is told so rather than that the keycode is wrong: the keycode is only
		// known to the people in that room, so this tells nothing to a stranger guessing candidate
		// numbers, who gets the one message for every mismatch. Absent and voided (below) likewise
		// come only after the keycode has proved right.
		return fail(found.keycode_open_here ? NOT_ON_THE_LIST : NO_MATCHING_SITTING);
	}
	if (found.state === 'absent')
		return fail('You are marked absent from this sitting. Please speak to your invigilator.');
	if (found.state === 'void')
		return fail('This exam has been closed by your invigilator. Please speak to them.');
	const attemptId = found.attempt_id;
	const label = `candidate ${candidateNumber}`;
	const expiresAt = candidateSessionEnds(now);

	// Fast path, one statement (2,000 candidates sign in at the start of an exam and every round
	// trip counts): lock the attempt and, where judgeCandidateSignIn lets anyone in without a move
	// (not active, or no live session: the SQL form of its first case), create the session and note
	// the sign-in. Same rows as insertSession + recordEvent. Any older session of the attempt ends
	// here: before the start nothing can have been typed, so the newest computer simply takes over,
	// and two computers never both hold one script (the older one's saves would be stale and
	// silently lost). A live one is marked moved, so its computer is told so.
	const t = generateSessionToken();
	const fast = await sql<{ session_id: string | null; sitting_id: string | null }>`
		with a as (
			select id, sitting_id, state from attempt where id = ${attemptId} for update
		), free as (
			select a.id, a.sitting_id from a
			where not (${isActive('a')}
				and exists (select 1 from auth_session x where x.attempt_id = a.id and ${liveSql(now)}))
		), s as (
			insert into auth_session (id, secret_hash, user_id, attempt_id, expires_at, created_at, last_verified_at, ip, user_agent)
			select ${t.id}, ${t.secretHash}, null, free.id, ${expiresAt}, ${now}, ${now}, ${input.ip}, ${input.userAgent?.slice(0, 300) ?? null} from free
			returning id
		), dropped as (
			update auth_session x set expires_at = ${now}, moved_at = ${now} from free where x.attempt_id = free.id and ${liveSql(now)}
		), e as (
			insert into sitting_event (sitting_id, attempt_id, kind, actor_user_id, actor_label, occurred_at)
			select free.sitting_id, free.id, 'candidate_sign_in', null, ${label}, ${now} from free
		)
		select (select id from s) as session_id, (select sitting_id from free) as sitting_id`.execute(conn);
	if (fast.rows[0]?.session_id) {
		noteSignIn(pool, fast.rows[0].sitting_id!, attemptId);
		await recordSuccess(conn, reservation);
		return { token: t.token, attemptId };
	}

	// Open on another computer: only the invigilator's permission lets this one take over.
	const moved = await conn.transaction().execute(async (tx) => {
		// Lock the attempt and see, in the same round trip, whether another computer holds it.
		const a = await tx
			.selectFrom('attempt')
			.selectAll()
			.select((eb) =>
				eb
					.exists(
						eb
							.selectFrom('auth_session as x')
							.select('x.id')
							.whereRef('x.attempt_id', '=', 'attempt.id')
							.where(liveSql(now))
					)
					.as('live')
			)
			.where('id', '=', attemptId)
			.forUpdate()
			.executeTakeFirstOrThrow();
		const verdict = judgeCandidateSignIn({
			state: a.state,
			liveSessionElsewhere: Boolean(a.live),
			moveAllowed: a.move_allowed_at !== null
		});
		// Counted as a failure (the reservation stands), as a keycode tried against someone else's
		// open exam should be.
		if (!verdict.ok) throw new ConflictError(verdict.reason, { state: a.state });
		await endOlderSessions(tx, a.id, now);
		if (verdict.move) {
			await tx
				.updateTable('attempt')
				.set({ move_allowed_at: null })
				.where('id', '=', a.id)
				.execute();
			await recordEvent(
				tx,
				{ userId: null, label },
				{ sittingId: a.sitting_id, attemptId: a.id, kind: 'moved_computer' },
				now
			);
		}
		const { token } = await insertSession(tx, { attemptId: a.id, expiresAt }, input, now);
		await recordEvent(
			tx,
			{ userId: null, label },
			{ sittingId: a.sitting_id, attemptId: a.id, kind: 'candidate_sign_in' },
			now
		);
		return { token, attemptId: a.id, sittingId: a.sitting_id };
	});
	noteSignIn(pool, moved.sittingId, moved.attemptId);
	// After the commit, so the throttle rows are not held while the transaction finishes.
	await recordSuccess(conn, reservation);
	return { token: moved.token, attemptId: moved.attemptId };
}

/** The SQL form of isSessionLive for `x`, an auth_session row: not moved away, and no end set or an end still to come. */
function liveSql(now: Date) {
	return sql<boolean>`(x.moved_at is null and (x.expires_at is null or x.expires_at > ${now}::timestamptz))`;
}

/** Ends an attempt's other sessions: a live one as moved (its computer is told so), an ended one stays as it ended. */
async function endOlderSessions(
	tx: Transaction<Database>,
	attemptId: string,
	now: Date
): Promise<void> {
	await sql`update auth_session x set expires_at = ${now}, moved_at = ${now} where x.attempt_id = ${attemptId} and ${liveSql(now)}`.execute(
		tx
	);
}
