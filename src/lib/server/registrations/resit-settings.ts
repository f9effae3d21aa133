import { type Kysely } from 'kysely';
import { z } from 'zod';

import { DEFAULT_RESIT_SETTINGS, type ResitSettings } from '../../domain/resits.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Database } from '../db/schema.js';
import { parse } from '../validation.js';

/* The awarding administrator's resit settings: how many attempts at a unit, and how far apart. */

export async function getResitSettings(db: Kysely<Database>): Promise<ResitSettings> {
	const r = await db
		.selectFrom('resit_settings')
		.select(['max_attempts', 'min_interval_days'])
		.executeTakeFirst();
	return r
		? { maxAttempts: r.max_attempts, minIntervalDays: r.min_interval_days }
		: DEFAULT_RESIT_SETTINGS;
}

export const resitSettingsSchema = z.object({
	max_attempts: z.coerce
		.number({ message: 'Enter a whole number' })
		.int('Enter a whole number')
		.min(1, 'At least 1 attempt')
		.max(20, 'At most 20 attempts'),
	min_interval_days: z.coerce
		.number({ message: 'Enter a whole number' })
		.int('Enter a whole number')
		.min(0, 'At least 0 days')
		.max(365, 'At most 365 days')
});

/** The awarding administrator sets the attempts limit and the interval. Audited with before and after. */
export async function setResitSettings(
	db: Kysely<Database>,
	actor: Actor,
	input: unknown
): Promise<ResitSettings> {
	const v = parse(resitSettingsSchema, input);
	return db.transaction().execute(async (tx) => {
		const before = await getResitSettings(tx);
		await tx
			.insertInto('resit_settings')
			.values({
				id: true,
				max_attempts: v.max_attempts,
				min_interval_days: v.min_interval_days,
				updated_by: actor.userId
			})
			.onConflict((oc) =>
				oc.column('id').doUpdateSet({
					max_attempts: v.max_attempts,
					min_interval_days: v.min_interval_days,
					updated_by: actor.userId,
					updated_at: new Date()
				})
			)
			.execute();
		const after = { maxAttempts: v.max_attempts, minIntervalDays: v.min_interval_days };
		await writeAudit(tx, actor, {
			action: 'resit.settings',
			subjectType: 'resit_settings',
			details: { before, after }
		});
		return after;
	});
}
