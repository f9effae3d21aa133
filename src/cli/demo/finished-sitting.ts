import type { Kysely } from 'kysely';

import { dayIn, instantAt } from '../../lib/domain/centre-time.js';
import { SYSTEM_ACTOR, type Actor } from '../../lib/server/audit/index.js';
import { registerCandidate } from '../../lib/server/centres/candidates.js';
import type { Database } from '../../lib/server/db/schema.js';
import { saveResponse } from '../../lib/server/delivery/autosave.js';
import { submitAttempt } from '../../lib/server/delivery/submission.js';
import { markAttendance } from '../../lib/server/invigilation/attendance.js';
import { endSitting } from '../../lib/server/invigilation/end.js';
import { startSitting } from '../../lib/server/invigilation/start.js';
import { allocateScripts } from '../../lib/server/marking/allocation.js';
import { importRegistrations } from '../../lib/server/registrations/register.js';
import { bookSitting } from '../../lib/server/sittings/booking.js';
import { DEMO_MARKING_PAPER, DEMO_SCRIPT_CANDIDATES } from './answers-8992-111-A.js';

/*
 * The demo's second sitting: yesterday morning's 8992-111-A, sat and ended, so that marking has
 * scripts on the first start. It goes through the same services a real day does (book, mark
 * attendance, start, the candidates' saves and submits, the invigilator's end), each given the
 * time it would have happened, so the sitting's log, the attempts' clocks and the scripts are what
 * a real sitting leaves behind.
 */

export const FINISHED_SITTING_ROOM = 'Room 2';

export interface FinishedSitting {
	paperCode: string;
	room: string;
	/** The calendar day it was sat ("2026-11-28"), in the centre's time zone. */
	day: string;
	sittingId: string;
	scripts: number;
	absent: number;
	/** Answers written across all scripts, and how many items were left blank. */
	answered: number;
	blank: number;
	/** The markers (emails) holding first marking of these scripts. */
	allocatedTo: string[];
	/** Qualification seeds the lead agreed from these scripts (set by the demo's standardisation). */
	seeds?: number;
}

/** 09:30 yesterday in the centre's time zone (the day before `now` there), as an instant. */
export function yesterdayMorning(now: Date, hour = 9, minute = 30): Date {
	return instantAt(dayIn(new Date(now.getTime() - 24 * 3600_000)), hour, minute);
}

const minutes = (t: Date, n: number) => new Date(t.getTime() + n * 60_000);

/**
 * Creates the finished sitting in the demo centre, or returns what is there if it already exists
 * (keyed on its first candidate's number, so running the demo again adds nothing). Null when the
 * bank has no 8992-111-A.
 */
export async function seedFinishedSitting(
	db: Kysely<Database>,
	centreId: string,
	staff: {
		centreAdmin: Actor;
		invigilator: Actor & { userId: string };
		awardingAdmin?: Actor;
		markerId?: string;
	},
	now = new Date()
): Promise<FinishedSitting | null> {
	const paper = await db
		.selectFrom('paper')
		.select(['code'])
		.where('code', '=', DEMO_MARKING_PAPER)
		.where('current_version_id', 'is not', null)
		.executeTakeFirst();
	if (!paper) return null;
	const existing = await findFinishedSitting(db, centreId);
	if (existing) return existing;

	const candidateIds = new Map<string, string>();
	for (const c of DEMO_SCRIPT_CANDIDATES) {
		const row = await registerCandidate(db, SYSTEM_ACTOR, centreId, {
			candidate_number: c.candidate_number,
			first_name: c.first_name,
			last_name: c.last_name
		});
		candidateIds.set(c.candidate_number, row.id);
	}

	// The day as it went: booked at 08:00 for 09:30, the register taken at 09:25, started at 09:30
	// (5 minutes' reading, 60 minutes' writing), answers through the morning, two candidates
	// submitting early, and the invigilator ending the sitting at 10:34, just before the deadline.
	const start = yesterdayMorning(now);
	await importRegistrations(
		db,
		SYSTEM_ACTOR,
		centreId,
		[...candidateIds.values()],
		DEMO_MARKING_PAPER.slice(0, 8),
		minutes(start, -60 * 24 * 60)
	);
	const sitting = await bookSitting(
		db,
		staff.centreAdmin,
		centreId,
		{
			paper_code: paper.code,
			scheduled_at: start.toISOString(),
			room: FINISHED_SITTING_ROOM,
			invigilator_ids: [staff.invigilator.userId],
			candidate_ids: [...candidateIds.values()]
		},
		minutes(start, -90)
	);
	const attempts = new Map(
		(
			await db
				.selectFrom('attempt')
				.select(['id', 'candidate_id'])
				.where('sitting_id', '=', sitting.id)
				.execute()
		).map((a) => [a.candidate_id, a.id])
	);
	const attemptOf = (number: string) => attempts.get(candidateIds.get(number)!)!;
	const ctx = (at: Date) => ({ actor: staff.invigilator, centreId, now: at });

	for (const c of DEMO_SCRIPT_CANDIDATES)
		await markAttendance(
			db,
			ctx(minutes(start, -5)),
			sitting.id,
			attemptOf(c.candidate_number),
			c.profile !== 'absent'
		);
	await startSitting(db, ctx(start), sitting.id);

	const items = (
		await db
			.selectFrom('paper_item')
			.select('item_key')
			.where('paper_version_id', '=', sitting.paper_version_id)
			.orderBy('position')
			.execute()
	).map((r) => r.item_key);
	for (const [n, c] of DEMO_SCRIPT_CANDIDATES.entries()) {
		if (c.profile === 'absent') continue;
		const attemptId = attemptOf(c.candidate_number);
		// Answers in paper order from two minutes after reading ends, each candidate at their own pace.
		const pace = 2 + (n % 3) * 0.3;
		for (const [i, key] of items.entries()) {
			const text = c.answers[key] ?? '';
			// A blank item is one the candidate never typed in: no save, as in the exam page.
			if (!text.trim()) continue;
			await saveResponse(
				db,
				attemptId,
				key,
				{ seq: 1, text },
				minutes(start, 7 + i * pace + n / 10)
			);
		}
		if (c.submitsAfterMinutes !== undefined)
			await submitAttempt(db, attemptId, minutes(start, c.submitsAfterMinutes));
	}
	await endSitting(db, ctx(minutes(start, 64)), sitting.id);
	// The awarding body shares the scripts out after the sitting: here all of them, whole, to the
	// demo marker, so the marker's queue has work on the first start.
	if (staff.markerId) {
		await allocateScripts(
			db,
			staff.awardingAdmin ?? SYSTEM_ACTOR,
			{ paper_version_id: sitting.paper_version_id, marker_ids: [staff.markerId] },
			minutes(start, 24 * 60 - 90)
		);
	}
	const found = await findFinishedSitting(db, centreId);
	if (!found) throw new Error('The finished demo sitting was not found after it was made');
	return found;
}

/** The finished demo sitting of this centre and its scripts, if it exists. */
async function findFinishedSitting(
	db: Kysely<Database>,
	centreId: string
): Promise<FinishedSitting | null> {
	const first = DEMO_SCRIPT_CANDIDATES[0]!.candidate_number;
	const s = await db
		.selectFrom('sitting as s')
		.innerJoin('attempt as a', 'a.sitting_id', 's.id')
		.innerJoin('candidate as c', 'c.id', 'a.candidate_id')
		.select(['s.id', 's.room', 's.scheduled_at'])
		.where('s.centre_id', '=', centreId)
		.where('s.room', '=', FINISHED_SITTING_ROOM)
		.where('c.candidate_number', '=', first)
		.executeTakeFirst();
	if (!s) return null;
	const counts = await db
		.selectFrom('attempt as a')
		.leftJoin('script as sc', (j) =>
			j.onRef('sc.attempt_id', '=', 'a.id').on('sc.kind', '=', 'live')
		)
		.select((eb) => [
			eb.fn.count('sc.id').as('scripts'),
			eb.fn.countAll().filterWhere('a.state', '=', 'absent').as('absent')
		])
		.where('a.sitting_id', '=', s.id)
		.executeTakeFirstOrThrow();
	const answers = await db
		.selectFrom('response as r')
		.innerJoin('attempt as a', 'a.id', 'r.attempt_id')
		.select((eb) => eb.fn.countAll().as('n'))
		.where('a.sitting_id', '=', s.id)
		.where('r.text', '<>', '')
		.executeTakeFirstOrThrow();
	const markers = await db
		.selectFrom('allocation as al')
		.innerJoin('script as sc', 'sc.id', 'al.script_id')
		.innerJoin('attempt as a', 'a.id', 'sc.attempt_id')
		.innerJoin('app_user as u', 'u.id', 'al.marker_id')
		.select('u.email')
		.distinct()
		.where('a.sitting_id', '=', s.id)
		.where('al.purpose', '=', 'first')
		.where('al.withdrawn_at', 'is', null)
		.orderBy('u.email')
		.execute();
	const present = DEMO_SCRIPT_CANDIDATES.filter((c) => c.profile !== 'absent').length;
	const items = await db
		.selectFrom('paper_item as i')
		.innerJoin('sitting as s', 's.paper_version_id', 'i.paper_version_id')
		.select((eb) => eb.fn.countAll().as('n'))
		.where('s.id', '=', s.id)
		.executeTakeFirstOrThrow();
	return {
		paperCode: DEMO_MARKING_PAPER,
		room: s.room,
		day: dayIn(s.scheduled_at),
		sittingId: s.id,
		scripts: Number(counts.scripts),
		absent: Number(counts.absent),
		answered: Number(answers.n),
		blank: present * Number(items.n) - Number(answers.n),
		allocatedTo: markers.map((m) => m.email)
	};
}
