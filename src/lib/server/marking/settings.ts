import type { Kysely } from 'kysely';
import { z } from 'zod';

import type { MarkingSettings } from '../../domain/marking.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Database } from '../db/schema.js';
import { ValidationError } from '../errors.js';
import { paperSettings } from '../quality/quality.js';

/*
 * A paper's marking settings (second-marking sample and window, tolerances, seed rate,
 * qualification and stopping): the lead changes them on a form; every change is audited before → after.
 */

const whole = (label: string, min: number, max: number) =>
	z
		.string()
		.trim()
		.regex(/^\d+$/, `${label} must be a whole number`)
		.transform(Number)
		.refine((n) => n >= min && n <= max, `${label} must be from ${min} to ${max}`);

const settingsInput = z.object({
	samplePercent: whole('Sample', 0, 100),
	boundaryWindow: whole('Boundary window', 0, 100),
	secondMarkTolerance: whole('Second-marking tolerance', 0, 100),
	seedEvery: whole('Seed rate', 0, 1000),
	seedItemTolerance: whole('Seed tolerance per question', 0, 100),
	seedScriptTolerance: whole('Seed tolerance per script', 0, 100),
	qualifyingSeeds: whole('Seeds to qualify', 0, 50),
	stopAfterMisses: whole('Misses in a row that stop a marker', 1, 50)
});

export const SETTING_FIELDS = Object.keys(settingsInput.shape) as (keyof MarkingSettings)[];

export async function saveSettings(
	db: Kysely<Database>,
	actor: Actor & { userId: string },
	paperId: string,
	input: Record<string, string>,
	now: Date
): Promise<MarkingSettings> {
	const parsed = settingsInput.safeParse(input);
	if (!parsed.success) {
		throw new ValidationError(
			parsed.error.issues[0]!.message,
			parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? ''), message: i.message }))
		);
	}
	const s = parsed.data;
	return db.transaction().execute(async (tx) => {
		const before = await paperSettings(tx, paperId);
		const row = {
			sample_percent: s.samplePercent,
			boundary_window: s.boundaryWindow,
			second_mark_tolerance: s.secondMarkTolerance,
			seed_every: s.seedEvery,
			seed_item_tolerance: s.seedItemTolerance,
			seed_script_tolerance: s.seedScriptTolerance,
			qualifying_seeds: s.qualifyingSeeds,
			stop_after_misses: s.stopAfterMisses,
			updated_by: actor.userId,
			updated_at: now
		};
		await tx
			.insertInto('marking_settings')
			.values({ paper_id: paperId, ...row })
			.onConflict((oc) => oc.column('paper_id').doUpdateSet(row))
			.execute();
		await writeAudit(tx, actor, {
			action: 'marking.settings_changed',
			subjectType: 'paper',
			subjectId: paperId,
			details: { before, after: s }
		});
		return s;
	});
}
