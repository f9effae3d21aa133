/**
 * What every official's action on an attempt carries and checks (an invigilator's pause, a centre
 * administrator's void, a sign-in unlock): who acts, for which centre, when, and why.
 */
import type { Actor } from '../audit/index.js';
import type { AttemptRow } from '../db/schema.js';
import { ConflictError, ValidationError } from '../errors.js';
import { hasNul, NUL_MESSAGE } from '../validation.js';

/** Who acts, for which centre; `now` is passed by tests and scripted runs. */
export interface ActionContext {
	actor: Actor;
	centreId: string;
	now?: Date;
}

/** The reason an official gives for an action: required, at most 500 characters, plain text. */
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
export function changedMeanwhile(a: AttemptRow): never {
	throw new ConflictError('This candidate’s exam changed while you acted; look again', {
		state: a.state
	});
}

/** A domain refusal ("cannot pause an attempt that is …") as the sentence a page shows. */
export function capitalise(s: string): string {
	return s.charAt(0).toUpperCase() + s.slice(1);
}
