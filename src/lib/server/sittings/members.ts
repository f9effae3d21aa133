/** Who is in a sitting: candidates added or removed before it starts, its invigilators until it ends. */
import type { Kysely } from 'kysely';

import { type SittingAction } from '../../domain/sitting-state.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Database } from '../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { checkBookings } from '../registrations/booking-check.js';
import { isUuid, parse } from '../validation.js';
import { bookingSchema } from './booking.js';
import { sittingInvigilators } from './queries.js';
import { requireSittingAllows } from './sitting-state.js';

/**
 * Locks a sitting of this centre for a change of who is in it, and checks the change is still
 * allowed: the row lock decides against a start, a cancellation or an end at the same moment (one
 * waits, then sees the other's state).
 */
async function lockSittingFor(
	tx: Kysely<Database>,
	centreId: string,
	sittingId: string,
	action: SittingAction
) {
	if (!isUuid(sittingId) || !isUuid(centreId)) throw new NotFoundError('No such sitting');
	const s = await tx
		.selectFrom('sitting')
		.select(['id', 'state'])
		.where('id', '=', sittingId)
		.where('centre_id', '=', centreId)
		.forUpdate()
		.executeTakeFirst();
	if (!s) throw new NotFoundError('No such sitting');
	requireSittingAllows(s, action);
	return s;
}

export const addCandidatesSchema = bookingSchema.pick({ candidate_ids: true });

/**
 * Adds candidates of the centre's register (not withdrawn, not already in it) to a sitting that
 * has not started; each gets an attempt with their access arrangements, as at booking. Audited.
 * Returns how many were added.
 */
export async function addCandidatesToSitting(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	sittingId: string,
	input: unknown
): Promise<number> {
	const { candidate_ids } = parse(addCandidatesSchema, input);
	const ids = [...new Set(candidate_ids)];
	return db.transaction().execute(async (tx) => {
		await lockSittingFor(tx, centreId, sittingId, 'change_candidates');
		const candidates = await tx
			.selectFrom('candidate as c')
			.select([
				'c.id',
				'c.candidate_number',
				'c.first_name',
				'c.last_name',
				'c.extra_time_percent',
				'c.rest_breaks'
			])
			.where('c.centre_id', '=', centreId)
			.where('c.id', 'in', ids)
			// As at booking: a withdrawn candidate is not bookable; the share lock makes a withdrawal wait.
			.where('c.withdrawn_at', 'is', null)
			.where((eb) =>
				eb.not(
					eb.exists(
						eb
							.selectFrom('attempt as a')
							.select('a.id')
							.whereRef('a.candidate_id', '=', 'c.id')
							.where('a.sitting_id', '=', sittingId)
					)
				)
			)
			.forShare('c')
			.execute();
		if (candidates.length !== ids.length) {
			throw new ValidationError(
				"Choose candidates from this centre's register who are not in this sitting yet (a withdrawn candidate cannot be added)",
				[
					{
						field: 'candidate_ids',
						message: 'Not registered at this centre, withdrawn, or already in this sitting'
					}
				]
			);
		}
		const sitting = await tx
			.selectFrom('sitting as s')
			.innerJoin('paper_version as v', 'v.id', 's.paper_version_id')
			.innerJoin('paper as p', 'p.id', 'v.paper_id')
			.select(['p.code', 'p.kind', 'p.unit_code', 's.scheduled_at', 's.purpose'])
			.where('s.id', '=', sittingId)
			.executeTakeFirstOrThrow();
		if (sitting.purpose === 'live')
			await checkBookings(tx, sitting, candidates, sitting.scheduled_at);
		await tx
			.insertInto('attempt')
			.values(
				candidates.map((c) => ({
					sitting_id: sittingId,
					candidate_id: c.id,
					extra_time_percent: c.extra_time_percent,
					rest_breaks: c.rest_breaks
				}))
			)
			.execute();
		await writeAudit(tx, actor, {
			action: 'sitting.add_candidates',
			centreId,
			subjectType: 'sitting',
			subjectId: sittingId,
			details: { candidates: candidates.map((c) => c.candidate_number).sort() }
		});
		return candidates.length;
	});
}

/**
 * Removes a candidate from a sitting that has not started: their attempt (not started) is deleted.
 * Refused once the sitting has started, been cancelled or ended, and for an attempt the sitting's
 * log already names (signed in, marked present or absent): that log is kept for good. Audited.
 * Returns the candidate's number.
 */
export async function removeCandidateFromSitting(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	sittingId: string,
	attemptId: unknown
): Promise<string> {
	if (!isUuid(attemptId))
		throw new ValidationError('Choose a candidate of this sitting', [
			{ field: 'attempt_id', message: 'No such candidate in this sitting' }
		]);
	return db.transaction().execute(async (tx) => {
		await lockSittingFor(tx, centreId, sittingId, 'change_candidates');
		const a = await tx
			.selectFrom('attempt as a')
			.innerJoin('candidate as c', 'c.id', 'a.candidate_id')
			.select(['a.id', 'a.state', 'c.candidate_number'])
			.where('a.id', '=', attemptId)
			.where('a.sitting_id', '=', sittingId)
			.forUpdate('a')
			.executeTakeFirst();
		if (!a) throw new NotFoundError('No such candidate in this sitting');
		if (a.state !== 'not_started')
			throw new ConflictError('Only a candidate whose exam has not started can be removed', {
				state: a.state
			});
		const logged = await tx
			.selectFrom('sitting_event')
			.select('id')
			.where('attempt_id', '=', a.id)
			.limit(1)
			.executeTakeFirst();
		if (logged) {
			throw new ConflictError(
				"This candidate is already in the sitting's log (signed in, or marked present or absent), which is kept: mark them absent on the invigilator's console instead",
				{ state: a.state }
			);
		}
		await tx.deleteFrom('attempt').where('id', '=', a.id).execute();
		await writeAudit(tx, actor, {
			action: 'sitting.remove_candidate',
			centreId,
			subjectType: 'sitting',
			subjectId: sittingId,
			details: { candidate_number: a.candidate_number }
		});
		return a.candidate_number;
	});
}

export const invigilatorsSchema = bookingSchema.pick({ invigilator_ids: true });

/**
 * Sets who invigilates a sitting that has not ended: invigilators of this centre, at least one.
 * Audited with the names before and after; nothing is written when nothing changes.
 */
export async function setSittingInvigilators(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	sittingId: string,
	input: unknown
): Promise<void> {
	const ids = [...new Set(parse(invigilatorsSchema, input).invigilator_ids)];
	await db.transaction().execute(async (tx) => {
		await lockSittingFor(tx, centreId, sittingId, 'change_invigilators');
		const chosen = await tx
			.selectFrom('membership as m')
			.innerJoin('app_user as u', 'u.id', 'm.user_id')
			.select(['u.id', 'u.email'])
			.where('m.role', '=', 'invigilator')
			.where('m.centre_id', '=', centreId)
			.where('m.user_id', 'in', ids)
			.execute();
		if (chosen.length !== ids.length) {
			throw new ValidationError('Choose invigilators of this centre', [
				{ field: 'invigilator_ids', message: 'Not an invigilator of this centre' }
			]);
		}
		const before = await sittingInvigilators(tx, sittingId);
		const beforeIds = new Set(before.map((i) => i.id));
		const added = ids.filter((id) => !beforeIds.has(id));
		const removed = before.filter((i) => !ids.includes(i.id)).map((i) => i.id);
		if (added.length === 0 && removed.length === 0) return;
		if (removed.length)
			await tx
				.deleteFrom('sitting_invigilator')
				.where('sitting_id', '=', sittingId)
				.where('user_id', 'in', removed)
				.execute();
		if (added.length)
			await tx
				.insertInto('sitting_invigilator')
				.values(added.map((user_id) => ({ sitting_id: sittingId, user_id })))
				.execute();
		await writeAudit(tx, actor, {
			action: 'sitting.change_invigilators',
			centreId,
			subjectType: 'sitting',
			subjectId: sittingId,
			details: {
				before: { invigilators: before.map((i) => i.email).sort() },
				after: { invigilators: chosen.map((i) => i.email).sort() }
			}
		});
	});
}
