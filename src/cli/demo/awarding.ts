import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';

import { paperItems, paperSchema } from '../../lib/domain/paper.js';
import { createStaffAccount } from '../../lib/server/accounts/staff.js';
import { SYSTEM_ACTOR } from '../../lib/server/audit/index.js';
import { computeSittingResults } from '../../lib/server/awarding/compute.js';
import { registerCandidate } from '../../lib/server/centres/candidates.js';
import { createCentre } from '../../lib/server/centres/centres.js';
import type { Database } from '../../lib/server/db/schema.js';
import { markAttendance } from '../../lib/server/invigilation/attendance.js';
import { endSitting } from '../../lib/server/invigilation/end.js';
import { logIncident } from '../../lib/server/invigilation/incidents.js';
import { startSitting } from '../../lib/server/invigilation/start.js';
import { importRegistrations } from '../../lib/server/registrations/register.js';
import { bookSitting } from '../../lib/server/sittings/booking.js';

/** The demo's marked sitting: another centre's candidates sat this paper today and their scripts are marked. */
export const AWARDING_DEMO = {
	paperCode: '8992-113-B',
	centre: { number: '900002', name: 'Demo Evening College' },
	candidates: 24,
	absent: [23]
};

const FIRST = [
	'Amir',
	'Bella',
	'Carl',
	'Dana',
	'Eli',
	'Fay',
	'Gus',
	'Hana',
	'Ivan',
	'Jade',
	'Kofi',
	'Lena'
];
const LAST = ['Patel', 'Jones'];

/**
 * The marks demo candidate i of n gets on each item: a share of the item's marks, spread from weak
 * to strong with most in the middle (a plausible distribution to award), the same on every run.
 */
export function demoMarks(
	i: number,
	n: number,
	items: readonly { key: string; marks: number }[]
): Record<string, number> {
	const u = (i + 0.5) / n;
	// The logit of the candidate's place: few very low or very high totals, most near 60%.
	const share = Math.min(0.98, Math.max(0.05, 0.6 + 0.1 * Math.log(u / (1 - u))));
	return Object.fromEntries(items.map((it) => [it.key, Math.round(it.marks * share)]));
}

/**
 * Seeds a finished, marked sitting for the awarding screens: a second demo centre whose candidates
 * sat {@link AWARDING_DEMO.paperCode} today (one absent), answers on file, every item marked by the
 * demo marker, results computed and awaiting the awarding administrator. Marks are written as rows
 * of the append-only mark table, as the marking screens write them. Returns null when the bank has
 * no such paper.
 */
export async function seedAwardingDemo(
	db: Kysely<Database>,
	markerId: string
): Promise<{ paperCode: string; centreNumber: string; candidates: number } | null> {
	const paper = await db
		.selectFrom('paper as p')
		.innerJoin('paper_version as v', 'v.id', 'p.current_version_id')
		.select(['p.code', 'v.content'])
		.where('p.code', '=', AWARDING_DEMO.paperCode)
		.executeTakeFirst();
	if (!paper) return null;
	const items = paperItems(paperSchema.parse(paper.content));

	const centre = await createCentre(db, SYSTEM_ACTOR, AWARDING_DEMO.centre);
	// The college's invigilator ran the sitting; nobody signs in as them in the demo (no password is shown).
	const invigilator = await createStaffAccount(db, SYSTEM_ACTOR, {
		email: 'invigilator@college.demo.test',
		display_name: 'Ira Invigilator',
		password: randomBytes(24).toString('base64url'),
		role: 'invigilator',
		centre_id: centre.id
	});
	const candidates = [];
	for (let i = 0; i < AWARDING_DEMO.candidates; i++) {
		candidates.push(
			await registerCandidate(db, SYSTEM_ACTOR, centre.id, {
				candidate_number: String(i + 1).padStart(4, '0'),
				first_name: FIRST[i % FIRST.length],
				last_name: LAST[Math.floor(i / FIRST.length) % LAST.length]
			})
		);
	}
	const actor = { userId: invigilator.id, label: invigilator.email };
	const ctx = { actor, centreId: centre.id };
	// Started a minute ago, so the start falls on the booked day whatever the hour.
	const started = new Date(Date.now() - 60_000);
	// Registered months ago, before 8992-13 was withdrawn: its registered candidates may still sit.
	await importRegistrations(
		db,
		SYSTEM_ACTOR,
		centre.id,
		candidates.map((c) => c.id),
		AWARDING_DEMO.paperCode.slice(0, 8),
		new Date(started.getTime() - 120 * 24 * 3600_000)
	);
	const sitting = await bookSitting(db, actor, centre.id, {
		paper_code: paper.code,
		scheduled_at: new Date(Math.floor(started.getTime() / 60_000) * 60_000).toISOString(),
		room: 'Hall A',
		invigilator_ids: [invigilator.id],
		candidate_ids: candidates.map((c) => c.id)
	});
	const attempts = await db
		.selectFrom('attempt')
		.select(['id', 'candidate_id'])
		.where('sitting_id', '=', sitting.id)
		.execute();
	const attemptOf = (candidateId: string) =>
		attempts.find((a) => a.candidate_id === candidateId)!.id;
	for (const [i, c] of candidates.entries()) {
		await markAttendance(
			db,
			{ ...ctx, now: started },
			sitting.id,
			attemptOf(c.id),
			!AWARDING_DEMO.absent.includes(i)
		);
	}
	await startSitting(db, { ...ctx, now: started }, sitting.id);
	// Something for the awarding page's record of the sitting to show before approval.
	await logIncident(
		db,
		{ ...ctx, now: new Date(started.getTime() + 20_000) },
		sitting.id,
		null,
		'Fire alarm test sounded for about a minute; candidates stayed seated and carried on'
	);
	// The candidates' answers, stored as the autosave stores them (the exam page's own tests cover how they get there).
	for (const [i, c] of candidates.entries()) {
		if (AWARDING_DEMO.absent.includes(i)) continue;
		await db
			.insertInto('response')
			.values(
				items.map((it) => ({
					attempt_id: attemptOf(c.id),
					item_key: it.key,
					seq: 1,
					text: `Demo answer to question ${it.label}.`,
					saved_at: new Date(started.getTime() + 30_000)
				}))
			)
			.execute();
	}
	await endSitting(db, { ...ctx, now: new Date() }, sitting.id);

	const scripts = await db
		.selectFrom('script')
		.innerJoin('attempt', 'attempt.id', 'script.attempt_id')
		.select(['script.id', 'attempt.candidate_id'])
		.where('attempt.sitting_id', '=', sitting.id)
		.where('script.kind', '=', 'live')
		.execute();
	for (const s of scripts) {
		const marks = demoMarks(
			candidates.findIndex((c) => c.id === s.candidate_id),
			candidates.length,
			items
		);
		await db
			.insertInto('mark')
			.values(
				items.map((it) => ({
					script_id: s.id,
					item_key: it.key,
					marker_id: markerId,
					authority: 'first' as const,
					mark: marks[it.key]!
				}))
			)
			.execute();
	}
	await computeSittingResults(db, SYSTEM_ACTOR, sitting.id, 'computed');
	return { paperCode: paper.code, centreNumber: centre.number, candidates: candidates.length };
}
