import type { Kysely } from 'kysely';

import { writeAudit, type Actor } from '../audit/index.js';
import type { Database } from '../db/schema.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { isUuid } from '../validation.js';
import { regradeAfterBoundaries } from './approval.js';
import { checkBoundaries } from './boundaries.js';

/** Changes a version's boundaries: audited, refused once its results are approved (locked). */
export async function updateBoundaries(
	db: Kysely<Database>,
	actor: Actor,
	versionId: string,
	input: unknown
): Promise<void> {
	if (!isUuid(versionId)) throw new NotFoundError('No such paper version');
	const changed = await db.transaction().execute(async (tx) => {
		const v = await tx
			.selectFrom('paper_version')
			.select([
				'id',
				'total_marks',
				'pass_mark',
				'first_class_mark',
				'boundaries_locked_at',
				'paper_id'
			])
			.where('id', '=', versionId)
			.forUpdate()
			.executeTakeFirst();
		if (!v) throw new NotFoundError('No such paper version');
		if (v.boundaries_locked_at)
			throw new ConflictError('Boundaries are locked: results for this paper have been approved.');
		const { pass, firstClass } = checkBoundaries(input, v.total_marks);
		const b = { pass, first_class: firstClass };
		if (b.pass === v.pass_mark && b.first_class === v.first_class_mark) return false;
		await tx
			.updateTable('paper_version')
			.set({ pass_mark: b.pass, first_class_mark: b.first_class })
			.where('id', '=', versionId)
			.execute();
		await writeAudit(tx, actor, {
			action: 'paper.update_boundaries',
			subjectType: 'paper_version',
			subjectId: versionId,
			details: { before: { pass: v.pass_mark, first_class: v.first_class_mark }, after: b }
		});
		return true;
	});
	// Results already computed (not yet approved) are graded again with the new boundaries.
	if (changed) await regradeAfterBoundaries(db, actor, versionId);
}
