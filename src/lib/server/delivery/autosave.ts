import { sql, type Kysely, type RawBuilder } from 'kysely';

import { judgeSave, MAX_ANSWER_CHARS, mayKeepInQuarantine } from '../../domain/attempt.js';
import type { SaveBody, SaveResult } from '../../exam-api.js';
import { factsOf } from '../attempts/attempt-store.js';
import { settleAttempt } from '../attempts/clock.js';
import { judgeSaveAccepts, type SaveWithin } from '../attempts/rules.js';
import { hashSecret, parseSessionToken } from '../auth/tokens.js';
import { getPaperItemKeys } from '../bank/papers.js';
import type { Database } from '../db/schema.js';
import { ConflictError, GoneError, NotFoundError, PayloadTooLargeError } from '../errors.js';
import { noteSave } from '../live/publish.js';
import { metrics } from '../ops/metrics.js';
import { hasNul, isUuid } from '../validation.js';
import {
	checkCandidateToken,
	loaded,
	signedOutError,
	type LoadedAttempt
} from './candidate-session.js';

export { MAX_ANSWER_CHARS };

/** What the exam API's autosave receives: the candidate's cookie, the attempt and question in the address, the body. */
export interface SaveRequest {
	token: string;
	attemptId: string;
	itemKey: string;
	body: SaveBody;
}

/**
 * The exam API's autosave. The usual save (a live session on this attempt, a question of its
 * paper, answering before the deadline, a newer sequence number) is one statement, so one round
 * trip, for a hall of candidates saving every few seconds. Anything else takes the full rules
 * (saveResponse), which give the precise answer: 401, 404, 409 with the state, 410 with the text
 * kept in quarantine, or the stored sequence number of a stale save.
 */
export async function saveAnswer(
	db: Kysely<Database>,
	req: SaveRequest,
	now = new Date()
): Promise<SaveResult> {
	if (req.body.text.length > MAX_ANSWER_CHARS)
		throw new PayloadTooLargeError(`Answers are limited to ${MAX_ANSWER_CHARS} characters`);
	// Neither names a real attempt or question, and PostgreSQL refuses a NUL in a parameter outright
	// (a 500 where the caller deserves the same answer as any wrong id; found by the fuzz tests).
	if (!isUuid(req.attemptId)) throw new NotFoundError('No such attempt');
	if (hasNul(req.itemKey) || !req.itemKey.isWellFormed())
		throw new NotFoundError('No such question on this paper');
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
					and (x.expires_at is null or x.expires_at > ${now}::timestamptz) and x.moved_at is null
			)
			-- judgeSave's 'answering' case; anything else (paused, ended) goes the full way below.
			and ${judgeSaveAccepts('answering', now, 'a')}
			for no key update`;
		const saved = await writeAnswer(db, usualCase, req.itemKey, req.body, now);
		if (saved.applied) return saved;
	}
	const checked = await checkCandidateToken(db, req.token, now);
	if (!checked.ok) throw signedOutError(checked.signedOut);
	const session = checked.session;
	if (session.attemptId !== req.attemptId) throw new NotFoundError('No such attempt');
	return saveResponse(db, session.attempt, req.itemKey, req.body, now);
}

/**
 * Autosave with every rule (the domain's `judgeSave`). Keeps the highest sequence number per
 * answer (a replayed or out-of-order save changes nothing and still succeeds) and appends every
 * accepted save to the revision log, atomically. A save the rules refuse (the clock stopped, the
 * exam over) is kept in quarantine for the invigilator's report and refused (409 / 410).
 */
export async function saveResponse(
	db: Kysely<Database>,
	attemptRef: string | LoadedAttempt,
	itemKey: string,
	body: SaveBody,
	now = new Date(),
	retried = false
): Promise<SaveResult> {
	if (body.text.length > MAX_ANSWER_CHARS)
		throw new PayloadTooLargeError(`Answers are limited to ${MAX_ANSWER_CHARS} characters`);
	const { row, paperVersionId } = await loaded(db, attemptRef);
	if (!(await getPaperItemKeys(db, paperVersionId)).has(itemKey))
		throw new NotFoundError(`Question ${itemKey} is not in this paper`);
	const attempt = await settleAttempt(db, row, now);
	const verdict = judgeSave(factsOf(attempt), now);
	if (!verdict.accept) {
		if (verdict.quarantine) {
			await quarantineSave(db, attempt.id, itemKey, body, verdict.reason, now);
			metrics().autosavesQuarantined.inc();
		}
		if (verdict.status === 410) throw new GoneError(verdict.reason);
		throw new ConflictError(verdict.reason, { state: attempt.state });
	}
	// Written only if, once locked, the row still takes the save for the same reason; if a submit,
	// pause or void landed in between, the rules are applied again to the new state.
	const saved = await writeAnswer(
		db,
		stillAccepting(attempt.id, verdict.within, now),
		itemKey,
		body,
		now
	);
	if (!saved.attemptOk) {
		if (retried)
			throw new ConflictError('The attempt changed while saving; please try again', {
				state: attempt.state
			});
		return saveResponse(db, attempt.id, itemKey, body, now, true);
	}
	if (saved.applied) return saved;
	const stored = await db
		.selectFrom('response')
		.select(['seq', 'saved_at'])
		.where('attempt_id', '=', attempt.id)
		.where('item_key', '=', itemKey)
		.executeTakeFirstOrThrow();
	return {
		seq: stored.seq,
		savedAt: stored.saved_at.toISOString(),
		serverNow: now.toISOString(),
		applied: false
	};
}

/**
 * The attempt row, locked, if it still takes a save for the reason `judgeSave` gave (the SQL form
 * of that accepting case, from attempts/rules).
 */
function stillAccepting(
	attemptId: string,
	within: SaveWithin,
	now: Date
): RawBuilder<{ id: string }> {
	return sql<{
		id: string;
	}>`select id from attempt where id = ${attemptId} and ${judgeSaveAccepts(within, now)} for no key update`;
}

/**
 * Keeps a refused save for the invigilator's report, within the attempt's bound; past it the save
 * is only counted, so one candidate cannot flood the console. Count and decide under the attempt's
 * row lock: two refused saves at once cannot both take the last place.
 */
export async function quarantineSave(
	db: Kysely<Database>,
	attemptId: string,
	itemKey: string,
	body: SaveBody,
	reason: string,
	now: Date
): Promise<'kept' | 'counted'> {
	return db.transaction().execute(async (tx) => {
		await tx
			.selectFrom('attempt')
			.select('id')
			.where('id', '=', attemptId)
			.forUpdate()
			.executeTakeFirstOrThrow();
		// The browser retries a refused save until the clock runs again: keep each save once.
		const already = await tx
			.selectFrom('save_quarantine')
			.select('id')
			.where('attempt_id', '=', attemptId)
			.where('item_key', '=', itemKey)
			.where('seq', '=', body.seq)
			.where('text', '=', body.text)
			.executeTakeFirst();
		if (already) return 'kept';
		const kept = await tx
			.selectFrom('save_quarantine')
			.select((eb) => [
				eb.fn.countAll<number>().as('n'),
				eb.fn.coalesce(eb.fn.sum<number>(sql`char_length(text)`), sql<number>`0`).as('chars')
			])
			.where('attempt_id', '=', attemptId)
			.executeTakeFirstOrThrow();
		if (
			!mayKeepInQuarantine({ rows: Number(kept.n), chars: Number(kept.chars) }, body.text.length)
		) {
			await tx
				.updateTable('attempt')
				.set((eb) => ({ quarantine_overflow: eb('quarantine_overflow', '+', 1) }))
				.where('id', '=', attemptId)
				.execute();
			return 'counted';
		}
		await tx
			.insertInto('save_quarantine')
			.values({
				attempt_id: attemptId,
				item_key: itemKey,
				seq: body.seq,
				text: body.text,
				reason,
				received_at: now
			})
			.execute();
		return 'kept';
	});
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
	body: SaveBody,
	now: Date
): Promise<SaveResult & { attemptOk: boolean }> {
	const r = await sql<{
		attempt_ok: boolean;
		seq: number | null;
		saved_at: Date | null;
		sitting_id: string | null;
		touched_id: string | null;
	}>`
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
			returning id, sitting_id
		)
		select exists (select 1 from a) as attempt_ok, up.seq, up.saved_at, (select sitting_id from touched) as sitting_id, (select id from touched) as touched_id
		from (select 1) as one left join up on true`.execute(db);
	const row = r.rows[0]!;
	const serverNow = now.toISOString();
	if (row.seq === null || row.saved_at === null)
		return {
			attemptOk: row.attempt_ok,
			applied: false,
			seq: body.seq,
			savedAt: serverNow,
			serverNow
		};
	// Committed (one statement): the sitting's consoles hear of it (gathered, not one NOTIFY per save).
	if (row.sitting_id && row.touched_id) noteSave(db, row.sitting_id, row.touched_id);
	return {
		attemptOk: row.attempt_ok,
		applied: true,
		seq: row.seq,
		savedAt: new Date(row.saved_at).toISOString(),
		serverNow
	};
}
