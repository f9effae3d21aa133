import type { Kysely } from 'kysely';

import { dayIn } from '../../domain/centre-time.js';
import type { DateRange } from '../../domain/result-report.js';
import type { Grade, ResultStatus } from '../../domain/results.js';
import type { Database } from '../db/schema.js';
import { NotFoundError } from '../errors.js';
import { getSitting, type SittingSummary } from '../sittings/queries.js';
import { isUuid } from '../validation.js';

/*
 * A centre's results, as its administrators see them: only its own sittings, and only once the
 * awarding body has released them (sitting_results.released_at). Before release a sitting's
 * results are not shown at all, not even which grades exist. Each candidate's current result is
 * the latest version of their attempt's result (results are append-only versions).
 */

export interface CentreResultRow {
	attemptId: string;
	sittingId: string;
	centreNumber: string;
	centreName: string;
	candidateNumber: string;
	firstName: string;
	lastName: string;
	dateOfBirth: string | null;
	unitCode: string;
	/** The unit's title and level as the bank has them (the slip prefers the handbook's, domain/qualifications.ts). */
	unitTitle: string;
	unitLevel: number;
	paperCode: string;
	paperTitle: string;
	scheduledAt: Date;
	status: ResultStatus;
	grade: Grade | null;
	total: number | null;
	codes: string[];
	version: number;
	releasedAt: Date;
}

function releasedResults(db: Kysely<Database>, centreId: string) {
	const latest = db
		.selectFrom('result')
		.select(['attempt_id', 'version', 'status', 'grade', 'total', 'codes'])
		.distinctOn('attempt_id')
		.orderBy('attempt_id')
		.orderBy('version', 'desc')
		.as('r');
	return db
		.selectFrom('sitting as s')
		.innerJoin('sitting_results as sr', 'sr.sitting_id', 's.id')
		.innerJoin('centre as ce', 'ce.id', 's.centre_id')
		.innerJoin('paper_version as v', 'v.id', 's.paper_version_id')
		.innerJoin('paper as p', 'p.id', 'v.paper_id')
		.innerJoin('unit as u', 'u.code', 'p.unit_code')
		.innerJoin('attempt as a', 'a.sitting_id', 's.id')
		.innerJoin('candidate as c', 'c.id', 'a.candidate_id')
		.innerJoin(latest, 'r.attempt_id', 'a.id')
		.select([
			'a.id as attemptId',
			's.id as sittingId',
			'ce.number as centreNumber',
			'ce.name as centreName',
			'c.candidate_number as candidateNumber',
			'c.first_name as firstName',
			'c.last_name as lastName',
			'c.date_of_birth as dateOfBirth',
			'u.code as unitCode',
			'u.title as unitTitle',
			'u.level as unitLevel',
			'p.code as paperCode',
			'v.title as paperTitle',
			's.scheduled_at as scheduledAt',
			'r.status',
			'r.grade',
			'r.total',
			'r.codes',
			'r.version',
			'sr.released_at as releasedAt'
		])
		.where('s.centre_id', '=', centreId)
		.where('sr.released_at', 'is not', null)
		.orderBy('s.scheduled_at')
		.orderBy('p.code')
		.orderBy('c.candidate_number');
}

type Raw = Omit<CentreResultRow, 'dateOfBirth' | 'releasedAt' | 'codes'> & {
	dateOfBirth: unknown;
	releasedAt: Date | null;
	codes: unknown;
};

const toRow = (r: Raw): CentreResultRow => ({
	...r,
	// A date column comes back as a string from PGlite and as a Date from pg unless parsed: one shape here.
	dateOfBirth:
		r.dateOfBirth instanceof Date
			? r.dateOfBirth.toISOString().slice(0, 10)
			: ((r.dateOfBirth as string | null) ?? null),
	codes: Array.isArray(r.codes) ? (r.codes as string[]) : (JSON.parse(String(r.codes)) as string[]),
	releasedAt: r.releasedAt!
});

export interface SittingResults {
	sitting: SittingSummary;
	/** When the results were released to the centre; null: not yet (and `rows` is empty). */
	releasedAt: Date | null;
	rows: CentreResultRow[];
}

/**
 * One sitting's results for its centre. Another centre's sitting (or no such sitting) is not found;
 * an unreleased sitting's results are withheld: `releasedAt` null and no rows.
 */
export async function sittingResults(
	db: Kysely<Database>,
	centreId: string,
	sittingId: string
): Promise<SittingResults> {
	const sitting = await getSitting(db, sittingId, centreId);
	const status = await db
		.selectFrom('sitting_results')
		.select('released_at')
		.where('sitting_id', '=', sitting.id)
		.executeTakeFirst();
	if (!status?.released_at) return { sitting, releasedAt: null, rows: [] };
	const rows = (await releasedResults(db, centreId).where('s.id', '=', sitting.id).execute()).map(
		toRow
	);
	return { sitting, releasedAt: status.released_at, rows };
}

/** One candidate's released result in a sitting of the centre; anything else is not found. */
export async function candidateResult(
	db: Kysely<Database>,
	centreId: string,
	sittingId: string,
	attemptId: string
): Promise<CentreResultRow> {
	if (!isUuid(attemptId) || !isUuid(sittingId) || !isUuid(centreId))
		throw new NotFoundError('No such result');
	// One query for the one row: the released filter and the centre are in it, so another centre's
	// attempt, another sitting's, or one not yet released finds nothing.
	const row = await releasedResults(db, centreId)
		.where('s.id', '=', sittingId)
		.where('a.id', '=', attemptId)
		.executeTakeFirst();
	if (!row) throw new NotFoundError('No such result');
	return toRow(row);
}

/** A generous window around a range of days in the centre's zone, narrowed exactly by `dayIn`. */
function roughly(range: Partial<DateRange>) {
	const day = 24 * 3600_000;
	return {
		from: range.from ? new Date(Date.parse(`${range.from}T00:00:00Z`) - day) : null,
		to: range.to ? new Date(Date.parse(`${range.to}T00:00:00Z`) + 2 * day) : null
	};
}

const inRange = (range: Partial<DateRange>) => (d: Date) => {
	const day = dayIn(d);
	return (!range.from || day >= range.from) && (!range.to || day <= range.to);
};

/** The centre's released results of the sittings held in a range of days (inclusive; open-ended when a side is missing). */
export async function releasedResultsInRange(
	db: Kysely<Database>,
	centreId: string,
	range: Partial<DateRange>
): Promise<CentreResultRow[]> {
	if (!isUuid(centreId)) throw new NotFoundError('No such centre');
	const w = roughly(range);
	const rows = await releasedResults(db, centreId)
		.$if(w.from !== null, (q) => q.where('s.scheduled_at', '>=', w.from!))
		.$if(w.to !== null, (q) => q.where('s.scheduled_at', '<', w.to!))
		.execute();
	return rows.map(toRow).filter((r) => inRange(range)(r.scheduledAt));
}

export interface ReleasedSitting {
	id: string;
	paperCode: string;
	paperTitle: string;
	scheduledAt: Date;
	room: string;
	releasedAt: Date;
	candidates: number;
}

/** The centre's sittings whose results are released, newest first, within a range of days. */
export async function releasedSittings(
	db: Kysely<Database>,
	centreId: string,
	range: Partial<DateRange> = {}
): Promise<ReleasedSitting[]> {
	if (!isUuid(centreId)) throw new NotFoundError('No such centre');
	const w = roughly(range);
	const rows = await db
		.selectFrom('sitting as s')
		.innerJoin('sitting_results as sr', 'sr.sitting_id', 's.id')
		.innerJoin('paper_version as v', 'v.id', 's.paper_version_id')
		.innerJoin('paper as p', 'p.id', 'v.paper_id')
		.select([
			's.id',
			'p.code as paperCode',
			'v.title as paperTitle',
			's.scheduled_at as scheduledAt',
			's.room',
			'sr.released_at as releasedAt',
			(eb) =>
				eb
					.selectFrom('attempt as a')
					.select(eb.fn.countAll<number>().as('n'))
					.whereRef('a.sitting_id', '=', 's.id')
					.as('candidates')
		])
		.where('s.centre_id', '=', centreId)
		.where('sr.released_at', 'is not', null)
		.$if(w.from !== null, (q) => q.where('s.scheduled_at', '>=', w.from!))
		.$if(w.to !== null, (q) => q.where('s.scheduled_at', '<', w.to!))
		.orderBy('s.scheduled_at', 'desc')
		.execute();
	return rows
		.filter((r) => inRange(range)(r.scheduledAt))
		.map((r) => ({ ...r, releasedAt: r.releasedAt!, candidates: Number(r.candidates ?? 0) }));
}
