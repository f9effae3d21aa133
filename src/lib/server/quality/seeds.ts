import type { Kysely } from 'kysely';
import { z } from 'zod';

import { type SeedItemJudgement, type SeedPurpose } from '../../domain/standardisation.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { violatedUniqueConstraint } from '../db/unique.js';
import { ValidationError } from '../errors.js';
import { newScriptNumber } from '../scripts/store.js';
import { latestMarksOf, paperItems, scriptPaper } from './quality.js';

/*
 * Seeds (standardisation scripts): a lead copies a live script and gives every item its agreed mark
 * and a rationale; markers' judged seeds are shown to them with that rationale once they qualify.
 */

export const MAX_RATIONALE = 4000;

const seedInput = z.object({
	scriptNumber: z.string().trim().min(1, 'Give the number of the script to copy'),
	purpose: z.enum(['qualification', 'live'], {
		message: 'Choose whether the seed is for qualification or for live marking'
	}),
	rationale: z
		.string()
		.trim()
		.min(1, 'Give the rationale markers will read')
		.max(MAX_RATIONALE, `The rationale may be at most ${MAX_RATIONALE} characters`),
	marks: z.record(z.string(), z.string())
});

/**
 * A lead makes a seed: a copy of a live script under a number of its own (a marker cannot tell it
 * from live work), the agreed mark of every item (each within the item's marks) and the rationale.
 */
export async function createSeed(
	db: Kysely<Database>,
	actor: Actor & { userId: string },
	input: unknown,
	now: Date
): Promise<{ scriptId: string }> {
	const parsed = seedInput.safeParse(input);
	if (!parsed.success) {
		throw new ValidationError(
			parsed.error.issues[0]!.message,
			parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? ''), message: i.message }))
		);
	}
	const v = parsed.data;
	const source = await db
		.selectFrom('script')
		.selectAll()
		.where('script_number', '=', v.scriptNumber.toUpperCase())
		.executeTakeFirst();
	if (!source || source.kind !== 'live')
		throw new ValidationError(`There is no live script numbered ${v.scriptNumber}`, [
			{ field: 'scriptNumber', message: 'No such live script' }
		]);
	const paper = await scriptPaper(db, source.id);
	const items = await paperItems(db, source.paper_version_id);
	const agreed = agreedMarksFrom(items, v.marks);
	for (let tries = 0; ; tries++) {
		try {
			return await db.transaction().execute(async (tx) => {
				const copy = await tx
					.insertInto('script')
					.values({
						script_number: newScriptNumber(),
						paper_version_id: source.paper_version_id,
						attempt_id: source.attempt_id,
						kind: 'seed',
						source_script_id: source.id
					})
					.returning('id')
					.executeTakeFirstOrThrow();
				const seed = await tx
					.insertInto('seed')
					.values({
						script_id: copy.id,
						paper_id: paper.paperId,
						purpose: v.purpose,
						rationale: v.rationale,
						created_by: actor.userId,
						created_at: now
					})
					.returning('id')
					.executeTakeFirstOrThrow();
				await tx
					.insertInto('mark')
					.values(
						agreed.map((a) => ({
							script_id: copy.id,
							item_key: a.itemKey,
							marker_id: actor.userId,
							authority: 'agreed' as const,
							mark: a.mark,
							created_at: now
						}))
					)
					.execute();
				await writeAudit(tx, actor, {
					action: 'marking.seed_created',
					subjectType: 'script',
					subjectId: copy.id,
					details: {
						seedId: seed.id,
						sourceScript: source.script_number,
						purpose: v.purpose,
						total: agreed.reduce((s, a) => s + a.mark, 0)
					}
				});
				return { scriptId: copy.id };
			});
		} catch (err) {
			if (tries < 4 && violatedUniqueConstraint(err) === 'script_script_number_key') continue;
			throw err;
		}
	}
}

/** Marks typed per item ("3" for item '1'…): whole numbers from 0 to the item's marks, every item given. */
export function agreedMarksFrom(
	items: { itemKey: string; label: string; maxMarks: number }[],
	typed: Record<string, string>
) {
	const issues: { field: string; message: string }[] = [];
	const out: { itemKey: string; mark: number }[] = [];
	for (const i of items) {
		const raw = (typed[i.itemKey] ?? '').trim();
		if (!/^\d+$/.test(raw) || Number(raw) > i.maxMarks) {
			issues.push({
				field: `mark-${i.itemKey}`,
				message: `Mark for question ${i.label} must be a whole number from 0 to ${i.maxMarks}`
			});
		} else out.push({ itemKey: i.itemKey, mark: Number(raw) });
	}
	if (issues.length) throw new ValidationError(issues[0]!.message, issues);
	return out;
}

export interface SeedFeedback {
	scriptNumber: string;
	purpose: SeedPurpose;
	within: boolean;
	givenTotal: number;
	agreedTotal: number;
	items: (SeedItemJudgement & { label: string })[];
	rationale: string;
	judgedAt: Date;
}

/** A marker's judged seeds on a paper with the agreed marks and rationale: shown only once they have qualified. */
export async function seedFeedback(
	db: Db,
	markerId: string,
	paperId: string
): Promise<SeedFeedback[] | null> {
	const qualified = await db
		.selectFrom('marker_standing')
		.select('id')
		.where('marker_id', '=', markerId)
		.where('paper_id', '=', paperId)
		.where('standing', '=', 'live')
		.executeTakeFirst();
	if (!qualified) return null;
	const rows = await db
		.selectFrom('seed_judgement as j')
		.innerJoin('seed as s', 's.script_id', 'j.seed_script_id')
		.innerJoin('script as sc', 'sc.id', 's.script_id')
		.select([
			'sc.script_number',
			'sc.paper_version_id',
			'j.purpose',
			'j.within',
			'j.given_total',
			'j.agreed_total',
			'j.items',
			's.rationale',
			'j.judged_at'
		])
		.where('j.marker_id', '=', markerId)
		.where('j.paper_id', '=', paperId)
		.orderBy('j.id', 'desc')
		.execute();
	const labels = new Map<string, Map<string, string>>();
	const out: SeedFeedback[] = [];
	for (const r of rows) {
		if (!labels.has(r.paper_version_id))
			labels.set(
				r.paper_version_id,
				new Map((await paperItems(db, r.paper_version_id)).map((i) => [i.itemKey, i.label]))
			);
		const l = labels.get(r.paper_version_id)!;
		out.push({
			scriptNumber: r.script_number,
			purpose: r.purpose,
			within: r.within,
			givenTotal: r.given_total,
			agreedTotal: r.agreed_total,
			items: r.items.map((i) => ({
				...i,
				label: l.get(i.itemKey) ?? i.itemKey
			})),
			rationale: r.rationale,
			judgedAt: r.judged_at
		});
	}
	return out;
}

/** The seeds of a paper for the lead: number, source, purpose, agreed total, rationale, how many markers took each. */
export async function listSeeds(db: Db, paperId: string) {
	const rows = await db
		.selectFrom('seed as s')
		.innerJoin('script as sc', 'sc.id', 's.script_id')
		.innerJoin('script as src', 'src.id', 'sc.source_script_id')
		.innerJoin('app_user as u', 'u.id', 's.created_by')
		.select([
			's.id',
			's.script_id as scriptId',
			'sc.script_number as scriptNumber',
			'src.script_number as sourceNumber',
			's.purpose',
			's.rationale',
			'u.display_name as createdBy',
			's.created_at as createdAt'
		])
		.where('s.paper_id', '=', paperId)
		.orderBy('s.created_at')
		.execute();
	const out = [];
	for (const r of rows) {
		const agreed = await latestMarksOf(db, r.scriptId, 'agreed');
		const judged = await db
			.selectFrom('seed_judgement')
			.select([
				(eb) => eb.fn.countAll<number>().as('n'),
				(eb) => eb.fn.count<number>('id').filterWhere('within', '=', true).as('within')
			])
			.where('seed_script_id', '=', r.scriptId)
			.executeTakeFirst();
		out.push({
			...r,
			agreedTotal: [...agreed.values()].reduce((s, m) => s + m, 0),
			judged: Number(judged?.n ?? 0),
			within: Number(judged?.within ?? 0)
		});
	}
	return out;
}
