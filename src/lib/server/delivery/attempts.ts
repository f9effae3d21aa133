import type { Kysely, Transaction } from "kysely";
import { randomInt } from 'node:crypto';
import { effectiveState, transition, type AttemptAction, type AttemptState } from '../../domain/attempt.js';
import { extendClock, pauseClock, resumeClock, startClock, type AttemptClock } from '../../domain/timing.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { AttemptRow, Database } from '../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';

type Db = Kysely<Database> | Transaction<Database>;

export function clockOf(a: Pick<AttemptRow, 'reading_ends_at' | 'deadline_at' | 'paused_at'>): AttemptClock | null {
	if (!a.reading_ends_at || !a.deadline_at) return null;
	return { readingEndsAt: a.reading_ends_at, deadlineAt: a.deadline_at, pausedAt: a.paused_at };
}

const REFERENCE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export function newReference(): string {
	return 'R-' + Array.from({ length: 8 }, () => REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)]).join('');
}

/** Appends to the sitting's event log and, for officials, the audit log. */
export async function recordEvent(
	db: Db,
	actor: Actor,
	e: { sittingId: string; attemptId?: string | null; kind: string; reason?: string | null; minutes?: number | null; centreId?: string | null },
	at = new Date()
): Promise<void> {
	await db
		.insertInto('sitting_event')
		.values({
			sitting_id: e.sittingId,
			attempt_id: e.attemptId ?? null,
			kind: e.kind,
			reason: e.reason ?? null,
			minutes: e.minutes ?? null,
			actor_user_id: actor.userId,
			actor_label: actor.label,
			occurred_at: at
		})
		.execute();
	if (actor.userId) {
		await writeAudit(db as Kysely<Database>, actor, {
			action: `sitting.${e.kind}`,
			centreId: e.centreId ?? null,
			subjectType: e.attemptId ? 'attempt' : 'sitting',
			subjectId: e.attemptId ?? e.sittingId,
			details: { sitting_id: e.sittingId, reason: e.reason ?? undefined, minutes: e.minutes ?? undefined }
		});
	}
}

export const SYSTEM_CLOCK: Actor = { userId: null, label: 'system (clock)' };

/**
 * Applies the transitions time has made due: reading → in_progress when reading ends (in the
 * returned row only; the sweep stores it), and writes the auto-submit at the deadline (submitted_at = the deadline, not when we noticed). Idempotent:
 * guarded by the state it expects, so two processes settling the same attempt write it once.
 */
export async function settleAttempt(db: Db, a: AttemptRow, now: Date): Promise<AttemptRow> {
	let row = a;
	// Reading ends by the clock alone, so the row is answering from then on without a write: when
	// reading ends for a hall of 2,000 candidates, their next 2,000 requests would otherwise each
	// update their row at once. The sweep records the change (recordReadingEnded).
	if (row.state === 'reading' && effectiveState('reading', row.reading_ends_at, now) === 'in_progress') {
		row = { ...row, state: 'in_progress' };
	}
	if ((row.state === 'in_progress' || row.state === 'reading') && row.deadline_at && now.getTime() >= row.deadline_at.getTime()) {
		const updated = await db
			.updateTable('attempt')
			.set({ state: 'submitted', submitted_at: row.deadline_at, submit_reason: 'deadline', reference: newReference(), updated_at: now })
			.where('id', '=', row.id)
			.where('state', 'in', ['reading', 'in_progress'])
			.returningAll()
			.executeTakeFirst();
		if (updated) {
			row = updated;
			await recordEvent(db, SYSTEM_CLOCK, { sittingId: row.sitting_id, attemptId: row.id, kind: 'auto_submit' }, now);
		}
	}
	return row;
}

/** Stores 'in_progress' for attempts whose reading time is over (settleAttempt already treats them so). */
export async function recordReadingEnded(db: Kysely<Database>, now = new Date()): Promise<number> {
	const r = await db
		.updateTable('attempt')
		.set({ state: 'in_progress', updated_at: now })
		.where('state', '=', 'reading')
		.where('reading_ends_at', '<=', now)
		.executeTakeFirst();
	return Number(r.numUpdatedRows);
}

/** The periodic sweep: records reading time that has ended and submits every attempt whose deadline has passed. Returns how many it submitted. */
export async function sweepDeadlines(db: Kysely<Database>, now = new Date()): Promise<number> {
	await recordReadingEnded(db, now);
	const due = await db
		.selectFrom('attempt')
		.selectAll()
		.where('state', 'in', ['reading', 'in_progress'])
		.where('deadline_at', '<=', now)
		.limit(5000)
		.execute();
	let n = 0;
	for (const a of due) {
		const settled = await settleAttempt(db, a, now);
		if (settled.state === 'submitted') n++;
	}
	return n;
}

export async function getAttempt(db: Db, attemptId: string): Promise<AttemptRow> {
	if (!/^[0-9a-f-]{36}$/i.test(attemptId)) throw new NotFoundError('No such attempt');
	const a = await db.selectFrom('attempt').selectAll().where('id', '=', attemptId).executeTakeFirst();
	if (!a) throw new NotFoundError('No such attempt');
	return a;
}

/** Applies a state-machine action inside a transaction, or throws ConflictError naming the state. */
function next(a: AttemptRow, action: AttemptAction): AttemptState {
	const r = transition(a.state, action, a.paused_from);
	if (!r.ok) throw new ConflictError(r.reason, { state: a.state });
	return r.state;
}

export interface ActionContext {
	actor: Actor;
	centreId: string;
	now?: Date;
}

async function lockAttempt(tx: Transaction<Database>, attemptId: string, sittingId?: string): Promise<AttemptRow> {
	const a = await tx.selectFrom('attempt').selectAll().where('id', '=', attemptId).forUpdate().executeTakeFirst();
	if (!a || (sittingId && a.sitting_id !== sittingId)) throw new NotFoundError('No such attempt in this sitting');
	return a;
}

async function sittingFor(tx: Transaction<Database>, sittingId: string) {
	return tx
		.selectFrom('sitting as s')
		.innerJoin('paper_version as v', 'v.id', 's.paper_version_id')
		.select(['s.id', 's.state', 's.centre_id', 'v.reading_minutes', 'v.duration_minutes'])
		.where('s.id', '=', sittingId)
		.forUpdate()
		.executeTakeFirstOrThrow();
}

function requireReason(reason: string | undefined | null, what: string): string {
	const r = (reason ?? '').trim();
	if (!r) throw new ValidationError(`Give a reason for ${what}`, [{ field: 'reason', message: 'Reason is required' }]);
	if (r.length > 500) throw new ValidationError('Reason is at most 500 characters', [{ field: 'reason', message: 'Too long' }]);
	return r;
}

export async function markAttendance(db: Kysely<Database>, ctx: ActionContext, sittingId: string, attemptId: string, present: boolean): Promise<void> {
	const now = ctx.now ?? new Date();
	await db.transaction().execute(async (tx) => {
		const a = await lockAttempt(tx, attemptId, sittingId);
		if (present) {
			const state = a.state === 'absent' ? next(a, 'mark_present') : a.state;
			if (a.present && state === a.state) return;
			await tx.updateTable('attempt').set({ present: true, state, updated_at: now }).where('id', '=', a.id).execute();
		} else {
			const state = next(a, 'mark_absent');
			await tx.updateTable('attempt').set({ present: false, state, updated_at: now }).where('id', '=', a.id).execute();
		}
		await recordEvent(tx, ctx.actor, { sittingId, attemptId, kind: present ? 'present' : 'absent', centreId: ctx.centreId }, now);
	});
}

/** Marks every candidate not yet marked present; returns how many. */
export async function markAllPresent(db: Kysely<Database>, ctx: ActionContext, sittingId: string): Promise<number> {
	const rows = await db.selectFrom('attempt').select('id').where('sitting_id', '=', sittingId).where('state', '=', 'not_started').where('present', '=', false).execute();
	for (const r of rows) await markAttendance(db, ctx, sittingId, r.id, true);
	return rows.length;
}

/** Starts one attempt's clock, with the candidate's access arrangements as they are now. */
async function startOne(tx: Transaction<Database>, a: AttemptRow, sitting: { reading_minutes: number; duration_minutes: number }, now: Date): Promise<void> {
	next(a, 'start');
	const cand = await tx.selectFrom('candidate').select(['extra_time_percent', 'rest_breaks']).where('id', '=', a.candidate_id).executeTakeFirstOrThrow();
	const clock = startClock(now, sitting.reading_minutes, sitting.duration_minutes, cand.extra_time_percent);
	await tx
		.updateTable('attempt')
		.set({
			state: 'reading',
			present: true,
			started_at: now,
			reading_ends_at: clock.readingEndsAt,
			deadline_at: clock.deadlineAt,
			extra_time_percent: cand.extra_time_percent,
			rest_breaks: cand.rest_breaks,
			updated_at: now
		})
		.where('id', '=', a.id)
		.execute();
}

/** Starts the sitting: reading time begins for every candidate marked present. */
export async function startSitting(db: Kysely<Database>, ctx: ActionContext, sittingId: string): Promise<number> {
	const now = ctx.now ?? new Date();
	return db.transaction().execute(async (tx) => {
		const s = await sittingFor(tx, sittingId);
		if (s.state === 'ended') throw new ConflictError('This sitting has ended', { state: s.state });
		const waiting = await tx.selectFrom('attempt').selectAll().where('sitting_id', '=', sittingId).where('state', '=', 'not_started').where('present', '=', true).forUpdate().execute();
		if (s.state === 'scheduled' && waiting.length === 0) throw new ConflictError('Mark at least one candidate present before starting', { state: s.state });
		for (const a of waiting) await startOne(tx, a, s, now);
		if (s.state === 'scheduled') await tx.updateTable('sitting').set({ state: 'running', started_at: now }).where('id', '=', sittingId).execute();
		await recordEvent(tx, ctx.actor, { sittingId, kind: 'start', reason: `${waiting.length} candidate(s) started`, centreId: ctx.centreId }, now);
		return waiting.length;
	});
}

/** Starts a late arrival's own clock in a running sitting. */
export async function startAttempt(db: Kysely<Database>, ctx: ActionContext, sittingId: string, attemptId: string): Promise<void> {
	const now = ctx.now ?? new Date();
	await db.transaction().execute(async (tx) => {
		const s = await sittingFor(tx, sittingId);
		if (s.state !== 'running') throw new ConflictError('Start the sitting first', { state: s.state });
		const a = await lockAttempt(tx, attemptId, sittingId);
		await startOne(tx, a, s, now);
		await recordEvent(tx, ctx.actor, { sittingId, attemptId, kind: 'start_one', centreId: ctx.centreId }, now);
	});
}

async function pauseOne(tx: Transaction<Database>, a0: AttemptRow, reason: string, now: Date): Promise<boolean> {
	const a = await settleAttempt(tx, a0, now);
	if (a.state !== 'reading' && a.state !== 'in_progress') return false;
	next(a, 'pause');
	const clock = pauseClock(clockOf(a)!, now);
	await tx
		.updateTable('attempt')
		.set({ state: 'paused', paused_from: a.state, paused_at: clock.pausedAt, pause_reason: reason, updated_at: now })
		.where('id', '=', a.id)
		.execute();
	return true;
}

async function resumeOne(tx: Transaction<Database>, a: AttemptRow, now: Date): Promise<boolean> {
	if (a.state !== 'paused') return false;
	const state = next(a, 'resume');
	const clock = resumeClock(clockOf(a)!, now);
	await tx
		.updateTable('attempt')
		.set({ state, paused_from: null, paused_at: null, pause_reason: null, reading_ends_at: clock.readingEndsAt, deadline_at: clock.deadlineAt, updated_at: now })
		.where('id', '=', a.id)
		.execute();
	return true;
}

export async function pause(db: Kysely<Database>, ctx: ActionContext, sittingId: string, attemptId: string | null, reasonIn: string): Promise<number> {
	const now = ctx.now ?? new Date();
	const reason = requireReason(reasonIn, 'the pause');
	return db.transaction().execute(async (tx) => {
		const rows = attemptId
			? [await lockAttempt(tx, attemptId, sittingId)]
			: await tx.selectFrom('attempt').selectAll().where('sitting_id', '=', sittingId).where('state', 'in', ['reading', 'in_progress']).forUpdate().execute();
		let n = 0;
		for (const a of rows) if (await pauseOne(tx, a, reason, now)) n++;
		if (attemptId && n === 0) throw new ConflictError('Only a candidate who is reading or answering can be paused', { state: rows[0]!.state });
		await recordEvent(tx, ctx.actor, { sittingId, attemptId, kind: attemptId ? 'pause' : 'pause_all', reason, centreId: ctx.centreId }, now);
		return n;
	});
}

export async function resume(db: Kysely<Database>, ctx: ActionContext, sittingId: string, attemptId: string | null, reasonIn: string): Promise<number> {
	const now = ctx.now ?? new Date();
	const reason = requireReason(reasonIn, 'resuming');
	return db.transaction().execute(async (tx) => {
		const rows = attemptId
			? [await lockAttempt(tx, attemptId, sittingId)]
			: await tx.selectFrom('attempt').selectAll().where('sitting_id', '=', sittingId).where('state', '=', 'paused').forUpdate().execute();
		let n = 0;
		for (const a of rows) if (await resumeOne(tx, a, now)) n++;
		if (attemptId && n === 0) throw new ConflictError('This candidate is not paused', { state: rows[0]!.state });
		await recordEvent(tx, ctx.actor, { sittingId, attemptId, kind: attemptId ? 'resume' : 'resume_all', reason, centreId: ctx.centreId }, now);
		return n;
	});
}

export async function extendTime(db: Kysely<Database>, ctx: ActionContext, sittingId: string, attemptId: string, minutesIn: unknown, reasonIn: string): Promise<void> {
	const now = ctx.now ?? new Date();
	const minutes = Number(minutesIn);
	if (!Number.isInteger(minutes) || minutes < 1 || minutes > 120) {
		throw new ValidationError('Extra minutes must be a whole number from 1 to 120', [{ field: 'minutes', message: 'From 1 to 120' }]);
	}
	const reason = requireReason(reasonIn, 'extra time');
	await db.transaction().execute(async (tx) => {
		const a = await settleAttempt(tx, await lockAttempt(tx, attemptId, sittingId), now);
		if (!['reading', 'in_progress', 'paused'].includes(a.state)) throw new ConflictError(`Cannot give extra time to an attempt that is ${a.state.replace('_', ' ')}`, { state: a.state });
		const clock = extendClock(clockOf(a)!, minutes);
		await tx.updateTable('attempt').set({ deadline_at: clock.deadlineAt, extension_minutes: a.extension_minutes + minutes, updated_at: now }).where('id', '=', a.id).execute();
		await recordEvent(tx, ctx.actor, { sittingId, attemptId, kind: 'extra_time', minutes, reason, centreId: ctx.centreId }, now);
	});
}

export async function voidAttempt(db: Kysely<Database>, ctx: ActionContext, sittingId: string, attemptId: string, reasonIn: string): Promise<void> {
	const now = ctx.now ?? new Date();
	const reason = requireReason(reasonIn, 'voiding the attempt');
	await db.transaction().execute(async (tx) => {
		const a = await lockAttempt(tx, attemptId, sittingId);
		const state = next(a, 'void');
		await tx.updateTable('attempt').set({ state, void_reason: reason, updated_at: now }).where('id', '=', a.id).execute();
		await endCandidateSessionsSoon(tx, [a.id], now);
		await recordEvent(tx, ctx.actor, { sittingId, attemptId, kind: 'void', reason, centreId: ctx.centreId }, now);
	});
}

export async function logIncident(db: Kysely<Database>, ctx: ActionContext, sittingId: string, attemptId: string | null, reasonIn: string): Promise<void> {
	const reason = requireReason(reasonIn, 'the incident');
	await db.transaction().execute(async (tx) => {
		if (attemptId) await lockAttempt(tx, attemptId, sittingId);
		await recordEvent(tx, ctx.actor, { sittingId, attemptId, kind: 'incident', reason, centreId: ctx.centreId }, ctx.now);
	});
}

/** Lets a candidate whose computer failed sign in on another; their old sessions end then. */
export async function allowMove(db: Kysely<Database>, ctx: ActionContext, sittingId: string, attemptId: string, reasonIn: string): Promise<void> {
	const now = ctx.now ?? new Date();
	const reason = requireReason(reasonIn, 'the move');
	await db.transaction().execute(async (tx) => {
		const a = await lockAttempt(tx, attemptId, sittingId);
		if (!['not_started', 'reading', 'in_progress', 'paused'].includes(a.state)) throw new ConflictError(`This attempt is ${a.state}`, { state: a.state });
		await tx.updateTable('attempt').set({ move_allowed_at: now, updated_at: now }).where('id', '=', a.id).execute();
		await recordEvent(tx, ctx.actor, { sittingId, attemptId, kind: 'allow_move', reason, centreId: ctx.centreId }, now);
	});
}

/**
 * How long a candidate's session outlives the end of their attempt (void, or the sitting ended).
 * Not cut at once: the page must still show the receipt (or that the exam was closed), and saves
 * already on their way must reach the server, to be kept in the script within the grace or in
 * quarantine after it, instead of being turned away unread.
 */
export const SESSION_AFTER_END_MS = 15 * 60_000;

async function endCandidateSessionsSoon(tx: Transaction<Database>, attemptIds: string[], now: Date): Promise<void> {
	if (attemptIds.length === 0) return;
	const until = new Date(now.getTime() + SESSION_AFTER_END_MS);
	await tx
		.updateTable('auth_session')
		.set({ expires_at: until })
		.where('attempt_id', 'in', attemptIds)
		.where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', until)]))
		.execute();
}

/** Ends the sitting: every running or paused attempt is submitted; candidate sessions end shortly after. */
export async function endSitting(db: Kysely<Database>, ctx: ActionContext, sittingId: string): Promise<number> {
	const now = ctx.now ?? new Date();
	return db.transaction().execute(async (tx) => {
		const s = await sittingFor(tx, sittingId);
		if (s.state === 'ended') throw new ConflictError('This sitting has already ended', { state: s.state });
		const running = await tx.selectFrom('attempt').selectAll().where('sitting_id', '=', sittingId).where('state', 'in', ['reading', 'in_progress', 'paused']).forUpdate().execute();
		let n = 0;
		for (const a0 of running) {
			const a = await settleAttempt(tx, a0, now);
			if (a.state === 'submitted') continue;
			await tx
				.updateTable('attempt')
				.set({ state: 'submitted', submitted_at: now, submit_reason: 'sitting_ended', reference: newReference(), paused_at: null, updated_at: now })
				.where('id', '=', a.id)
				.execute();
			n++;
		}
		await tx.updateTable('sitting').set({ state: 'ended', ended_at: now }).where('id', '=', sittingId).execute();
		const all = await tx.selectFrom('attempt').select('id').where('sitting_id', '=', sittingId).execute();
		await endCandidateSessionsSoon(tx, all.map((r) => r.id), now);
		await recordEvent(tx, ctx.actor, { sittingId, kind: 'end', reason: `${n} attempt(s) submitted at the end`, centreId: ctx.centreId }, now);
		return n;
	});
}

