import type { Kysely } from 'kysely';

import { paperItems, paperSchema, type Item } from '../../lib/domain/paper.js';
import { SYSTEM_ACTOR } from '../../lib/server/audit/index.js';
import { approveResults, releaseResults } from '../../lib/server/awarding/approval.js';
import { computeSittingResults } from '../../lib/server/awarding/compute.js';
import { registerCandidate } from '../../lib/server/centres/candidates.js';
import type { Database } from '../../lib/server/db/schema.js';
import { markAttendance } from '../../lib/server/invigilation/attendance.js';
import { endSitting } from '../../lib/server/invigilation/end.js';
import { startSitting } from '../../lib/server/invigilation/start.js';
import { voidAttempt } from '../../lib/server/invigilation/voiding.js';
import { importRegistrations } from '../../lib/server/registrations/register.js';
import { bookSitting } from '../../lib/server/sittings/booking.js';
import { DEMO_RESULTS_PAPER } from './results.js';

/**
 * Released results for the demo centre, so a new installation shows what a centre receives (the
 * results page, the CSV, the result slips) before any real marking: a sitting of a Level 2 paper
 * held a week ago, run through the same services as a real one (booked, attendance, started,
 * ended, scripts made), marked by the demo marker, computed, approved and released. The answers
 * and marks are written as the stored rows, as the marking tests' fixture does: how answers are
 * saved and marks given is the autosave's and the marking screen's business.
 */
// The same paper as the released result of demo/results.ts (reviews of marking).
export { DEMO_RESULTS_PAPER };

/** Each demo candidate's share of every item's marks, or how they did not sit it. */
export const DEMO_RESULT_CANDIDATES = [
	{
		candidate_number: '0101',
		first_name: 'Grace',
		last_name: 'Adeyemi',
		sat: 'share',
		share: 0.95
	},
	{ candidate_number: '0102', first_name: 'Harry', last_name: 'Patel', sat: 'share', share: 0.75 },
	// Strong on the first area, weak elsewhere: a Fail with area codes.
	{ candidate_number: '0103', first_name: 'Zoë', last_name: 'Müller', sat: 'weak', share: 0.25 },
	// Answered only the first few questions: a Fail with "insufficient work submitted".
	{ candidate_number: '0104', first_name: 'Owen', last_name: "O'Neill", sat: 'few', share: 0.6 },
	{ candidate_number: '0105', first_name: 'Priya', last_name: 'Shah', sat: 'absent', share: 0 },
	{ candidate_number: '0106', first_name: 'Sam', last_name: 'Taylor', sat: 'void', share: 0.5 }
] as const;

type DemoCandidate = (typeof DEMO_RESULT_CANDIDATES)[number];

function markFor(c: DemoCandidate, item: Item, index: number, firstArea: string): number | null {
	switch (c.sat) {
		case 'share':
		case 'void':
			return Math.round(item.marks * c.share);
		case 'weak':
			return item.area === firstArea ? item.marks : Math.floor(item.marks * c.share);
		case 'few':
			return index < 3 ? Math.round(item.marks * c.share) : null;
		case 'absent':
			return null;
	}
}

export async function seedDemoReleasedResults(
	db: Kysely<Database>,
	centreId: string
): Promise<{ sittingId: string } | null> {
	const paper = await db
		.selectFrom('paper as p')
		.innerJoin('paper_version as v', 'v.id', 'p.current_version_id')
		.select(['v.id', 'v.content'])
		.where('p.code', '=', DEMO_RESULTS_PAPER)
		.executeTakeFirst();
	const invigilator = await db
		.selectFrom('app_user')
		.select(['id', 'email'])
		.where('email', '=', 'invigilator@demo.test')
		.executeTakeFirst();
	const marker = await db
		.selectFrom('app_user')
		.select('id')
		.where('email', '=', 'marker@demo.test')
		.executeTakeFirst();
	if (!paper || !invigilator || !marker) return null;
	const items = paperItems(paperSchema.parse(paper.content));

	const ids: string[] = [];
	for (const c of DEMO_RESULT_CANDIDATES) {
		const { candidate_number, first_name, last_name } = c;
		ids.push(
			(
				await registerCandidate(db, SYSTEM_ACTOR, centreId, {
					candidate_number,
					first_name,
					last_name
				})
			).id
		);
	}
	// A week ago, at the minute: booked then (as the booking rules see it), held and ended that day.
	const held = new Date(Math.floor((Date.now() - 7 * 24 * 3600_000) / 60_000) * 60_000);
	const actor = { userId: invigilator.id, label: invigilator.email };
	await importRegistrations(
		db,
		SYSTEM_ACTOR,
		centreId,
		ids,
		DEMO_RESULTS_PAPER.slice(0, 8),
		new Date(held.getTime() - 60 * 24 * 3600_000)
	);
	const sitting = await bookSitting(
		db,
		actor,
		centreId,
		{
			paper_code: DEMO_RESULTS_PAPER,
			scheduled_at: held.toISOString(),
			room: 'Room 2',
			invigilator_ids: [invigilator.id],
			candidate_ids: ids
		},
		held
	);
	const attempts = await db
		.selectFrom('attempt')
		.select(['id', 'candidate_id'])
		.where('sitting_id', '=', sitting.id)
		.execute();
	const attemptOf = (i: number) => attempts.find((a) => a.candidate_id === ids[i])!.id;
	const ctx = { actor, centreId, now: held };

	for (const [i, c] of DEMO_RESULT_CANDIDATES.entries())
		await markAttendance(db, ctx, sitting.id, attemptOf(i), c.sat !== 'absent');
	await startSitting(db, ctx, sitting.id);
	const marks = DEMO_RESULT_CANDIDATES.map((c) =>
		items.map((item, n) => markFor(c, item, n, items[0]!.area))
	);
	for (const [i, c] of DEMO_RESULT_CANDIDATES.entries()) {
		if (c.sat === 'absent') continue;
		const answered = items.flatMap((item, n) => (marks[i]![n] === null ? [] : [item]));
		if (answered.length === 0) continue;
		await db
			.insertInto('response')
			.values(
				answered.map((item) => ({
					attempt_id: attemptOf(i),
					item_key: item.key,
					seq: 1,
					text: 'Answer written in the demo sitting.',
					saved_at: new Date(held.getTime() + 600_000)
				}))
			)
			.execute();
	}
	await endSitting(db, { ...ctx, now: new Date(held.getTime() + 95 * 60_000) }, sitting.id);
	const voided = DEMO_RESULT_CANDIDATES.findIndex((c) => c.sat === 'void');
	await voidAttempt(
		db,
		{ ...ctx, now: new Date(held.getTime() + 100 * 60_000) },
		sitting.id,
		attemptOf(voided),
		'Demo: notes found at the desk after the exam'
	);

	const scripts = await db
		.selectFrom('script')
		.select(['id', 'attempt_id'])
		.where(
			'attempt_id',
			'in',
			attempts.map((a) => a.id)
		)
		.where('kind', '=', 'live')
		.execute();
	for (const [i] of DEMO_RESULT_CANDIDATES.entries()) {
		const script = scripts.find((s) => s.attempt_id === attemptOf(i));
		if (!script) continue;
		await db
			.insertInto('mark')
			.values(
				items.map((item, n) => ({
					script_id: script.id,
					item_key: item.key,
					marker_id: marker.id,
					authority: 'first' as const,
					mark: marks[i]![n] ?? 0
				}))
			)
			.execute();
	}
	await computeSittingResults(db, SYSTEM_ACTOR, sitting.id, 'computed');
	await approveResults(db, SYSTEM_ACTOR, paper.id);
	await releaseResults(db, SYSTEM_ACTOR, paper.id);
	return { sittingId: sitting.id };
}
