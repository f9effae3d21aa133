import { type Kysely } from 'kysely';

import { qualificationOfUnit } from '../../domain/qualifications.js';
import { judgeBooking, type PastAttempt, type PastOutcome } from '../../domain/resits.js';
import type { Database } from '../db/schema.js';
import { ValidationError } from '../errors.js';
import { getResitSettings } from './resit-settings.js';

/*
 * The check every sitting booking goes through (issue 15, item 2): registered for the paper's unit,
 * and allowed to sit it now by the resit rules (domain/resits.ts); this file reads what they need.
 */

/** The live papers of a unit that can be booked, by code. */
export async function livePapersOf(db: Kysely<Database>, unitCode: string): Promise<string[]> {
	const rows = await db
		.selectFrom('paper')
		.select('code')
		.where('unit_code', '=', unitCode)
		.where('kind', '=', 'live')
		.where('current_version_id', 'is not', null)
		.orderBy('code')
		.execute();
	return rows.map((r) => r.code);
}

/**
 * Each candidate's attempts at a unit in sittings that have started (cancelled or still to run do
 * not count): the paper, the day, and the released outcome, or pending until the result is released.
 */
export async function unitHistories(
	db: Kysely<Database>,
	candidateIds: readonly string[],
	unitCode: string
): Promise<Map<string, PastAttempt[]>> {
	const out = new Map<string, PastAttempt[]>(candidateIds.map((id) => [id, []]));
	if (candidateIds.length === 0) return out;
	const rows = await db
		.selectFrom('attempt as a')
		.innerJoin('sitting as s', 's.id', 'a.sitting_id')
		.innerJoin('paper_version as v', 'v.id', 's.paper_version_id')
		.innerJoin('paper as p', 'p.id', 'v.paper_id')
		.leftJoin('sitting_results as sr', 'sr.sitting_id', 's.id')
		.select([
			'a.candidate_id',
			'p.code',
			's.scheduled_at',
			'sr.released_at',
			(eb) =>
				eb
					.selectFrom('result as r')
					.select('r.status')
					.whereRef('r.attempt_id', '=', 'a.id')
					.orderBy('r.version', 'desc')
					.limit(1)
					.as('status'),
			(eb) =>
				eb
					.selectFrom('result as r')
					.select('r.grade')
					.whereRef('r.attempt_id', '=', 'a.id')
					.orderBy('r.version', 'desc')
					.limit(1)
					.as('grade')
		])
		.where('a.candidate_id', 'in', candidateIds)
		.where('p.unit_code', '=', unitCode)
		// A mock (a practice paper, marked by the centre) is never an attempt at the unit.
		.where('s.purpose', '=', 'live')
		// A booking on a sitting still to run does not count (a centre may book a standby sitting);
		// once the sitting has started, the attempt counts until its result is released and after.
		.where('s.state', 'in', ['running', 'ended'])
		.orderBy('s.scheduled_at')
		.execute();
	for (const r of rows) {
		let outcome: PastOutcome = 'pending';
		if (r.released_at && r.status === 'absent') outcome = 'absent';
		else if (r.released_at && r.status === 'void') outcome = 'void';
		else if (r.released_at && r.status === 'graded' && r.grade) outcome = r.grade;
		out.get(r.candidate_id)!.push({ paperCode: r.code, sittingAt: r.scheduled_at, outcome });
	}
	return out;
}

export interface BookingNote {
	candidateNumber: string;
	name: string;
	attempt: number;
	resit: boolean;
	paperCode: string;
}

/**
 * The check every booking makes (a new sitting, or candidates added to one): the paper is live,
 * and each candidate is registered for its unit and may sit it now (domain/resits.ts). Locks the
 * candidates' registrations for the unit, so two bookings of one candidate at once are decided one
 * after the other (the second sees the first's booking). Refusals name each candidate concerned.
 * Returns, per candidate, which attempt it is and whether it is a resit.
 */
export async function checkBookings(
	tx: Kysely<Database>,
	paper: { code: string; kind: string; unit_code: string },
	candidates: readonly {
		id: string;
		candidate_number: string;
		first_name: string;
		last_name: string;
	}[],
	scheduledAt: Date
): Promise<BookingNote[]> {
	if (paper.kind !== 'live') {
		const m = `${paper.code} is a practice paper: only a live paper can be booked for an examination.`;
		throw new ValidationError(m, [{ field: 'paper_code', message: m }]);
	}
	const ids = candidates.map((c) => c.id);
	const nameOf = (c: (typeof candidates)[number]) =>
		`${c.first_name} ${c.last_name} (${c.candidate_number})`;
	// The handbook's units lead to a qualification and need a registration; a unit the handbook does
	// not have (a test unit of the bank) leads to none, so there is nothing to register for, nor
	// attempts at a unit to count: registration, resit and result rules are the handbook's units'
	// (the browser tests book their test units' candidates on one sitting after another).
	if (qualificationOfUnit(paper.unit_code) === undefined)
		return candidates.map((c) => ({
			candidateNumber: c.candidate_number,
			name: nameOf(c),
			attempt: 1,
			resit: false,
			paperCode: paper.code
		}));
	const registered =
		ids.length === 0
			? []
			: await tx
					.selectFrom('registration')
					.select('candidate_id')
					.where('candidate_id', 'in', ids)
					.where('unit_code', '=', paper.unit_code)
					.forUpdate()
					.execute();
	const [histories, live, settings] = await Promise.all([
		unitHistories(tx, ids, paper.unit_code),
		livePapersOf(tx, paper.unit_code),
		getResitSettings(tx)
	]);
	const notes: BookingNote[] = [];
	const refusals: string[] = [];
	for (const c of candidates) {
		const name = nameOf(c);
		const verdict = judgeBooking({
			candidate: name,
			unitCode: paper.unit_code,
			paperCode: paper.code,
			registered: registered.some((r) => r.candidate_id === c.id),
			history: histories.get(c.id) ?? [],
			livePapers: live,
			scheduledAt,
			settings
		});
		if (verdict.ok)
			notes.push({
				candidateNumber: c.candidate_number,
				name,
				attempt: verdict.attempt,
				resit: verdict.resit,
				paperCode: paper.code
			});
		else refusals.push(verdict.reason);
	}
	if (refusals.length > 0)
		throw new ValidationError(
			refusals.join(' '),
			refusals.map((message) => ({ field: 'candidate_ids', message }))
		);
	return notes;
}
