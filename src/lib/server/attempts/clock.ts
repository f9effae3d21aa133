import type { Kysely } from 'kysely';

import { effectiveState, transition } from '../../domain/attempt.js';
import { timeLeftMs } from '../../domain/timing.js';
import type { ClockView } from '../../exam-api.js';
import type { Db } from '../db/index.js';
import type { AttemptRow, Database } from '../db/schema.js';
import { applyTransition, clockOf, factsOf, newReference } from './attempt-store.js';
import { recordEvent, SYSTEM_CLOCK } from './events.js';
import { transitionAllowed } from './rules.js';

/**
 * Applies the transitions time has made due: reading → in_progress when reading ends (in the
 * returned row only; the sweep stores it), and the auto-submit at the deadline, written with
 * submitted_at = the deadline, not when we noticed. Idempotent: the write is guarded by the state
 * read, so two processes settling the same attempt write it once.
 */
export async function settleAttempt(db: Db, a: AttemptRow, now: Date): Promise<AttemptRow> {
	let row = a;
	// Reading ends by the clock alone, so the row is answering from then on without a write: when
	// reading ends for a hall of 2,000 candidates, their next 2,000 requests would otherwise each
	// update their row at once. The sweep records the change (recordReadingEnded).
	if (transition(factsOf(row), 'end_reading', now).ok) row = { ...row, state: 'in_progress' };
	if (transition(factsOf(row), 'auto_submit', now).ok) {
		// Guarded by the state as stored (it may still say 'reading').
		const updated = await applyTransition(db, a, 'auto_submit', now, {
			submitted_at: row.deadline_at,
			submit_reason: 'deadline',
			reference: newReference()
		});
		if (updated) {
			row = updated;
			await recordEvent(
				db,
				SYSTEM_CLOCK,
				{ sittingId: row.sitting_id, attemptId: row.id, kind: 'auto_submit' },
				now
			);
		}
	}
	return row;
}

/**
 * Stores 'in_progress' for attempts whose reading time is over (settleAttempt already treats them
 * so). One statement for a whole hall; its condition is the domain's end_reading rule (state
 * reading, reading_ends_at passed), which `settleAttempt` applies row by row.
 */
export async function recordReadingEnded(db: Kysely<Database>, now = new Date()): Promise<number> {
	const r = await db
		.updateTable('attempt')
		.set({ state: 'in_progress', updated_at: now })
		.where(transitionAllowed('end_reading', now))
		.executeTakeFirst();
	return Number(r.numUpdatedRows);
}

/** The periodic sweep: records reading time that has ended and submits every attempt whose deadline has passed. Returns how many it submitted. */
export async function sweepDeadlines(
	db: Kysely<Database>,
	now = new Date(),
	onSubmitted?: (lateMs: number) => void
): Promise<number> {
	await recordReadingEnded(db, now);
	const due = await db
		.selectFrom('attempt')
		.selectAll()
		.where(transitionAllowed('auto_submit', now))
		.limit(5000)
		.execute();
	let n = 0;
	for (const a of due) {
		const settled = await settleAttempt(db, a, now);
		if (settled.state === 'submitted') {
			n++;
			if (a.deadline_at) onSubmitted?.(now.getTime() - a.deadline_at.getTime());
		}
	}
	return n;
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
		pauseKind: a.state === 'paused' ? a.pause_kind : null,
		submittedAt: a.submitted_at?.toISOString() ?? null,
		reference: a.reference,
		extraTimePercent: a.extra_time_percent,
		restBreaks: a.rest_breaks
	};
}
