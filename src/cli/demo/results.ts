import type { Kysely } from 'kysely';

import { paperItems } from '../../lib/domain/paper.js';
import { SYSTEM_ACTOR, type Actor } from '../../lib/server/audit/index.js';
import { approveResults, releaseResults } from '../../lib/server/awarding/approval.js';
import { computeSittingResults } from '../../lib/server/awarding/compute.js';
import { getPaperContent } from '../../lib/server/bank/papers.js';
import { registerCandidate } from '../../lib/server/centres/candidates.js';
import type { Database } from '../../lib/server/db/schema.js';
import { markAttendance } from '../../lib/server/invigilation/attendance.js';
import { endSitting } from '../../lib/server/invigilation/end.js';
import { startSitting } from '../../lib/server/invigilation/start.js';
import { allocateScripts } from '../../lib/server/marking/allocation.js';
import { recordMark } from '../../lib/server/marking/marks.js';
import { saveSettings, SETTING_FIELDS } from '../../lib/server/marking/settings.js';
import { paperSettings } from '../../lib/server/quality/quality.js';
import { setStanding } from '../../lib/server/quality/standing.js';
import { importRegistrations } from '../../lib/server/registrations/register.js';
import { bookSitting } from '../../lib/server/sittings/booking.js';

/** The demo candidate whose result is out: a narrow fail, ready for a review of marking. */
export const DEMO_RESULTS_CANDIDATE = {
	candidate_number: '0006',
	first_name: 'Farah',
	last_name: 'Ali',
	date_of_birth: '2003-04-05'
};
export const DEMO_RESULTS_PAPER = '8992-112-A';

export interface DemoResults {
	paperCode: string;
	candidateNumber: string;
	name: string;
	dateOfBirth: string;
}

/**
 * A sitting that has already happened, with its result released, so the walk-through (and the
 * browser test of reviews) can show results and reviews without a day of exams first. Every step is
 * the real one: booked, attended, answered, ended by the invigilator (its keycode closed), whole
 * script allocated to a marker, marked through recordMark, computed, approved and released
 * by the awarding administrator. Only the answers are written straight to the script, as the
 * marking tests do. The marks make a narrow fail (two marks under the pass mark).
 */
export async function seedDemoResults(
	db: Kysely<Database>,
	centreId: string,
	staff: { invigilatorId: string; markerId: string; adminId: string }
): Promise<DemoResults | null> {
	const paper = await db
		.selectFrom('paper')
		.select(['id as paper_id', 'code', 'current_version_id'])
		.where('code', '=', DEMO_RESULTS_PAPER)
		.executeTakeFirst();
	if (!paper?.current_version_id) return null;
	const candidate = await registerCandidate(db, SYSTEM_ACTOR, centreId, DEMO_RESULTS_CANDIDATE);
	const invigilator: Actor = { userId: staff.invigilatorId, label: 'invigilator@demo.test' };
	await importRegistrations(
		db,
		SYSTEM_ACTOR,
		centreId,
		[candidate.id],
		paper.code.slice(0, 8),
		new Date(Date.now() - 60 * 24 * 3600_000)
	);
	const sitting = await bookSitting(db, invigilator, centreId, {
		paper_code: paper.code,
		scheduled_at: new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString(),
		room: 'Room 4',
		invigilator_ids: [staff.invigilatorId],
		candidate_ids: [candidate.id]
	});
	const attempt = await db
		.selectFrom('attempt')
		.select('id')
		.where('sitting_id', '=', sitting.id)
		.executeTakeFirstOrThrow();
	const ctx = { actor: invigilator, centreId };
	const t0 = new Date(Date.now() - 60_000);
	await markAttendance(db, { ...ctx, now: t0 }, sitting.id, attempt.id, true);
	await startSitting(db, { ...ctx, now: t0 }, sitting.id);
	const items = paperItems(await getPaperContent(db, paper.current_version_id));
	for (const item of items) {
		await db
			.insertInto('response')
			.values({
				attempt_id: attempt.id,
				item_key: item.key,
				seq: 1,
				text: `My answer to question ${item.label}.`,
				saved_at: new Date(t0.getTime() + 30_000)
			})
			.execute();
	}
	await endSitting(db, { ...ctx, now: new Date() }, sitting.id);

	const admin = { userId: staff.adminId, label: 'admin@demo.test' };
	// One script on this paper in the demo: there is no second marker to check it, so the paper's
	// settings (audited, as a lead would set them) take no sample and no boundary window.
	const settings = await paperSettings(db, paper.paper_id);
	await saveSettings(
		db,
		admin,
		paper.paper_id,
		{
			...Object.fromEntries(SETTING_FIELDS.map((k) => [k, String(settings[k])])),
			samplePercent: '0',
			boundaryWindow: '0'
		},
		new Date()
	);
	// The marker qualified on this paper at its standardisation (the demo's history): live marking
	// is open to them, which recordMark checks.
	await setStanding(db, {
		markerId: staff.markerId,
		paperId: paper.paper_id,
		standing: 'live',
		reason: 'Qualified at standardisation',
		decidedBy: null,
		now: new Date()
	});
	await allocateScripts(db, admin, {
		paper_version_id: paper.current_version_id,
		marker_ids: [staff.markerId]
	});
	const version = await db
		.selectFrom('paper_version')
		.select(['pass_mark'])
		.where('id', '=', paper.current_version_id)
		.executeTakeFirstOrThrow();
	const script = await db
		.selectFrom('script')
		.select('id')
		.where('attempt_id', '=', attempt.id)
		.where('kind', '=', 'live')
		.executeTakeFirstOrThrow();
	const allocations = await db
		.selectFrom('allocation')
		.select(['id', 'item_key'])
		.where('script_id', '=', script.id)
		.execute();
	// Marks from the first item on, until two marks short of the pass mark.
	let left = version.pass_mark - 2;
	for (const item of items) {
		const mark = Math.min(item.marks, Math.max(0, left));
		left -= mark;
		const allocation = allocations.find((a) => a.item_key === item.key)!;
		await recordMark(db, {
			markerId: staff.markerId,
			allocationId: allocation.id,
			award: { kind: 'mark', mark }
		});
	}
	await computeSittingResults(db, SYSTEM_ACTOR, sitting.id, 'computed');
	await approveResults(db, admin, paper.current_version_id);
	await releaseResults(db, admin, paper.current_version_id);
	return {
		paperCode: paper.code,
		candidateNumber: DEMO_RESULTS_CANDIDATE.candidate_number,
		name: `${DEMO_RESULTS_CANDIDATE.first_name} ${DEMO_RESULTS_CANDIDATE.last_name}`,
		dateOfBirth: DEMO_RESULTS_CANDIDATE.date_of_birth
	};
}
