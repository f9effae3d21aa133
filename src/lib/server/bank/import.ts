import type { Kysely } from 'kysely';

import { paperItems, paperTotal } from '../../domain/paper.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Database } from '../db/schema.js';
import type { Bank } from './load.js';

export interface ImportSummary {
	unitsChanged: string[];
	papersCreated: string[];
	newVersions: { code: string; version: number }[];
	/** Papers whose file matches an earlier stored version again (A → B → A): that version is current again. */
	reverted: { code: string; version: number }[];
	unchanged: string[];
}

/**
 * Imports the good files of a checked bank. Idempotent: a paper whose content hash is already
 * stored is left alone (its boundaries, which administrators may have edited, are not touched).
 * Changed content becomes a new version; earlier versions stay, for the sittings that used them.
 * Content that matches an earlier stored version (a reverted edit) makes that version current again.
 */
export async function importBank(
	db: Kysely<Database>,
	bank: Bank,
	actor: Actor
): Promise<ImportSummary> {
	const summary: ImportSummary = {
		unitsChanged: [],
		papersCreated: [],
		newVersions: [],
		reverted: [],
		unchanged: []
	};
	await db.transaction().execute(async (tx) => {
		for (const { unit, contentHash } of bank.units.values()) {
			const existing = await tx
				.selectFrom('unit')
				.select('content_hash')
				.where('code', '=', unit.unit)
				.executeTakeFirst();
			if (existing?.content_hash === contentHash) continue;
			const row = {
				title: unit.title,
				level: unit.level,
				route: unit.route,
				status: unit.status,
				content: JSON.stringify(unit),
				content_hash: contentHash,
				updated_at: new Date()
			};
			if (existing) await tx.updateTable('unit').set(row).where('code', '=', unit.unit).execute();
			else
				await tx
					.insertInto('unit')
					.values({ code: unit.unit, ...row })
					.execute();
			summary.unitsChanged.push(unit.unit);
		}

		for (const { paper, contentHash } of bank.papers) {
			let stored = await tx
				.selectFrom('paper')
				.select(['id', 'current_version_id'])
				.where('code', '=', paper.code)
				.executeTakeFirst();
			if (!stored) {
				stored = await tx
					.insertInto('paper')
					.values({ code: paper.code, unit_code: paper.unit, kind: paper.kind })
					.returning(['id', 'current_version_id'])
					.executeTakeFirstOrThrow();
				summary.papersCreated.push(paper.code);
			}
			const same = await tx
				.selectFrom('paper_version')
				.select(['id', 'version'])
				.where('paper_id', '=', stored.id)
				.where('content_hash', '=', contentHash)
				.orderBy('version', 'desc')
				.executeTakeFirst();
			if (same && same.id === stored.current_version_id) {
				summary.unchanged.push(paper.code);
				continue;
			}
			if (same) {
				// The file is back to an earlier version's content: that version (with its own
				// boundaries, as stored) becomes current again; no new version is made.
				await tx
					.updateTable('paper')
					.set({ current_version_id: same.id, kind: paper.kind })
					.where('id', '=', stored.id)
					.execute();
				summary.reverted.push({ code: paper.code, version: same.version });
				await writeAudit(tx, actor, {
					action: 'bank.revert_version',
					subjectType: 'paper',
					subjectId: paper.code,
					details: { version: same.version, content_hash: contentHash }
				});
				continue;
			}
			const last = await tx
				.selectFrom('paper_version')
				.select((eb) => eb.fn.max('version').as('v'))
				.where('paper_id', '=', stored.id)
				.executeTakeFirst();
			const version = Number(last?.v ?? 0) + 1;
			const v = await tx
				.insertInto('paper_version')
				.values({
					paper_id: stored.id,
					version,
					content_hash: contentHash,
					title: paper.title,
					content: JSON.stringify(paper),
					total_marks: paperTotal(paper),
					duration_minutes: paper.duration_minutes,
					reading_minutes: paper.reading_minutes,
					pass_mark: paper.boundaries.pass,
					first_class_mark: paper.boundaries.first_class
				})
				.returning('id')
				.executeTakeFirstOrThrow();
			await tx
				.insertInto('paper_item')
				.values(
					paperItems(paper).map((item, position) => ({
						paper_version_id: v.id,
						item_key: item.key,
						position,
						label: item.label,
						max_marks: item.marks,
						area: item.area
					}))
				)
				.execute();
			await tx
				.updateTable('paper')
				.set({ current_version_id: v.id, kind: paper.kind })
				.where('id', '=', stored.id)
				.execute();
			summary.newVersions.push({ code: paper.code, version });
			await writeAudit(tx, actor, {
				action: 'bank.import_version',
				subjectType: 'paper',
				subjectId: paper.code,
				details: { version, content_hash: contentHash }
			});
		}
	});
	return summary;
}
