import type { Kysely } from 'kysely';

import type { Database } from '../../lib/server/db/schema.js';
import { createSeed } from '../../lib/server/quality/seeds.js';
import { DEMO_ITEM_ORDER, DEMO_SCRIPT_CANDIDATES } from './answers-8992-111-A.js';
import type { FinishedSitting } from './finished-sitting.js';

/*
 * Standardisation for the demo's finished sitting: the lead (the demo moderator) agrees three of
 * its scripts as qualification seeds, with the marks the answers were written to earn. The demo
 * marker marks those three first (Marking → Standardisation); live marking opens when they are
 * within tolerance, as it would for any new marker.
 */
const SEED_PROFILES = ['strong', 'borderline', 'weak'] as const;

export async function seedDemoStandardisation(
	db: Kysely<Database>,
	finished: FinishedSitting,
	leadId: string,
	now = new Date()
): Promise<number> {
	let made = 0;
	for (const profile of SEED_PROFILES) {
		const c = DEMO_SCRIPT_CANDIDATES.find((x) => x.profile === profile && x.intended);
		if (!c?.intended) continue;
		const script = await db
			.selectFrom('script as sc')
			.innerJoin('attempt as a', 'a.id', 'sc.attempt_id')
			.innerJoin('candidate as cd', 'cd.id', 'a.candidate_id')
			.select('sc.script_number')
			.where('a.sitting_id', '=', finished.sittingId)
			.where('cd.candidate_number', '=', c.candidate_number)
			.where('sc.kind', '=', 'live')
			.executeTakeFirst();
		if (!script) continue;
		const marks = Object.fromEntries(
			DEMO_ITEM_ORDER.map((key, i) => [key, String(c.intended!.marks[i] ?? 0)])
		);
		await createSeed(
			db,
			{ userId: leadId, label: 'moderator@demo.test' },
			{
				scriptNumber: script.script_number,
				purpose: 'qualification',
				rationale: `A ${profile} script: the agreed marks follow the grid point by point; partial credit only where the grid gives it.`,
				marks
			},
			now
		);
		made++;
	}
	return made;
}
