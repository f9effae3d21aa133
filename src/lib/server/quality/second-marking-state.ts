/**
 * The one writer of a script's second-marking state: an action is judged by the domain
 * (secondMarkingTransition) against the state read under the row lock (or, for a script not yet
 * considered, under the paper version's lock that serialises selection), so two markers or
 * moderators finishing at once cannot both move the same case.
 */
import type { Insertable, Updateable } from 'kysely';

import {
	secondMarkingTransition,
	type SecondMarkingAction,
	type SecondMarkingState
} from '../../domain/second-marking.js';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { ConflictError } from '../errors.js';

/** The state `action` leaves the case in, or a 409 with the domain's reason. */
export function requireSecondMarkingAllows(
	sm: { state: SecondMarkingState | null },
	action: SecondMarkingAction
): SecondMarkingState {
	const verdict = secondMarkingTransition(sm.state, action);
	if (!verdict.ok) throw new ConflictError(verdict.reason);
	return verdict.state;
}

/**
 * A script considered for second marking for the first time (it has no row yet): 'select' or
 * 'pass_over', written with the selection's facts. The caller holds the paper version's lock.
 */
export async function considerForSecondMarking(
	tx: Db,
	action: Extract<SecondMarkingAction, 'select' | 'pass_over'>,
	values: Omit<Insertable<Database['second_marking']>, 'state'>
): Promise<SecondMarkingState> {
	const state = requireSecondMarkingAllows({ state: null }, action);
	await tx
		.insertInto('second_marking')
		.values({ ...values, state })
		.execute();
	return state;
}

/**
 * Applies `action` to a script's second marking, locked by the caller (`for update`) in `state`:
 * refused with the domain's reason as a 409, or the state written with `changes`.
 */
export async function applySecondMarkingAction(
	tx: Db,
	sm: { script_id: string; state: SecondMarkingState },
	action: SecondMarkingAction,
	changes: Omit<Updateable<Database['second_marking']>, 'state' | 'script_id'> = {}
): Promise<SecondMarkingState> {
	const next = requireSecondMarkingAllows(sm, action);
	await tx
		.updateTable('second_marking')
		.set({ ...changes, state: next })
		.where('script_id', '=', sm.script_id)
		.execute();
	return next;
}
