/**
 * What the invigilator (or the centre administrator) does to a running sitting: attendance, start,
 * pause and resume, extra time, incidents, voiding, a move to another computer, the end. Every
 * state change goes through `applyTransition`; every "may this happen now?" through the domain.
 */
import type { Kysely, Transaction } from 'kysely';

import { ACTIVE_STATES, candidateSessionEnds, may, type PauseKind } from '../../domain/attempt.js';
import { judgeStartDay } from '../../domain/sitting.js';
import { extendClock, pauseClock, resumeClock, startClock } from '../../domain/timing.js';
import { count } from '../../domain/words.js';
import {
	applyTransition,
	clockOf,
	factsOf,
	lockAttempt,
	newReference
} from '../attempts/attempt-store.js';
import { settleAttempt } from '../attempts/clock.js';
import { recordEvent } from '../attempts/events.js';
import type { Actor } from '../audit/index.js';
import { resultsApproved } from '../awarding/approval.js';
import type { AttemptRow, Database } from '../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { createReadyScripts } from '../marking/scripts.js';
import { hasNul, NUL_MESSAGE } from '../validation.js';

export interface ActionContext {
	actor: Actor;
	centreId: string;
	now?: Date;
}

async function sittingFor(tx: Transaction<Database>, sittingId: string) {
	const s = await tx
		.selectFrom('sitting as s')
		.innerJoin('paper_version as v', 'v.id', 's.paper_version_id')
		.select([
			's.id',
			's.state',
			's.centre_id',
			's.scheduled_at',
			's.ended_at',
			's.paper_version_id',
			'v.reading_minutes',
			'v.duration_minutes'
		])
		.where('s.id', '=', sittingId)
		.forUpdate('s')
		.executeTakeFirst();
	if (!s) throw new NotFoundError('No such sitting');
	return s;
}

export function requireReason(reason: string | undefined | null, what: string): string {
	const r = (reason ?? '').trim();
	if (!r)
		throw new ValidationError(`Give a reason for ${what}`, [
			{ field: 'reason', message: 'Reason is required' }
		]);
	if (r.length > 500)
		throw new ValidationError('Reason is at most 500 characters', [
			{ field: 'reason', message: 'Too long' }
		]);
	if (hasNul(r))
		throw new ValidationError(`The reason ${NUL_MESSAGE}`, [
			{ field: 'reason', message: 'Remove the NUL character' }
		]);
	return r;
}

/** A transition whose row changed under us is a conflict for an official's action (they see the new state on reload). */
function changedMeanwhile(a: AttemptRow): never {
	throw new ConflictError('This candidate’s exam changed while you acted; look again', {
		state: a.state
	});
}

export async function markAttendance(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	attemptId: string,
	present: boolean
): Promise<void> {
	const now = ctx.now ?? new Date();
	await db.transaction().execute(async (tx) => {
		const a = await lockAttempt(tx, attemptId, sittingId);
		if (present) {
			if (a.state === 'absent') {
				if (!(await applyTransition(tx, a, 'mark_present', now, { present: true })))
					changedMeanwhile(a);
			} else {
				if (a.present) return;
				await tx
					.updateTable('attempt')
					.set({ present: true, updated_at: now })
					.where('id', '=', a.id)
					.execute();
			}
		} else {
			if (!(await applyTransition(tx, a, 'mark_absent', now, { present: false })))
				changedMeanwhile(a);
		}
		await recordEvent(
			tx,
			ctx.actor,
			{ sittingId, attemptId, kind: present ? 'present' : 'absent', centreId: ctx.centreId },
			now
		);
	});
}

/** Marks every candidate not yet marked present; returns how many. */
export async function markAllPresent(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string
): Promise<number> {
	const rows = await db
		.selectFrom('attempt')
		.select('id')
		.where('sitting_id', '=', sittingId)
		.where('state', '=', 'not_started')
		.where('present', '=', false)
		.execute();
	for (const r of rows) await markAttendance(db, ctx, sittingId, r.id, true);
	return rows.length;
}

/** Starts one attempt's clock, with the candidate's access arrangements as they are now. */
async function startOne(
	tx: Transaction<Database>,
	a: AttemptRow,
	sitting: { reading_minutes: number; duration_minutes: number },
	now: Date
): Promise<void> {
	const cand = await tx
		.selectFrom('candidate')
		.select(['extra_time_percent', 'rest_breaks'])
		.where('id', '=', a.candidate_id)
		.executeTakeFirstOrThrow();
	const clock = startClock(
		now,
		sitting.reading_minutes,
		sitting.duration_minutes,
		cand.extra_time_percent
	);
	const started = await applyTransition(tx, a, 'start', now, {
		present: true,
		started_at: now,
		reading_ends_at: clock.readingEndsAt,
		deadline_at: clock.deadlineAt,
		extra_time_percent: cand.extra_time_percent,
		rest_breaks: cand.rest_breaks
	});
	if (!started) changedMeanwhile(a);
}

/** Starting on another day than booked: the person starting confirms it and says why. */
export interface OtherDayStart {
	confirmed: boolean;
	reason: string;
}

/**
 * Starts the sitting: reading time begins for every candidate marked present. A sitting started on
 * another day than it was booked for (in the centre's time zone) needs `otherDay` confirmed with a
 * reason, which is audited.
 */
export async function startSitting(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	otherDay?: OtherDayStart
): Promise<number> {
	const now = ctx.now ?? new Date();
	return db.transaction().execute(async (tx) => {
		const s = await sittingFor(tx, sittingId);
		if (s.state === 'ended') throw new ConflictError('This sitting has ended', { state: s.state });
		if (s.state === 'cancelled')
			throw new ConflictError('This sitting was cancelled', { state: s.state });
		const day = judgeStartDay(now, s.scheduled_at);
		let otherDayReason: string | null = null;
		if (s.state === 'scheduled' && !day.sameDay) {
			const message = `This sitting is booked for ${day.bookedDay}, not today (${day.today})`;
			if (!otherDay?.confirmed) {
				throw new ValidationError(
					`${message}: to start it today, tick the box to confirm and give the reason`,
					[{ field: 'other_day_confirm', message: 'Confirm starting on another day' }]
				);
			}
			otherDayReason = requireReason(otherDay.reason, 'starting on another day');
			await recordEvent(
				tx,
				ctx.actor,
				{
					sittingId,
					kind: 'start_other_day',
					reason: otherDayReason,
					centreId: ctx.centreId,
					details: { booked_for: s.scheduled_at.toISOString(), started_at: now.toISOString() }
				},
				now
			);
		}
		const waiting = await tx
			.selectFrom('attempt')
			.selectAll()
			.where('sitting_id', '=', sittingId)
			.where('state', '=', 'not_started')
			.where('present', '=', true)
			.forUpdate()
			.execute();
		if (s.state === 'scheduled' && waiting.length === 0)
			throw new ConflictError('Mark at least one candidate present before starting', {
				state: s.state
			});
		for (const a of waiting) await startOne(tx, a, s, now);
		if (s.state === 'scheduled')
			await tx
				.updateTable('sitting')
				.set({ state: 'running', started_at: now })
				.where('id', '=', sittingId)
				.execute();
		await recordEvent(
			tx,
			ctx.actor,
			{
				sittingId,
				kind: 'start',
				reason: `${count(waiting.length, 'candidate')} started`,
				centreId: ctx.centreId
			},
			now
		);
		return waiting.length;
	});
}

/** Starts a late arrival's own clock in a running sitting. */
export async function startAttempt(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	attemptId: string
): Promise<void> {
	const now = ctx.now ?? new Date();
	await db.transaction().execute(async (tx) => {
		const s = await sittingFor(tx, sittingId);
		if (s.state !== 'running')
			throw new ConflictError('Start the sitting first', { state: s.state });
		const a = await lockAttempt(tx, attemptId, sittingId);
		await startOne(tx, a, s, now);
		await recordEvent(
			tx,
			ctx.actor,
			{ sittingId, attemptId, kind: 'start_one', centreId: ctx.centreId },
			now
		);
	});
}

/** Stops one attempt's clock (`pause` by the invigilator, `rest_break_start` by the candidate); null if it may not stop now. */
export async function stopClock(
	tx: Transaction<Database>,
	a0: AttemptRow,
	action: 'pause' | 'rest_break_start',
	reason: string,
	now: Date
): Promise<AttemptRow | null> {
	const a = await settleAttempt(tx, a0, now);
	if (!may(factsOf(a), action, now).ok) return null;
	const kind: PauseKind = action === 'pause' ? 'invigilator' : 'rest_break';
	// The invigilator pausing a candidate on a rest break takes the pause over: the clock stays
	// stopped from when the break began, and only the invigilator can now resume it.
	if (a.state === 'paused')
		return applyTransition(tx, a, action, now, { pause_reason: reason, pause_kind: kind });
	return applyTransition(tx, a, action, now, {
		paused_from: a.state as 'reading' | 'in_progress',
		paused_at: pauseClock(clockOf(a)!, now).pausedAt,
		pause_reason: reason,
		pause_kind: kind
	});
}

/** Restarts one attempt's clock (`resume` by the invigilator, `rest_break_end` by the candidate). */
export async function restartClock(
	tx: Transaction<Database>,
	a: AttemptRow,
	action: 'resume' | 'rest_break_end',
	now: Date
): Promise<AttemptRow | null> {
	if (!may(factsOf(a), action, now).ok) return null;
	const clock = resumeClock(clockOf(a)!, now);
	return applyTransition(tx, a, action, now, {
		reading_ends_at: clock.readingEndsAt,
		deadline_at: clock.deadlineAt
	});
}

export async function pause(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	attemptId: string | null,
	reasonIn: string
): Promise<number> {
	const now = ctx.now ?? new Date();
	const reason = requireReason(reasonIn, 'the pause');
	return db.transaction().execute(async (tx) => {
		const rows = attemptId
			? [await lockAttempt(tx, attemptId, sittingId)]
			: await tx
					.selectFrom('attempt')
					.selectAll()
					.where('sitting_id', '=', sittingId)
					// A candidate on a rest break is paused too: the invigilator's pause must hold them (they could otherwise end their break and write on).
					.where((eb) =>
						eb.or([
							eb('state', 'in', ['reading', 'in_progress']),
							eb.and([eb('state', '=', 'paused'), eb('pause_kind', '=', 'rest_break')])
						])
					)
					.forUpdate()
					.execute();
		let n = 0;
		for (const a of rows) if (await stopClock(tx, a, 'pause', reason, now)) n++;
		if (attemptId && n === 0)
			throw new ConflictError(
				'Only a candidate who is reading, answering or on a rest break can be paused',
				{ state: rows[0]!.state }
			);
		await recordEvent(
			tx,
			ctx.actor,
			{
				sittingId,
				attemptId,
				kind: attemptId ? 'pause' : 'pause_all',
				reason,
				centreId: ctx.centreId
			},
			now
		);
		return n;
	});
}

export async function resume(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	attemptId: string | null,
	reasonIn: string
): Promise<number> {
	const now = ctx.now ?? new Date();
	const reason = requireReason(reasonIn, 'resuming');
	return db.transaction().execute(async (tx) => {
		const rows = attemptId
			? [await lockAttempt(tx, attemptId, sittingId)]
			: await tx
					.selectFrom('attempt')
					.selectAll()
					.where('sitting_id', '=', sittingId)
					.where('state', '=', 'paused')
					.forUpdate()
					.execute();
		let n = 0;
		for (const a of rows) if (await restartClock(tx, a, 'resume', now)) n++;
		if (attemptId && n === 0)
			throw new ConflictError('This candidate is not paused', { state: rows[0]!.state });
		await recordEvent(
			tx,
			ctx.actor,
			{
				sittingId,
				attemptId,
				kind: attemptId ? 'resume' : 'resume_all',
				reason,
				centreId: ctx.centreId
			},
			now
		);
		return n;
	});
}

export async function extendTime(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	attemptId: string,
	minutesIn: unknown,
	reasonIn: string
): Promise<void> {
	const now = ctx.now ?? new Date();
	const minutes = Number(minutesIn);
	if (!Number.isInteger(minutes) || minutes < 1 || minutes > 120) {
		throw new ValidationError('Extra minutes must be a whole number from 1 to 120', [
			{ field: 'minutes', message: 'From 1 to 120' }
		]);
	}
	const reason = requireReason(reasonIn, 'extra time');
	await db.transaction().execute(async (tx) => {
		const a = await settleAttempt(tx, await lockAttempt(tx, attemptId, sittingId), now);
		const verdict = may(factsOf(a), 'extend_time', now);
		if (!verdict.ok) throw new ConflictError(capitalise(verdict.reason), { state: a.state });
		const clock = extendClock(clockOf(a)!, minutes);
		await tx
			.updateTable('attempt')
			.set({
				deadline_at: clock.deadlineAt,
				extension_minutes: a.extension_minutes + minutes,
				updated_at: now
			})
			.where('id', '=', a.id)
			.execute();
		await recordEvent(
			tx,
			ctx.actor,
			{ sittingId, attemptId, kind: 'extra_time', minutes, reason, centreId: ctx.centreId },
			now
		);
	});
}

export async function voidAttempt(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	attemptId: string,
	reasonIn: string
): Promise<void> {
	const now = ctx.now ?? new Date();
	const reason = requireReason(reasonIn, 'voiding the attempt');
	await db.transaction().execute(async (tx) => {
		// Settled, so an attempt whose reading time has ended is recorded as voided while answering.
		const a = await settleAttempt(tx, await lockAttempt(tx, attemptId, sittingId), now);
		if (a.state === 'void' || a.state === 'absent')
			throw new ConflictError(`Cannot void an attempt that is ${a.state}`, { state: a.state });
		if (!(await applyTransition(tx, a, 'void', now, { void_reason: reason, voided_from: a.state })))
			changedMeanwhile(a);
		await endCandidateSessionsSoon(tx, [a.id], now);
		await recordEvent(
			tx,
			ctx.actor,
			{
				sittingId,
				attemptId,
				kind: 'void',
				reason,
				centreId: ctx.centreId,
				details: { before: a.state, after: 'void' }
			},
			now
		);
	});
}

/**
 * Reinstates a voided attempt (a void made by mistake), by the centre administrator, with a reason,
 * until results for the sitting's paper are approved. The attempt returns to the state it was voided
 * from; an exam that was open then is submitted if the sitting has ended meanwhile. The time between
 * the void and now is not given back: the invigilator can give extra time. Returns the new state.
 */
export async function reinstateAttempt(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	attemptId: string,
	reasonIn: string
): Promise<string> {
	const now = ctx.now ?? new Date();
	const reason = requireReason(reasonIn, 'reinstating the attempt');
	return db.transaction().execute(async (tx) => {
		const s = await sittingFor(tx, sittingId);
		const a = await lockAttempt(tx, attemptId, sittingId);
		if (a.state !== 'void')
			throw new ConflictError('Only a voided attempt can be reinstated', { state: a.state });
		const more = {
			sittingEnded: s.state === 'ended',
			resultsApproved: await resultsApproved(tx, s.paper_version_id)
		};
		const verdict = may({ ...factsOf(a), ...more }, 'reinstate', now);
		if (!verdict.ok) throw new ConflictError(capitalise(verdict.reason), { state: a.state });
		const reopensAs = a.voided_from === 'paused' && !more.sittingEnded ? 'paused' : null;
		const closesAtEnd =
			more.sittingEnded && a.voided_from !== null && ACTIVE_STATES.includes(a.voided_from);
		const changes = {
			voided_from: null,
			void_reason: null,
			// Voided while paused: back to paused (the invigilator resumes when the candidate is ready).
			...(reopensAs
				? {
						paused_from:
							a.reading_ends_at && a.reading_ends_at > now
								? ('reading' as const)
								: ('in_progress' as const),
						paused_at: now,
						pause_kind: 'invigilator' as const,
						pause_reason: 'Reinstated after a void'
					}
				: {}),
			// Open when voided, and the sitting has ended since: submitted as at the end of the sitting.
			...(closesAtEnd
				? {
						submitted_at: s.ended_at ?? now,
						submit_reason: 'sitting_ended' as const,
						reference: a.reference ?? newReference()
					}
				: {})
		};
		const reinstated = await applyTransition(tx, a, 'reinstate', now, changes, more);
		if (!reinstated) changedMeanwhile(a);
		// An exam reopened: the candidate's session (set to end soon after the void), if it has not
		// ended yet, lives on as a sign-in's does (candidateSessionEnds), and ends like any other: then
		// the candidate signs in again (judgeCandidateSignIn), no move needed. Never "no end": that
		// session would hold the exam for ever.
		if (ACTIVE_STATES.includes(reinstated.state)) {
			const sessions = await tx
				.selectFrom('auth_session')
				.select(['id', 'created_at'])
				.where('attempt_id', '=', a.id)
				.where('expires_at', '>', now)
				.where('moved_at', 'is', null)
				.execute();
			for (const x of sessions)
				await tx
					.updateTable('auth_session')
					.set({ expires_at: candidateSessionEnds(x.created_at) })
					.where('id', '=', x.id)
					.execute();
		}
		await recordEvent(
			tx,
			ctx.actor,
			{
				sittingId,
				attemptId,
				kind: 'reinstate',
				reason,
				centreId: ctx.centreId,
				details: { before: 'void', after: reinstated.state, voided_from: a.voided_from }
			},
			now
		);
		return reinstated.state;
	});
}

export async function logIncident(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	attemptId: string | null,
	reasonIn: string
): Promise<void> {
	const reason = requireReason(reasonIn, 'the incident');
	await db.transaction().execute(async (tx) => {
		if (attemptId) await lockAttempt(tx, attemptId, sittingId);
		await recordEvent(
			tx,
			ctx.actor,
			{ sittingId, attemptId, kind: 'incident', reason, centreId: ctx.centreId },
			ctx.now
		);
	});
}

/** Lets a candidate whose computer failed sign in on another; their old sessions end then. */
export async function allowMove(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	attemptId: string,
	reasonIn: string
): Promise<void> {
	const now = ctx.now ?? new Date();
	const reason = requireReason(reasonIn, 'the move');
	await db.transaction().execute(async (tx) => {
		const a = await lockAttempt(tx, attemptId, sittingId);
		const verdict = may(factsOf(a), 'allow_move', now);
		if (!verdict.ok) throw new ConflictError(capitalise(verdict.reason), { state: a.state });
		await tx
			.updateTable('attempt')
			.set({ move_allowed_at: now, updated_at: now })
			.where('id', '=', a.id)
			.execute();
		await recordEvent(
			tx,
			ctx.actor,
			{ sittingId, attemptId, kind: 'allow_move', reason, centreId: ctx.centreId },
			now
		);
	});
}

/**
 * How long a candidate's session outlives the end of their attempt (void, or the sitting ended).
 * Not cut at once: the page must still show the receipt (or that the exam was closed), and saves
 * already on their way must reach the server, to be kept in the script within the grace or in
 * quarantine after it, instead of being turned away unread.
 */
export const SESSION_AFTER_END_MS = 15 * 60_000;

async function endCandidateSessionsSoon(
	tx: Transaction<Database>,
	attemptIds: string[],
	now: Date
): Promise<void> {
	if (attemptIds.length === 0) return;
	const until = new Date(now.getTime() + SESSION_AFTER_END_MS);
	await tx
		.updateTable('auth_session')
		.set({ expires_at: until })
		.where('attempt_id', 'in', attemptIds)
		.where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', until)]))
		.execute();
}

/** Ends the sitting: every attempt still open (reading, answering or paused) is submitted; candidate sessions end shortly after. */
export async function endSitting(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string
): Promise<number> {
	const now = ctx.now ?? new Date();
	const submitted = await db.transaction().execute(async (tx) => {
		const s = await sittingFor(tx, sittingId);
		if (s.state === 'ended')
			throw new ConflictError('This sitting has already ended', { state: s.state });
		if (s.state === 'cancelled')
			throw new ConflictError('This sitting was cancelled', { state: s.state });
		const open = await tx
			.selectFrom('attempt')
			.selectAll()
			.where('sitting_id', '=', sittingId)
			.where('state', 'in', ['reading', 'in_progress', 'paused'])
			.forUpdate()
			.execute();
		let n = 0;
		for (const a0 of open) {
			const a = await settleAttempt(tx, a0, now);
			if (a.state === 'submitted') continue;
			const ended = await applyTransition(tx, a, 'end_sitting', now, {
				submitted_at: now,
				submit_reason: 'sitting_ended',
				reference: newReference()
			});
			if (ended) n++;
		}
		await tx
			.updateTable('sitting')
			.set({ state: 'ended', ended_at: now })
			.where('id', '=', sittingId)
			.execute();
		const all = await tx
			.selectFrom('attempt')
			.select('id')
			.where('sitting_id', '=', sittingId)
			.execute();
		await endCandidateSessionsSoon(
			tx,
			all.map((r) => r.id),
			now
		);
		await recordEvent(
			tx,
			ctx.actor,
			{
				sittingId,
				kind: 'end',
				reason: `${count(n, 'attempt')} submitted at the end`,
				centreId: ctx.centreId
			},
			now
		);
		return { n, paperVersionId: s.paper_version_id };
	});
	// Once the sitting has ended no answer can change: its submitted attempts go to marking now.
	await createReadyScripts(db, now, submitted.paperVersionId);
	return submitted.n;
}

function capitalise(s: string): string {
	return s.charAt(0).toUpperCase() + s.slice(1);
}
