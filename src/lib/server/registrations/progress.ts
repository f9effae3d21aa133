import { type Kysely } from 'kysely';

import { dayIn, ukDate } from '../../domain/centre-time.js';
import { qualificationByNumber } from '../../domain/qualifications.js';
import { judgeBooking, papersLeft, type PastAttempt } from '../../domain/resits.js';
import type { Database } from '../db/schema.js';
import { livePapersOf, unitHistories } from './booking-check.js';
import { listRegistrations } from './register.js';
import { getResitSettings } from './resit-settings.js';

/* What comes next for each of a centre's registrations, as the booking check would decide today. */

export interface CandidateProgress {
	registrationId: string;
	candidateId: string;
	candidateNumber: string;
	name: string;
	qualificationNumber: string;
	qualificationTitle: string;
	unitCode: string;
	/** What the centre can do next, in words: "Book on 8992-111-A", "Resit on 8992-111-B (attempt 2 of 3)", "Awaiting result"… */
	next: string;
}

/** Each registration and what comes next for it, as the booking check would decide today. */
export async function registrationProgress(
	db: Kysely<Database>,
	centreId: string,
	now = new Date()
): Promise<CandidateProgress[]> {
	const regs = await listRegistrations(db, centreId);
	const settings = await getResitSettings(db);
	const units = [...new Set(regs.map((r) => r.unitCode))];
	const byUnit = new Map<string, { histories: Map<string, PastAttempt[]>; live: string[] }>();
	for (const u of units) {
		const ids = regs.filter((r) => r.unitCode === u).map((r) => r.candidateId);
		byUnit.set(u, { histories: await unitHistories(db, ids, u), live: await livePapersOf(db, u) });
	}
	return regs.map((r) => {
		const { histories, live } = byUnit.get(r.unitCode)!;
		const history = histories.get(r.candidateId) ?? [];
		const left = papersLeft(history, live);
		const name = `${r.firstName} ${r.lastName}`;
		// Judged for a sitting far enough ahead that the interval is met; the earliest day is said apart.
		const lastSat = history
			.filter((h) => h.outcome === 'Fail')
			.reduce((t, h) => Math.max(t, h.sittingAt.getTime()), 0);
		const earliest = new Date(lastSat + settings.minIntervalDays * 86_400_000);
		const probe = judgeBooking({
			candidate: name,
			unitCode: r.unitCode,
			paperCode: left[0] ?? live[0] ?? '',
			registered: true,
			history,
			livePapers: live,
			scheduledAt: earliest > now ? earliest : now,
			settings
		});
		const from = earliest > now ? `, from ${ukDate(dayIn(earliest))}` : '';
		const passed = history.find((h) => h.outcome === 'Pass' || h.outcome === 'First Class Pass');
		let next: string;
		if (passed) next = `Achieved: ${passed.outcome} on ${passed.paperCode}`;
		else if (history.some((h) => h.outcome === 'pending'))
			next = 'Booked: awaiting the released result';
		else if (probe.ok)
			next = probe.resit
				? `Resit due on ${left[0]} (attempt ${probe.attempt} of ${settings.maxAttempts})${from}`
				: `Ready to book on ${left.join(' or ') || 'a live paper'}`;
		else next = probe.reason;
		return {
			registrationId: r.id,
			candidateId: r.candidateId,
			candidateNumber: r.candidateNumber,
			name,
			qualificationNumber: r.qualificationNumber,
			qualificationTitle:
				qualificationByNumber(r.qualificationNumber)?.qualification.title ?? r.qualificationNumber,
			unitCode: r.unitCode,
			next
		};
	});
}
