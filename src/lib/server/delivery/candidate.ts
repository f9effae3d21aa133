import { sql, type Kysely, type RawBuilder } from 'kysely';
import { acceptsSaves, ACTIVE_STATES, effectiveState, MAX_ANSWER_CHARS, type AttemptState } from '../../domain/attempt.js';

export { MAX_ANSWER_CHARS };
import { isWellFormedKeycode, normaliseKeycode } from '../../domain/keycode.js';
import { throttleMessage, type ThrottlePolicy } from '../../domain/throttle.js';
import { SAVE_GRACE_MS, timeLeftMs } from '../../domain/timing.js';
import { checkThrottles, recordAttempt } from '../auth/throttle.js';
import { generateSessionToken, hashSecret, parseSessionToken, secretMatches } from '../auth/tokens.js';
import { insertSession } from '../auth/sessions.js';
import type { AttemptRow, Database } from '../db/schema.js';
import { AppError, ConflictError, ForbiddenError, NotFoundError, TooManyRequestsError, UnauthorizedError, ValidationError } from '../errors.js';
import { getPaperContent, getPaperItemKeys } from '../bank/papers.js';
import { questionPaperOf } from '../../domain/question-paper.js';
import { clockOf, getAttempt, newReference, pause, recordEvent, resume, settleAttempt } from './attempts.js';

export const CANDIDATE_COOKIE = 'exam_candidate';
/** A candidate session lasts at most this long; it also ends when the sitting ends. */
const CANDIDATE_SESSION_MS = 12 * 3600_000;
// Per candidate: a handful of wrong keycodes, then wait. Per address: a whole exam room shares one
// address behind a NAT, so only failures count and the limit is generous.
const CANDIDATE_THROTTLE: ThrottlePolicy = { maxFailures: 10, windowMs: 10 * 60_000 };
const ROOM_THROTTLE: ThrottlePolicy = { maxFailures: 100, windowMs: 10 * 60_000 };


export interface CandidateSignIn {
	centreNumber: string;
	candidateNumber: string;
	keycode: string;
	ip: string;
	userAgent?: string | null;
}

/**
 * Candidate sign-in: centre number + candidate number + the sitting's keycode. A wrong keycode
 * says so. A candidate already signed in elsewhere needs the invigilator to allow the move.
 */
export async function signInCandidate(db: Kysely<Database>, input: CandidateSignIn, now = new Date()): Promise<{ token: string; attemptId: string }> {
	const centreNumber = input.centreNumber.trim();
	const candidateNumber = input.candidateNumber.trim().toUpperCase();
	const keycode = normaliseKeycode(input.keycode);
	if (!centreNumber || !candidateNumber || !keycode) throw new ValidationError('Enter your centre number, candidate number and keycode.');
	const throttleKey = `${centreNumber}:${candidateNumber}`;
	const verdicts = await checkThrottles(
		db,
		[
			{ kind: 'candidate', key: throttleKey, policy: CANDIDATE_THROTTLE },
			{ kind: 'address', key: `candidate:${input.ip}`, policy: ROOM_THROTTLE }
		],
		now
	);
	for (const v of verdicts) {
		if (!v.allowed) throw new TooManyRequestsError(throttleMessage(v.retryAfterSeconds), v.retryAfterSeconds);
	}
	const hadFailures = verdicts[0]!.failures > 0;
	const fail = async (message: string): Promise<never> => {
		await recordAttempt(db, 'candidate', throttleKey, false, now);
		await recordAttempt(db, 'address', `candidate:${input.ip}`, false, now);
		throw new ValidationError(message);
	};

	// One query: the candidate at that centre and, if the keycode is right, their attempt in an open sitting.
	const found = await db
		.selectFrom('candidate as c')
		.innerJoin('centre as ce', 'ce.id', 'c.centre_id')
		.leftJoin(
			(eb) =>
				eb
					.selectFrom('attempt as a')
					.innerJoin('sitting as s', 's.id', 'a.sitting_id')
					.select(['a.id', 'a.candidate_id', 'a.state'])
					.where('s.keycode', '=', keycode)
					.where('s.state', '<>', 'ended')
					.as('att'),
			(j) => j.onRef('att.candidate_id', '=', 'c.id')
		)
		.select(['c.id as candidate_id', 'att.id as attempt_id', 'att.state'])
		.where('ce.number', '=', centreNumber)
		.where('c.candidate_number', '=', candidateNumber)
		.executeTakeFirst();
	if (!found) return fail('We cannot find that candidate number at that centre. Check both numbers with your invigilator.');
	if (!isWellFormedKeycode(keycode) || !found.attempt_id) return fail('That keycode is not correct for your sitting. Check it with your invigilator.');
	if (found.state === 'absent') return fail('You are marked absent from this sitting. Please speak to your invigilator.');
	if (found.state === 'void') return fail('This exam has been closed by your invigilator. Please speak to them.');
	const attemptId = found.attempt_id;
	const label = `candidate ${candidateNumber}`;
	const expiresAt = new Date(now.getTime() + CANDIDATE_SESSION_MS);

	// Fast path, one statement (2,000 candidates sign in at the start of an exam and every round
	// trip counts): lock the attempt and, unless it is active with a live session on another
	// computer, create the session and note the sign-in. Same rows as insertSession + recordEvent.
	// Any older session of the attempt ends here: before the start nothing can have been typed, so
	// the newest computer simply takes over, and two computers never both hold one script (the
	// older one's saves would be stale and silently lost).
	const t = generateSessionToken();
	const fast = await sql<{ session_id: string | null }>`
		with a as (
			select id, sitting_id, state from attempt where id = ${attemptId} for update
		), free as (
			select a.id, a.sitting_id from a
			where not (a.state in (${sql.join(ACTIVE_STATES.map((st) => sql.lit(st)))})
				and exists (select 1 from auth_session x where x.attempt_id = a.id and x.expires_at > ${now}))
		), s as (
			insert into auth_session (id, secret_hash, user_id, attempt_id, expires_at, created_at, last_verified_at, ip, user_agent)
			select ${t.id}, ${t.secretHash}, null, free.id, ${expiresAt}, ${now}, ${now}, ${input.ip}, ${input.userAgent?.slice(0, 300) ?? null} from free
			returning id
		), dropped as (
			delete from auth_session x using free where x.attempt_id = free.id
		), e as (
			insert into sitting_event (sitting_id, attempt_id, kind, actor_user_id, actor_label, occurred_at)
			select free.sitting_id, free.id, 'candidate_sign_in', null, ${label}, ${now} from free
		)
		select (select id from s) as session_id`.execute(db);
	if (fast.rows[0]?.session_id) {
		// A success only needs recording when it has failures to clear.
		if (hadFailures) await recordAttempt(db, 'candidate', throttleKey, true, now);
		return { token: t.token, attemptId };
	}

	// Open on another computer: only the invigilator's permission lets this one take over.
	return db.transaction().execute(async (tx) => {
		// Lock the attempt and see, in the same round trip, whether another computer holds it.
		const a = await tx
			.selectFrom('attempt')
			.selectAll()
			.select((eb) =>
				eb
					.exists(eb.selectFrom('auth_session as x').select('x.id').whereRef('x.attempt_id', '=', 'attempt.id').where('x.expires_at', '>', now))
					.as('live')
			)
			.where('id', '=', attemptId)
			.forUpdate()
			.executeTakeFirstOrThrow();
		const active = (ACTIVE_STATES as readonly string[]).includes(a.state);
		if (a.live && active) {
			if (!a.move_allowed_at) {
				await recordAttempt(tx, 'candidate', throttleKey, false, now);
				throw new ConflictError('Your exam is already open on another computer. If that computer has failed, ask your invigilator to allow you to move.', { state: a.state });
			}
			await tx.deleteFrom('auth_session').where('attempt_id', '=', a.id).execute();
			await tx.updateTable('attempt').set({ move_allowed_at: null }).where('id', '=', a.id).execute();
			await recordEvent(tx, { userId: null, label }, { sittingId: a.sitting_id, attemptId: a.id, kind: 'moved_computer' }, now);
		}
		const { token } = await insertSession(tx, { attemptId: a.id, expiresAt }, input, now);
		// A success only needs recording when it has failures to clear.
		if (hadFailures) await recordAttempt(tx, 'candidate', throttleKey, true, now);
		await recordEvent(tx, { userId: null, label }, { sittingId: a.sitting_id, attemptId: a.id, kind: 'candidate_sign_in' }, now);
		return { token, attemptId: a.id };
	});
}

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

const loaded = async (db: Kysely<Database>, attempt: string | LoadedAttempt) => (typeof attempt === 'string' ? loadAttempt(db, attempt) : attempt);

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
		.select(['x.id as session_id', 'x.secret_hash as session_secret_hash', 'x.expires_at as session_expires_at', 's.paper_version_id as session_paper_version_id'])
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

export interface ClockView {
	state: AttemptState;
	serverNow: string;
	startedAt: string | null;
	readingEndsAt: string | null;
	deadlineAt: string | null;
	timeLeftMs: number | null;
	pausedReason: string | null;
	submittedAt: string | null;
	reference: string | null;
	extraTimePercent: number;
	restBreaks: boolean;
}

export function clockView(a: AttemptRow, now: Date): ClockView {
	const clock = clockOf(a);
	return {
		state: effectiveState(a.state, a.reading_ends_at, now),
		serverNow: now.toISOString(),
		startedAt: a.started_at?.toISOString() ?? null,
		readingEndsAt: a.reading_ends_at?.toISOString() ?? null,
		deadlineAt: a.deadline_at?.toISOString() ?? null,
		timeLeftMs: clock ? timeLeftMs(clock, now) : null,
		pausedReason: a.state === 'paused' ? a.pause_reason : null,
		submittedAt: a.submitted_at?.toISOString() ?? null,
		reference: a.reference,
		extraTimePercent: a.extra_time_percent,
		restBreaks: a.rest_breaks
	};
}

/** The candidate's own attempt, settled to now (reading may have ended, the deadline passed). */
export async function getCandidateClock(db: Kysely<Database>, attempt: string | LoadedAttempt, now = new Date()): Promise<ClockView> {
	const a = await settleAttempt(db, (await loaded(db, attempt)).row, now);
	return clockView(a, now);
}

export class GoneError extends AppError {
	constructor(message: string) {
		super(message, 410);
	}
}
export class PayloadTooLargeError extends AppError {
	constructor(message: string) {
		super(message, 413);
	}
}

export interface SaveResult {
	seq: number;
	savedAt: string;
	serverNow: string;
	/** false when the save was stale: nothing changed, the stored seq is returned. */
	applied: boolean;
}

/** What the exam API's autosave receives: the candidate's cookie, the attempt and question in the address, the body. */
export interface SaveRequest {
	token: string;
	attemptId: string;
	itemKey: string;
	body: { seq: number; text: string };
}

/**
 * The exam API's autosave. The usual save (a live session on this attempt, a question of its
 * paper, answering before the deadline, a newer sequence number) is one statement, so one round
 * trip, for a hall of candidates saving every few seconds. Anything else takes the full rules
 * (saveResponse), which give the precise answer: 401, 404, 409 with the state, 410 with the text
 * kept in quarantine, or the stored sequence number of a stale save.
 */
export async function saveAnswer(db: Kysely<Database>, req: SaveRequest, now = new Date()): Promise<SaveResult> {
	if (req.body.text.length > MAX_ANSWER_CHARS) throw new PayloadTooLargeError(`Answers are limited to ${MAX_ANSWER_CHARS} characters`);
	const parsed = parseSessionToken(req.token);
	if (parsed) {
		// Comparing SHA-256 hashes in SQL leaks nothing useful by timing: a caller cannot choose a
		// secret whose hash matches a chosen prefix (the Lucia guide's constant-time compare guards
		// the same thing in validateCandidateToken).
		const usualCase = sql<{ id: string }>`
			select a.id from attempt a
			where a.id = (
				select x.attempt_id from auth_session x
				join attempt a0 on a0.id = x.attempt_id
				join sitting s on s.id = a0.sitting_id
				join paper_item i on i.paper_version_id = s.paper_version_id and i.item_key = ${req.itemKey}
				where x.id = ${parsed.id} and x.secret_hash = ${hashSecret(parsed.secret)}
					and x.attempt_id::text = ${req.attemptId}
					and (x.expires_at is null or x.expires_at > ${now}::timestamptz)
			)
			and ((a.state = 'paused' and a.paused_from = 'in_progress') or (
				(a.state = 'in_progress' or (a.state = 'reading' and a.reading_ends_at <= ${now}::timestamptz))
				and (a.deadline_at is null or a.deadline_at > ${now}::timestamptz)))
			for no key update`;
		const saved = await writeAnswer(db, usualCase, req.itemKey, req.body, now);
		if (saved.applied) return saved;
	}
	const session = await validateCandidateToken(db, req.token, now);
	if (!session) throw new UnauthorizedError('Not signed in to an exam');
	if (session.attemptId !== req.attemptId) throw new NotFoundError('No such attempt');
	return saveResponse(db, session.attempt, req.itemKey, req.body, now);
}

/**
 * Autosave with every rule. Keeps the highest sequence number per answer (a replayed or
 * out-of-order save changes nothing and still succeeds) and appends every accepted save to the
 * revision log, atomically. A save that comes too late, or in a state that takes no answers, is
 * kept in quarantine for the invigilator's report and refused (410 / 409).
 */
export async function saveResponse(
	db: Kysely<Database>,
	attemptRef: string | LoadedAttempt,
	itemKey: string,
	body: { seq: number; text: string },
	now = new Date(),
	retried = false
): Promise<SaveResult> {
	if (body.text.length > MAX_ANSWER_CHARS) throw new PayloadTooLargeError(`Answers are limited to ${MAX_ANSWER_CHARS} characters`);
	const { row, paperVersionId } = await loaded(db, attemptRef);
	if (!(await getPaperItemKeys(db, paperVersionId)).has(itemKey)) throw new NotFoundError(`Question ${itemKey} is not in this paper`);
	const attempt = await settleAttempt(db, row, now);
	const attemptId = attempt.id;

	const quarantine = (reason: string) =>
		db.insertInto('save_quarantine').values({ attempt_id: attemptId, item_key: itemKey, seq: body.seq, text: body.text, reason, received_at: now }).execute();

	// Submitted by the clock (submitted_at is the deadline) or by the end of the sitting (submitted_at
	// is the end, before the deadline): saves already on their way count for the grace after that.
	const withinGrace =
		attempt.state === 'submitted' && attempt.submit_reason !== 'candidate' && attempt.submitted_at !== null && now.getTime() <= attempt.submitted_at.getTime() + SAVE_GRACE_MS;
	if (!acceptsSaves(attempt.state, attempt.paused_from) && !withinGrace) {
		if (attempt.state === 'submitted' && attempt.submit_reason !== 'candidate') {
			await quarantine('after the deadline and grace period');
			throw new GoneError('The exam has ended; this answer was not saved to your script. Your invigilator can see it.');
		}
		if (attempt.state === 'submitted' || attempt.state === 'void') await quarantine(`attempt ${attempt.state}`);
		throw new ConflictError(`Answers cannot be saved while the attempt is ${attempt.state.replace('_', ' ')}`, { state: attempt.state });
	}

	// The state the row must still have when it is locked: what was read above, unless a submit,
	// pause or void landed in between, in which case the rules are applied again to the new state.
	const storedStates: AttemptState[] = withinGrace ? ['submitted'] : ['reading', 'in_progress', 'paused'];
	const stillAccepting = sql<{ id: string }>`select id from attempt where id = ${attemptId} and state in (${sql.join(storedStates)}) for no key update`;
	const saved = await writeAnswer(db, stillAccepting, itemKey, body, now);
	if (!saved.attemptOk) {
		if (retried) throw new ConflictError('The attempt changed while saving; please try again', { state: attempt.state });
		return saveResponse(db, attemptId, itemKey, body, now, true);
	}
	if (saved.applied) return saved;
	const stored = await db.selectFrom('response').select(['seq', 'saved_at']).where('attempt_id', '=', attemptId).where('item_key', '=', itemKey).executeTakeFirstOrThrow();
	return { seq: stored.seq, savedAt: stored.saved_at.toISOString(), serverNow: now.toISOString(), applied: false };
}

/**
 * One statement, atomic on its own: locks the attempt row chosen by `lockedAttempt` (so a submit,
 * pause or void in flight is waited for and seen), keeps the highest seq, appends the revision and
 * notes the time of the last save, each only when the upsert took effect.
 */
async function writeAnswer(
	db: Kysely<Database>,
	lockedAttempt: RawBuilder<{ id: string }>,
	itemKey: string,
	body: { seq: number; text: string },
	now: Date
): Promise<SaveResult & { attemptOk: boolean }> {
	const r = await sql<{ attempt_ok: boolean; seq: number | null; saved_at: Date | null }>`
		with a as materialized (${lockedAttempt}),
		up as (
			insert into response (attempt_id, item_key, seq, text, saved_at)
			select a.id, ${itemKey}, ${body.seq}::integer, ${body.text}, ${now}::timestamptz from a
			on conflict (attempt_id, item_key) do update
				set seq = excluded.seq, text = excluded.text, saved_at = excluded.saved_at
				where response.seq < excluded.seq
			returning attempt_id, seq, text, saved_at
		), rev as (
			insert into response_revision (attempt_id, item_key, seq, text, saved_at)
			select attempt_id, ${itemKey}, seq, text, saved_at from up
		), touched as (
			update attempt set last_saved_at = ${now}::timestamptz where id in (select attempt_id from up)
		)
		select exists (select 1 from a) as attempt_ok, up.seq, up.saved_at from (select 1) as one left join up on true`.execute(db);
	const row = r.rows[0]!;
	const serverNow = now.toISOString();
	if (row.seq === null || row.saved_at === null) return { attemptOk: row.attempt_ok, applied: false, seq: body.seq, savedAt: serverNow, serverNow };
	return { attemptOk: row.attempt_ok, applied: true, seq: row.seq, savedAt: new Date(row.saved_at).toISOString(), serverNow };
}

/** The candidate submits. Idempotent: submitting again answers the same receipt. */
export async function submitAttempt(db: Kysely<Database>, attemptId: string, now = new Date()): Promise<{ state: 'submitted'; submittedAt: string; reference: string }> {
	return db.transaction().execute(async (tx) => {
		const a0 = await tx.selectFrom('attempt').selectAll().where('id', '=', attemptId).forUpdate().executeTakeFirst();
		if (!a0) throw new NotFoundError('No such attempt');
		const a = await settleAttempt(tx, a0, now);
		if (a.state === 'submitted') return { state: 'submitted', submittedAt: a.submitted_at!.toISOString(), reference: a.reference! };
		if (a.state !== 'in_progress') throw new ConflictError(`The exam cannot be submitted while it is ${a.state.replace('_', ' ')}`, { state: a.state });
		const reference = newReference();
		await tx.updateTable('attempt').set({ state: 'submitted', submitted_at: now, submit_reason: 'candidate', reference, updated_at: now }).where('id', '=', a.id).execute();
		await recordEvent(tx, { userId: null, label: 'candidate' }, { sittingId: a.sitting_id, attemptId: a.id, kind: 'submit' }, now);
		return { state: 'submitted', submittedAt: now.toISOString(), reference };
	});
}

/** What the candidate's exam page needs: paper, own answers (with their sequence numbers), clock. */
export async function candidateExamView(db: Kysely<Database>, attemptRef: string | LoadedAttempt, now = new Date()) {
	const { row, paperVersionId } = await loaded(db, attemptRef);
	const a = await settleAttempt(db, row, now);
	const attemptId = a.id;
	const info = await db
		.selectFrom('sitting as s')
		.innerJoin('paper_version as v', 'v.id', 's.paper_version_id')
		.innerJoin('attempt as a', 'a.sitting_id', 's.id')
		.innerJoin('candidate as c', 'c.id', 'a.candidate_id')
		.innerJoin('centre as ce', 'ce.id', 's.centre_id')
		.select(['v.title', 'v.total_marks', 'v.reading_minutes', 's.state as sitting_state', 's.room', 'c.first_name', 'c.last_name', 'c.candidate_number', 'ce.number as centre_number', 'ce.name as centre_name'])
		.where('a.id', '=', attemptId)
		.executeTakeFirstOrThrow();
	const responses = await db.selectFrom('response').select(['item_key', 'seq', 'text', 'saved_at']).where('attempt_id', '=', attemptId).execute();
	// The paper is confidential until the sitting starts: it is part of the view only once reading has begun.
	const clock = clockView(a, now);
	// Only the question paper: the grids and boundaries stay on the server.
	const paper = a.started_at !== null && clock.state !== 'void' ? questionPaperOf(await getPaperContent(db, paperVersionId)) : null;
	return { attempt: a, info, responses, paper, clock };
}

export const REST_BREAK_REASON = 'Rest break (candidate)';

/**
 * A candidate with supervised rest breaks stops and restarts their own clock. Only a break they
 * started can be ended by them; an invigilator's pause is the invigilator's to lift.
 */
export async function candidateRestBreak(db: Kysely<Database>, attemptId: string, start: boolean, now = new Date()): Promise<ClockView> {
	const a = await settleAttempt(db, await getAttempt(db, attemptId), now);
	if (!a.rest_breaks) throw new ForbiddenError('Rest breaks are not part of your access arrangements. Ask your invigilator.');
	const sitting = await db.selectFrom('sitting').select('centre_id').where('id', '=', a.sitting_id).executeTakeFirstOrThrow();
	const ctx = { actor: { userId: null, label: 'candidate (rest break)' }, centreId: sitting.centre_id, now };
	if (start) {
		if (a.state !== 'in_progress') throw new ConflictError('A rest break can start only while you are answering', { state: a.state });
		await pause(db, ctx, a.sitting_id, a.id, REST_BREAK_REASON);
	} else {
		if (a.state !== 'paused' || a.pause_reason !== REST_BREAK_REASON) throw new ConflictError('You are not on a rest break', { state: a.state });
		await resume(db, ctx, a.sitting_id, a.id, 'rest break ended');
	}
	return getCandidateClock(db, attemptId, now);
}
