/** Sittings as the pages list them: a centre's, an invigilator's, one sitting, its register. */
import type { Kysely } from 'kysely';

import { type SittingPurpose } from '../../domain/mock.js';
import { type SittingState } from '../../domain/sitting-state.js';
import type { Database } from '../db/schema.js';
import { NotFoundError } from '../errors.js';
import { isUuid } from '../validation.js';

export interface SittingSummary {
	id: string;
	centreId: string;
	purpose: SittingPurpose;
	paperCode: string;
	paperTitle: string;
	scheduledAt: Date;
	startedAt: Date | null;
	/** Late arrivals start without a reason until this many minutes after the start. */
	lateEntryMinutes: number;
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
			's.started_at as startedAt',
			's.late_entry_minutes as lateEntryMinutes',
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
