/** Booking a sitting: the form checked, a fresh keycode, the candidates' registrations checked. */
import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';

import { generateKeycode } from '../../domain/keycode.js';
import { DEFAULT_LATE_ENTRY_MINUTES, MAX_LATE_ENTRY_MINUTES } from '../../domain/late-entry.js';
import { paperPurposeProblem, SITTING_PURPOSES } from '../../domain/mock.js';
import { CLOSED_SITTING_STATES } from '../../domain/sitting-state.js';
import { judgeBookingTime } from '../../domain/sitting.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Database, SittingRow } from '../db/schema.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { checkBookings, type BookingNote } from '../registrations/booking-check.js';
import {
	dateTimeSchema,
	EARLIEST_BOOKING,
	isUuid,
	LATEST_BOOKING,
	parse,
	uuidSchema
} from '../validation.js';

const LATE_ENTRY_MESSAGE = `Enter the late-entry limit as whole minutes from 0 to ${MAX_LATE_ENTRY_MINUTES}`;

export const bookingYears = `${EARLIEST_BOOKING.getUTCFullYear()} and ${LATEST_BOOKING.getUTCFullYear() - 1}`;

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
	// Blank keeps this system's default; the invigilator needs a reason to admit anyone later.
	late_entry_minutes: z.preprocess(
		(v) =>
			v === undefined || v === ''
				? DEFAULT_LATE_ENTRY_MINUTES
				: typeof v === 'string'
					? Number(v.trim())
					: v,
		z
			.number({ error: LATE_ENTRY_MESSAGE })
			.int(LATE_ENTRY_MESSAGE)
			.min(0, LATE_ENTRY_MESSAGE)
			.max(MAX_LATE_ENTRY_MINUTES, LATE_ENTRY_MESSAGE)
	),
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
				late_entry_minutes: b.late_entry_minutes,
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
				late_entry_minutes: b.late_entry_minutes,
				candidates: candidates.length,
				resits: bookings
					.filter((n) => n.resit)
					.map((n) => ({ candidate: n.candidateNumber, attempt: n.attempt }))
			}
		});
		return { ...sitting, bookings };
	});
}
