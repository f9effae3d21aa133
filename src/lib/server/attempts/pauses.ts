/**
 * Stopping and restarting one attempt's clock: the invigilator's pause and resume and the
 * candidate's supervised rest break share them, so the clock arithmetic has one home.
 */
import type { Transaction } from 'kysely';

import { may, type PauseKind } from '../../domain/attempt.js';
import { pauseClock, resumeClock } from '../../domain/timing.js';
import type { AttemptRow, Database } from '../db/schema.js';
import { applyTransition, clockOf, factsOf } from './attempt-store.js';
import { settleAttempt } from './clock.js';

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
