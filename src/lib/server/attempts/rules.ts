/**
 * The SQL forms of the domain's attempt rules (src/lib/domain/attempt.ts, and marking's
 * scriptIsReady), each named as the rule it writes out. A statement that picks attempts by a rule
 * (the autosave's row lock, the deadline sweep, a sitting's end, a pause for the whole room, a
 * sign-in, the scripts made ready) takes its condition from here; nothing else writes these out.
 * tests/integration/attempt-rules.test.ts holds each to its TypeScript rule on generated rows.
 *
 * Each takes the name (or alias) the attempt table has in the statement, `attempt` by default.
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';

import {
	ACTIVE_STATES,
	PAUSE_SAVE_GRACE_MS,
	type AttemptAction,
	type AttemptState
} from '../../domain/attempt.js';
import { SAVE_GRACE_MS } from '../../domain/timing.js';

const col = (t: string, column: string) => sql.ref(`${t}.${column}`);
const at = (d: Date) => sql`${d}::timestamptz`;
const states = (list: readonly AttemptState[]) => sql.join(list.map((s) => sql.lit(s)));

/** `effectiveState(state, reading_ends_at, now) = s`: reading counts as in_progress once reading time is over. */
export function effectiveStateIs(s: AttemptState, now: Date, t = 'attempt'): RawBuilder<SqlBool> {
	if (s === 'in_progress')
		return sql<SqlBool>`(${col(t, 'state')} = 'in_progress' or (${col(t, 'state')} = 'reading' and ${col(t, 'reading_ends_at')} <= ${at(now)}))`;
	if (s === 'reading')
		return sql<SqlBool>`(${col(t, 'state')} = 'reading' and (${col(t, 'reading_ends_at')} is null or ${col(t, 'reading_ends_at')} > ${at(now)}))`;
	return sql<SqlBool>`(${col(t, 'state')} = ${sql.lit(s)})`;
}

/** `ACTIVE_STATES.includes(state)`: reading, answering or paused (an open exam). */
export function isActive(t = 'attempt'): RawBuilder<SqlBool> {
	return sql<SqlBool>`(${col(t, 'state')} in (${states(ACTIVE_STATES)}))`;
}

/** The actions the server takes for many attempts in one statement. */
export type BulkAction = Extract<
	AttemptAction,
	'end_reading' | 'auto_submit' | 'end_sitting' | 'pause'
>;

/** `transition(factsOf(row), action, now).ok` for the actions a statement applies to many rows at once. */
export function transitionAllowed(
	action: BulkAction,
	now: Date,
	t = 'attempt'
): RawBuilder<SqlBool> {
	const state = col(t, 'state');
	switch (action) {
		case 'end_reading':
			return sql<SqlBool>`(${state} = 'reading' and ${col(t, 'reading_ends_at')} <= ${at(now)})`;
		case 'auto_submit':
			return sql<SqlBool>`(${state} in ('reading', 'in_progress') and ${col(t, 'deadline_at')} <= ${at(now)})`;
		case 'end_sitting':
			return isActive(t);
		case 'pause':
			// Paused by the invigilator already: no; on a rest break: the invigilator's pause takes over.
			return sql<SqlBool>`(${state} in ('reading', 'in_progress') or (${state} = 'paused' and ${col(t, 'pause_kind')} = 'rest_break'))`;
	}
}

/** Why judgeSave accepts a save: its three accepting cases. */
export type SaveWithin = 'answering' | 'pause_grace' | 'end_grace';

/** `judgeSave(factsOf(row), now)` accepts, for the reason `within`. */
export function judgeSaveAccepts(
	within: SaveWithin,
	now: Date,
	t = 'attempt'
): RawBuilder<SqlBool> {
	const deadline = col(t, 'deadline_at');
	const answering = effectiveStateIs('in_progress', now, t);
	switch (within) {
		case 'answering':
			return sql<SqlBool>`(${answering} and (${deadline} is null or ${deadline} > ${at(now)}))`;
		case 'pause_grace':
			return sql<SqlBool>`(${col(t, 'state')} = 'paused' and ${col(t, 'paused_from')} = 'in_progress'
				and ${col(t, 'paused_at')} >= ${at(new Date(now.getTime() - PAUSE_SAVE_GRACE_MS))})`;
		case 'end_grace': {
			const cut = at(new Date(now.getTime() - SAVE_GRACE_MS));
			// Ended by the clock or the invigilator (not the candidate) moments ago; or past the
			// deadline moments ago and not yet submitted by the server, as if submitted at the deadline.
			return sql<SqlBool>`((${col(t, 'state')} = 'submitted' and ${col(t, 'submit_reason')} is distinct from 'candidate'
				and ${col(t, 'submitted_at')} >= ${cut})
				or (${answering} and ${deadline} <= ${at(now)} and ${deadline} >= ${cut}))`;
		}
	}
}

/**
 * marking's `scriptIsReady(row, sittingEnded, now)`: submitted, and its sitting ended or the save
 * grace after submission passed. `sittingEnded` is the statement's own condition for the sitting.
 */
export function scriptIsReady(
	sittingEnded: Expression<SqlBool>,
	now: Date,
	t = 'attempt'
): RawBuilder<SqlBool> {
	return sql<SqlBool>`(${col(t, 'state')} = 'submitted' and ${col(t, 'submitted_at')} is not null
		and (${sittingEnded} or ${col(t, 'submitted_at')} < ${at(new Date(now.getTime() - SAVE_GRACE_MS))}))`;
}
