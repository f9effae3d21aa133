/**
 * The one writer of a sitting's state: an action on a sitting is judged by the domain
 * (sittingTransition) against the state read under the row lock, so a start and a cancellation at
 * the same moment cannot both win (one waits for the other's commit, then sees its state).
 */
import type { Updateable } from 'kysely';

import {
	sittingTransition,
	type SittingAction,
	type SittingState
} from '../../domain/sitting-state.js';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { ConflictError } from '../errors.js';

/** The state `action` leaves a sitting in (read under its row lock), or a 409 with the domain's reason. */
export function requireSittingAllows(
	sitting: { state: SittingState },
	action: SittingAction
): SittingState {
	const verdict = sittingTransition(sitting.state, action);
	if (!verdict.ok) throw new ConflictError(verdict.reason, { state: sitting.state });
	return verdict.state;
}

/**
 * Applies `action` to a sitting locked by the caller (`for update`) in `state`: refused with the
 * domain's reason as a 409, or the state written with `changes` (when the action changes it).
 * Returns the state after.
 */
export async function applySittingAction(
	tx: Db,
	sitting: { id: string; state: SittingState },
	action: SittingAction,
	changes: Omit<Updateable<Database['sitting']>, 'state'> = {}
): Promise<SittingState> {
	const next = requireSittingAllows(sitting, action);
	if (next !== sitting.state)
		await tx
			.updateTable('sitting')
			.set({ ...changes, state: next })
			.where('id', '=', sitting.id)
			.execute();
	return next;
}
