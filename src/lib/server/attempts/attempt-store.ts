import { randomInt } from 'node:crypto';
import type { Transaction, Updateable } from 'kysely';

import { transition, type AttemptAction, type AttemptFacts } from '../../domain/attempt.js';
import type { AttemptClock } from '../../domain/timing.js';
import type { Db } from '../db/index.js';
import type { AttemptRow, Database } from '../db/schema.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { isUuid } from '../validation.js';
import { effectiveStateIs } from './rules.js';

export function clockOf(
	a: Pick<AttemptRow, 'reading_ends_at' | 'deadline_at' | 'paused_at'>
): AttemptClock | null {
	if (!a.reading_ends_at || !a.deadline_at) return null;
	return { readingEndsAt: a.reading_ends_at, deadlineAt: a.deadline_at, pausedAt: a.paused_at };
}

/** What the domain's rules need of an attempt row. */
export function factsOf(a: AttemptRow): AttemptFacts {
	return {
		state: a.state,
		pausedFrom: a.paused_from,
		pauseKind: a.pause_kind,
		pausedAt: a.paused_at,
		readingEndsAt: a.reading_ends_at,
		deadlineAt: a.deadline_at,
		submittedAt: a.submitted_at,
		submitReason: a.submit_reason,
		restBreaks: a.rest_breaks,
		voidedFrom: a.voided_from
	};
}

const REFERENCE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
/** The receipt reference a candidate is shown when their attempt is submitted. */
export function newReference(): string {
	return (
		'R-' +
		Array.from({ length: 8 }, () => REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)]).join(
			''
		)
	);
}

export async function getAttempt(db: Db, attemptId: string): Promise<AttemptRow> {
	if (!isUuid(attemptId)) throw new NotFoundError('No such attempt');
	const a = await db
		.selectFrom('attempt')
		.selectAll()
		.where('id', '=', attemptId)
		.executeTakeFirst();
	if (!a) throw new NotFoundError('No such attempt');
	return a;
}

/** Locks an attempt row for the transaction; a malformed id, or one of another sitting, is a 404. */
export async function lockAttempt(
	tx: Transaction<Database>,
	attemptId: string,
	sittingId?: string
): Promise<AttemptRow> {
	if (!isUuid(attemptId)) throw new NotFoundError('No such attempt in this sitting');
	const a = await tx
		.selectFrom('attempt')
		.selectAll()
		.where('id', '=', attemptId)
		.forUpdate()
		.executeTakeFirst();
	if (!a || (sittingId && a.sitting_id !== sittingId))
		throw new NotFoundError('No such attempt in this sitting');
	return a;
}

/** What else a transition writes besides the state (clock fields, reasons, references). */
export type AttemptChanges = Omit<
	Updateable<Database['attempt']>,
	'id' | 'state' | 'sitting_id' | 'candidate_id'
>;

/**
 * The one writer of `attempt.state`. The domain's `transition` decides; the update is guarded by
 * the state that was read (as settled by the clock: see settleAttempt), so a change made meanwhile by another request or process is never
 * overwritten (the caller gets null back and, if it cares, reads the row again).
 * Throws ConflictError, naming the state, when the domain refuses.
 */
export async function applyTransition(
	db: Db,
	a: AttemptRow,
	action: AttemptAction,
	now: Date,
	changes: AttemptChanges = {},
	/** Facts beyond the row (the sitting has ended, results are approved) that the action's rule needs. */
	more: Pick<AttemptFacts, 'sittingEnded' | 'resultsApproved'> = {}
): Promise<AttemptRow | null> {
	const r = transition({ ...factsOf(a), ...more }, action, now);
	if (!r.ok) throw new ConflictError(r.reason, { state: a.state });
	// Leaving 'paused' clears what described the pause; the check constraint holds the two together.
	const pauseCleared =
		a.state === 'paused' && r.state !== 'paused'
			? { paused_from: null, paused_at: null, pause_reason: null, pause_kind: null }
			: {};
	const updated = await db
		.updateTable('attempt')
		.set({ ...pauseCleared, ...changes, state: r.state, updated_at: now })
		.where('id', '=', a.id)
		.where((eb) =>
			// The row read may be settled (reading ended by the clock, stored as 'reading' until the sweep).
			a.state === 'in_progress' ? effectiveStateIs('in_progress', now) : eb('state', '=', a.state)
		)
		.returningAll()
		.executeTakeFirst();
	return updated ?? null;
}
