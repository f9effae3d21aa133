import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';

import { generateKeycode } from '../../domain/keycode.js';
import { paperPurposeProblem, SITTING_PURPOSES, type SittingPurpose } from '../../domain/mock.js';
import { CLOSED_SITTING_STATES, judgeBookingTime } from '../../domain/sitting.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Database, SittingRow, SittingState } from '../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { checkBookings, type BookingNote } from '../registrations/booking-check.js';
import {
	dateTimeSchema,
	EARLIEST_BOOKING,
	isUuid,
	LATEST_BOOKING,
	parse,
	uuidSchema
} from '../validation.js';

const bookingYears = `${EARLIEST_BOOKING.getUTCFullYear()} and ${LATEST_BOOKING.getUTCFullYear() - 1}`;

/**
 * A booking as the form sends it. Ids are checked to be uuids here, so a tampered form gets a form
 * error instead of reaching PostgreSQL (which refuses a malformed uuid with an error: a 500).
 */
export const bookingSchema = z.object({
	paper_code: z.string().trim().min(1, 'Choose a paper').max(50, 'Choose a paper'),
	scheduled_at: dateTimeSchema(
		'Enter the date and time',
		`Enter a real date and time in the years ${bookingYears}`
	),
	room: z.string().trim().min(1, 'Enter the room').max(100),
	invigilator_ids: z
		.array(uuidSchema('Choose invigilators from the list'))
		.min(1, 'Choose at least one invigilator')
		.max(100),
	candidate_ids: z
		.array(uuidSchema('Choose candidates from the list'))
		.min(1, 'Choose at least one candidate')
		.max(5000),
	// A form without the field books a live sitting, as before mocks existed.
	purpose: z.enum(SITTING_PURPOSES, { message: 'Choose a live exam or a mock' }).default('live')
});

/** A keycode not used by another open sitting at the centre. */
async function freshKeycode(db: Kysely<Database>, centreId: string): Promise<string> {
	for (let i = 0; i < 20; i++) {
		const code = generateKeycode(randomInt);
		const clash = await db
			.selectFrom('sitting')
			.select('id')
			.where('centre_id', '=', centreId)
			.where('keycode', '=', code)
			.where('state', 'not in', CLOSED_SITTING_STATES)
			.executeTakeFirst();
		if (!clash) return code;
	}
	throw new Error('Could not find a free keycode');
}

/**
 * Books a sitting: the paper's current version (kept for the sitting even if the paper changes
 * later), a room and time, invigilators of this centre, candidates of this centre's register. Its
 * `purpose` (live or mock) decides which paper it may use and which checks apply: a live sitting's
 * candidates must each be registered for the paper's unit and free to sit it (first attempt or
 * resit on a paper they have not sat: registrations/checkBookings). Returns the sitting and, per
 * candidate, which attempt it is.
 */
export async function bookSitting(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	input: unknown,
	now = new Date()
): Promise<SittingRow & { bookings: BookingNote[] }> {
	if (!isUuid(centreId)) throw new NotFoundError('No such centre');
	const b = parse(bookingSchema, input);
	const past = judgeBookingTime(b.scheduled_at, now);
	if (past) throw new ValidationError(past, [{ field: 'scheduled_at', message: past }]);
	return db.transaction().execute(async (tx) => {
		const paper = await tx
			.selectFrom('paper')
			.select(['current_version_id', 'code', 'kind', 'unit_code'])
			.where('code', '=', b.paper_code)
			.executeTakeFirst();
		if (!paper?.current_version_id)
			throw new ValidationError(`No paper ${b.paper_code}`, [
				{ field: 'paper_code', message: 'No such paper' }
			]);
		// The purpose decides which checks apply: the paper's kind always (a mock only a practice
		// paper, a live sitting only a live paper); checks for live sittings alone (eg candidates'
		// registration for the unit) belong under `b.purpose === 'live'`, so a mock is not held to them.
		const purposeProblem = paperPurposeProblem(b.purpose, paper.kind);
		if (purposeProblem)
			throw new ValidationError(purposeProblem, [{ field: 'paper_code', message: purposeProblem }]);
		const invigilators = await tx
			.selectFrom('membership')
			.select('user_id')
			.where('role', '=', 'invigilator')
			.where('centre_id', '=', centreId)
			.where('user_id', 'in', b.invigilator_ids)
			.execute();
		if (invigilators.length !== new Set(b.invigilator_ids).size) {
			throw new ValidationError('Choose invigilators of this centre', [
				{ field: 'invigilator_ids', message: 'Not an invigilator of this centre' }
			]);
		}
		const candidates = await tx
			.selectFrom('candidate')
			.select([
				'id',
				'candidate_number',
				'first_name',
				'last_name',
				'extra_time_percent',
				'rest_breaks'
			])
			.where('centre_id', '=', centreId)
			.where('id', 'in', b.candidate_ids)
			// A withdrawn candidate is not bookable; the share lock makes a withdrawal wait for this booking.
			.where('withdrawn_at', 'is', null)
			.forShare()
			.execute();
		if (candidates.length !== new Set(b.candidate_ids).size) {
			throw new ValidationError(
				"Choose candidates from this centre's register (a withdrawn candidate cannot be booked)",
				[{ field: 'candidate_ids', message: 'Not registered at this centre, or withdrawn' }]
			);
		}
		// A mock is no attempt at the unit: registration and resit rules are a live sitting's.
		const bookings =
			b.purpose === 'live' ? await checkBookings(tx, paper, candidates, b.scheduled_at) : [];
		const sitting = await tx
			.insertInto('sitting')
			.values({
				centre_id: centreId,
				purpose: b.purpose,
				paper_version_id: paper.current_version_id,
				scheduled_at: b.scheduled_at,
				room: b.room,
				keycode: await freshKeycode(tx, centreId),
				created_by: actor.userId
			})
			.returningAll()
			.executeTakeFirstOrThrow();
		await tx
			.insertInto('sitting_invigilator')
			.values(invigilators.map((i) => ({ sitting_id: sitting.id, user_id: i.user_id })))
			.execute();
		await tx
			.insertInto('attempt')
			.values(
				candidates.map((c) => ({
					sitting_id: sitting.id,
					candidate_id: c.id,
					extra_time_percent: c.extra_time_percent,
					rest_breaks: c.rest_breaks
				}))
			)
			.execute();
		await writeAudit(tx, actor, {
			action: 'sitting.book',
			centreId,
			subjectType: 'sitting',
			subjectId: sitting.id,
			details: {
				paper: paper.code,
				purpose: b.purpose,
				room: b.room,
				scheduled_at: b.scheduled_at.toISOString(),
				candidates: candidates.length,
				resits: bookings
					.filter((n) => n.resit)
					.map((n) => ({ candidate: n.candidateNumber, attempt: n.attempt }))
			}
		});
		return { ...sitting, bookings };
	});
}

export interface SittingSummary {
	id: string;
	centreId: string;
	purpose: SittingPurpose;
	paperCode: string;
	paperTitle: string;
	scheduledAt: Date;
	room: string;
	keycode: string;
	state: SittingState;
	cancelReason: string | null;
	candidates: number;
}

function sittingQuery(db: Kysely<Database>) {
	return db
		.selectFrom('sitting as s')
		.innerJoin('paper_version as v', 'v.id', 's.paper_version_id')
		.innerJoin('paper as p', 'p.id', 'v.paper_id')
		.select([
			's.id',
			's.centre_id as centreId',
			's.purpose',
			'p.code as paperCode',
			'v.title as paperTitle',
			's.scheduled_at as scheduledAt',
			's.room',
			's.keycode',
			's.state',
			's.cancel_reason as cancelReason',
			(eb) =>
				eb
					.selectFrom('attempt as a')
					.select(eb.fn.countAll<number>().as('n'))
					.whereRef('a.sitting_id', '=', 's.id')
					.as('candidates')
		]);
}

const toSummary = (
	r: Omit<SittingSummary, 'candidates'> & { candidates: number | string | null }
): SittingSummary => ({
	...r,
	candidates: Number(r.candidates ?? 0)
});

export async function listCentreSittings(
	db: Kysely<Database>,
	centreId: string
): Promise<SittingSummary[]> {
	if (!isUuid(centreId)) return [];
	return (
		await sittingQuery(db)
			.where('s.centre_id', '=', centreId)
			.orderBy('s.scheduled_at', 'desc')
			.execute()
	).map(toSummary);
}

/**
 * The centre's sittings still to run or running, soonest first: those booked from the start of
 * today (a sitting booked for 09:00 and still not started at 11:00 is still to run) and any running.
 */
export async function listUpcomingSittings(
	db: Kysely<Database>,
	centreId: string,
	now = new Date(),
	limit = 20
): Promise<SittingSummary[]> {
	if (!isUuid(centreId)) return [];
	const dayAgo = new Date(now.getTime() - 24 * 60 * 60_000);
	return (
		await sittingQuery(db)
			.where('s.centre_id', '=', centreId)
			.where((eb) =>
				eb.or([
					eb('s.state', '=', 'running'),
					eb.and([eb('s.state', '=', 'scheduled'), eb('s.scheduled_at', '>=', dayAgo)])
				])
			)
			.orderBy('s.scheduled_at', 'asc')
			.limit(limit)
			.execute()
	).map(toSummary);
}

export async function listInvigilatorSittings(
	db: Kysely<Database>,
	userId: string
): Promise<SittingSummary[]> {
	return (
		await sittingQuery(db)
			.where((eb) =>
				eb.exists(
					eb
						.selectFrom('sitting_invigilator as si')
						.select('si.user_id')
						.whereRef('si.sitting_id', '=', 's.id')
						.where('si.user_id', '=', userId)
				)
			)
			.orderBy('s.scheduled_at', 'desc')
			.execute()
	).map(toSummary);
}

/** A sitting, only if it belongs to `centreId` (another centre's sitting is "not found"). */
export async function getSitting(
	db: Kysely<Database>,
	sittingId: string,
	centreId?: string
): Promise<SittingSummary> {
	// Only a uuid can name a sitting: "------------------------------------" (36 dashes) cannot, and
	// would make PostgreSQL fail with 22P02 rather than find nothing.
	if (!isUuid(sittingId) || (centreId !== undefined && !isUuid(centreId)))
		throw new NotFoundError('No such sitting');
	let q = sittingQuery(db).where('s.id', '=', sittingId);
	if (centreId) q = q.where('s.centre_id', '=', centreId);
	const r = await q.executeTakeFirst();
	if (!r) throw new NotFoundError('No such sitting');
	return toSummary(r);
}

export interface RegisterRow {
	attemptId: string;
	candidateNumber: string;
	firstName: string;
	lastName: string;
	extraTimePercent: number;
	restBreaks: boolean;
	reader: boolean;
	scribe: boolean;
}

export async function sittingRegister(
	db: Kysely<Database>,
	sittingId: string
): Promise<RegisterRow[]> {
	if (!isUuid(sittingId)) return [];
	return db
		.selectFrom('attempt as a')
		.innerJoin('candidate as c', 'c.id', 'a.candidate_id')
		.select([
			'a.id as attemptId',
			'c.candidate_number as candidateNumber',
			'c.first_name as firstName',
			'c.last_name as lastName',
			'c.extra_time_percent as extraTimePercent',
			'c.rest_breaks as restBreaks',
			'c.reader',
			'c.scribe'
		])
		.where('a.sitting_id', '=', sittingId)
		.orderBy('c.candidate_number')
		.execute();
}

/** The users booked to invigilate a sitting. */
export async function sittingInvigilatorIds(
	db: Kysely<Database>,
	sittingId: string
): Promise<string[]> {
	if (!isUuid(sittingId)) return [];
	const rows = await db
		.selectFrom('sitting_invigilator')
		.select('user_id')
		.where('sitting_id', '=', sittingId)
		.execute();
	return rows.map((r) => r.user_id);
}

/**
 * Cancels a sitting that has not started, with a reason. The sitting keeps its record (and its
 * candidates' attempts, none started); it is closed like an ended sitting, so its keycode signs no
 * one in and its candidates may be booked on another sitting. Candidates already signed in to wait
 * for the start are signed out. Audited with the state before and after.
 */
export async function cancelSitting(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	sittingId: string,
	reasonIn: unknown,
	now = new Date()
) {
	if (!isUuid(sittingId) || !isUuid(centreId)) throw new NotFoundError('No such sitting');
	const reason = String(reasonIn ?? '').trim();
	if (!reason)
		throw new ValidationError('Give the reason for cancelling the sitting', [
			{ field: 'reason', message: 'Give the reason for cancelling' }
		]);
	if (reason.length > 500 || reason.includes('\0'))
		throw new ValidationError('The reason is at most 500 characters', [
			{ field: 'reason', message: 'At most 500 characters' }
		]);
	await db.transaction().execute(async (tx) => {
		// The row lock decides against a start at the same moment: one of the two waits and sees the other.
		const s = await tx
			.selectFrom('sitting')
			.select(['id', 'state'])
			.where('id', '=', sittingId)
			.where('centre_id', '=', centreId)
			.forUpdate()
			.executeTakeFirst();
		if (!s) throw new NotFoundError('No such sitting');
		if (s.state !== 'scheduled')
			throw new ConflictError('Only a sitting that has not started can be cancelled', {
				state: s.state
			});
		await tx
			.updateTable('sitting')
			.set({ state: 'cancelled', cancelled_at: now, cancel_reason: reason })
			.where('id', '=', sittingId)
			.execute();
		await tx
			.updateTable('auth_session')
			.set({ expires_at: now })
			.where('attempt_id', 'in', (eb) =>
				eb.selectFrom('attempt').select('id').where('sitting_id', '=', sittingId)
			)
			.execute();
		await writeAudit(tx, actor, {
			action: 'sitting.cancel',
			centreId,
			subjectType: 'sitting',
			subjectId: sittingId,
			details: { before: { state: s.state }, after: { state: 'cancelled' }, reason }
		});
	});
}

/** A change of time or room, as the form sends it. */
export const rescheduleSchema = z.object({
	scheduled_at: dateTimeSchema(
		'Enter the date and time',
		`Enter a real date and time in the years ${bookingYears}`
	),
	room: z.string().trim().min(1, 'Enter the room').max(100)
});

/**
 * Moves a sitting that has not started to another time (never into the past) or room. Audited
 * with the values before and after; nothing is written when nothing changes.
 */
export async function rescheduleSitting(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	sittingId: string,
	input: unknown,
	now = new Date()
) {
	if (!isUuid(sittingId) || !isUuid(centreId)) throw new NotFoundError('No such sitting');
	const r = parse(rescheduleSchema, input);
	const past = judgeBookingTime(r.scheduled_at, now);
	await db.transaction().execute(async (tx) => {
		const s = await tx
			.selectFrom('sitting')
			.select(['id', 'state', 'scheduled_at', 'room'])
			.where('id', '=', sittingId)
			.where('centre_id', '=', centreId)
			.forUpdate()
			.executeTakeFirst();
		if (!s) throw new NotFoundError('No such sitting');
		if (s.state !== 'scheduled')
			throw new ConflictError('Only a sitting that has not started can be moved', {
				state: s.state
			});
		const timeChanged = s.scheduled_at.getTime() !== r.scheduled_at.getTime();
		if (timeChanged && past)
			throw new ValidationError(past, [{ field: 'scheduled_at', message: past }]);
		if (!timeChanged && s.room === r.room) return;
		await tx
			.updateTable('sitting')
			.set({ scheduled_at: r.scheduled_at, room: r.room })
			.where('id', '=', sittingId)
			.execute();
		await writeAudit(tx, actor, {
			action: 'sitting.reschedule',
			centreId,
			subjectType: 'sitting',
			subjectId: sittingId,
			details: {
				before: { scheduled_at: s.scheduled_at.toISOString(), room: s.room },
				after: { scheduled_at: r.scheduled_at.toISOString(), room: r.room }
			}
		});
	});
}

/** The invigilators booked on a sitting, by name. */
export async function sittingInvigilators(db: Kysely<Database>, sittingId: string) {
	if (!isUuid(sittingId)) return [];
	return db
		.selectFrom('sitting_invigilator as si')
		.innerJoin('app_user as u', 'u.id', 'si.user_id')
		.select(['u.id', 'u.display_name', 'u.email'])
		.where('si.sitting_id', '=', sittingId)
		.orderBy('u.display_name')
		.execute();
}

/**
 * Locks a sitting of this centre for a change of who is in it, and checks the change is still
 * allowed: the row lock decides against a start, a cancellation or an end at the same moment (one
 * waits, then sees the other's state).
 */
async function lockSittingFor(
	tx: Kysely<Database>,
	centreId: string,
	sittingId: string,
	allowed: readonly SittingState[],
	refusal: string
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
	if (!allowed.includes(s.state)) throw new ConflictError(refusal, { state: s.state });
	return s;
}

const BEFORE_START = 'Candidates can be added or removed only before the sitting starts';

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
		await lockSittingFor(tx, centreId, sittingId, ['scheduled'], BEFORE_START);
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
		await lockSittingFor(tx, centreId, sittingId, ['scheduled'], BEFORE_START);
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
		await lockSittingFor(
			tx,
			centreId,
			sittingId,
			['scheduled', 'running'],
			'Invigilators can be changed only until the sitting ends'
		);
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
