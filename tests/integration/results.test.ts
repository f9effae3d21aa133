import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import {
	approveResults,
	previewBoundaries,
	releaseResults,
	resultsApproved
} from '../../src/lib/server/awarding/approval.js';
import { updateBoundaries } from '../../src/lib/server/awarding/boundary-changes.js';
import {
	computeFinishedSittings,
	computeSittingResults,
	markingProgress
} from '../../src/lib/server/awarding/compute.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { ConflictError } from '../../src/lib/server/errors.js';
import { voidAttempt } from '../../src/lib/server/invigilation/voiding.js';
import { createTestDatabase } from '../helpers/db.js';
import { makeStaff } from '../helpers/fixtures.js';
import { giveMarks, makeScripts } from '../helpers/marking-fixture.js';

let h: DatabaseHandle;
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

// The fixture paper: items 1 (FL), 2 (FN), 3.a (FM), 3.b (FO), 5 marks each; pass 12, first class 16.
const FULL = {
	'1': 'Members of the public and businesses',
	'2': 'Phone and email',
	'3.a': 'Trust',
	'3.b': 'Listen, apologise, put it right'
};

async function latest(attemptId: string) {
	return h.db
		.selectFrom('result')
		.selectAll()
		.where('attempt_id', '=', attemptId)
		.orderBy('version', 'desc')
		.executeTakeFirstOrThrow();
}

describe('computing results', () => {
	it('waits for every final mark, then grades with codes; absent and voided candidates carry their status and no grade', async () => {
		const f = await makeScripts(h.db, [FULL, { '1': 'Shoppers', '2': 'A letter' }, FULL, {}], {
			absent: [3]
		});
		const marker = await makeStaff(h.db, 'marker');
		await giveMarks(h.db, f.scriptOf(0)!.id, marker.id, { '1': 5, '2': 5, '3.a': 4, '3.b': 4 });
		await giveMarks(h.db, f.scriptOf(1)!.id, marker.id, { '1': 2, '2': 1, '3.a': 0 });
		await expect(
			computeSittingResults(h.db, SYSTEM_ACTOR, f.sitting.id, 'computed')
		).rejects.toThrow(/Marking is not finished: 2 scripts still to mark/);
		expect(
			await h.db
				.selectFrom('result')
				.select('id')
				.where('attempt_id', '=', f.attemptOf(f.candidates[0]!.id))
				.execute()
		).toHaveLength(0);

		await giveMarks(h.db, f.scriptOf(1)!.id, marker.id, { '3.b': { mark: 0, fk: true } });
		await giveMarks(h.db, f.scriptOf(2)!.id, marker.id, { '1': 3, '2': 3, '3.a': 3, '3.b': 2 });
		// Candidate 2's script is voided after submission (malpractice found later): no grade.
		await voidAttempt(
			h.db,
			f.ctx,
			f.sitting.id,
			f.attemptOf(f.candidates[2]!.id),
			'Copied from notes'
		);
		expect(await markingProgress(h.db, f.sitting.id)).toMatchObject({ unmarked: 0, inReview: 0 });

		expect(await computeSittingResults(h.db, SYSTEM_ACTOR, f.sitting.id, 'computed')).toBe(4);
		expect(await latest(f.attemptOf(f.candidates[0]!.id))).toMatchObject({
			status: 'graded',
			grade: 'First Class Pass',
			total: 18,
			codes: [],
			version: 1
		});
		// 3 of 20: items 1 and 2 attempted (10 of 20 marks: not under half, so no AB); 3.a blank; FK on 3.b; weakest FM 0/5 and FO 0/5.
		expect(await latest(f.attemptOf(f.candidates[1]!.id))).toMatchObject({
			status: 'graded',
			grade: 'Fail',
			total: 3,
			codes: ['FK', 'FM', 'FO', 'FN']
		});
		expect(await latest(f.attemptOf(f.candidates[2]!.id))).toMatchObject({
			status: 'void',
			grade: null,
			total: null
		});
		expect(await latest(f.attemptOf(f.candidates[3]!.id))).toMatchObject({
			status: 'absent',
			grade: null,
			total: null
		});
		// Computing again writes nothing.
		expect(await computeSittingResults(h.db, SYSTEM_ACTOR, f.sitting.id, 'computed')).toBe(0);
	});

	it('an open second marking holds the results back', async () => {
		const f = await makeScripts(h.db, [FULL]);
		const [first, second] = [await makeStaff(h.db, 'marker'), await makeStaff(h.db, 'marker')];
		const script = f.scriptOf(0)!.id;
		await giveMarks(h.db, script, first.id, { '1': 5, '2': 5, '3.a': 5, '3.b': 5 });
		await h.db
			.insertInto('allocation')
			.values({ script_id: script, item_key: '1', marker_id: second.id, purpose: 'second' })
			.execute();
		await expect(
			computeSittingResults(h.db, SYSTEM_ACTOR, f.sitting.id, 'computed')
		).rejects.toThrow(/1 script in second marking or moderation/);
		expect(await computeFinishedSittings(h.db)).toBe(0);
		await h.db
			.updateTable('allocation')
			.set({ completed_at: new Date() })
			.where('script_id', '=', script)
			.execute();
		expect(await computeFinishedSittings(h.db)).toBeGreaterThanOrEqual(1);
		expect((await latest(f.attemptOf(f.candidates[0]!.id))).grade).toBe('First Class Pass');
	});
});

describe('awarding', () => {
	it('moving the boundaries regrades as a new version; approval locks boundaries and results; release needs approval', async () => {
		const f = await makeScripts(h.db, [FULL, FULL]);
		const marker = await makeStaff(h.db, 'marker');
		await giveMarks(h.db, f.scriptOf(0)!.id, marker.id, { '1': 3, '2': 3, '3.a': 3, '3.b': 3 });
		await giveMarks(h.db, f.scriptOf(1)!.id, marker.id, { '1': 4, '2': 4, '3.a': 4, '3.b': 4 });
		await computeSittingResults(h.db, SYSTEM_ACTOR, f.sitting.id, 'computed');
		const a0 = f.attemptOf(f.candidates[0]!.id);
		expect(await latest(a0)).toMatchObject({ grade: 'Pass', total: 12, version: 1 });

		expect(
			await previewBoundaries(h.db, f.paperVersionId, { pass: '13', first_class: '16' })
		).toMatchObject({ up: 0, down: 1, changed: 1 });
		await releaseResults(h.db, SYSTEM_ACTOR, f.paperVersionId).then(
			() => expect.fail('released before approval'),
			(e) => expect(e).toBeInstanceOf(ConflictError)
		);
		await updateBoundaries(h.db, SYSTEM_ACTOR, f.paperVersionId, { pass: '13', first_class: '16' });
		expect(await latest(a0)).toMatchObject({
			grade: 'Fail',
			total: 12,
			version: 2,
			cause: 'boundaries',
			pass_mark: 13,
			codes: ['AA', 'FL']
		});
		const history = await h.db
			.selectFrom('result')
			.select(['version', 'grade'])
			.where('attempt_id', '=', a0)
			.orderBy('version')
			.execute();
		expect(history).toEqual([
			{ version: 1, grade: 'Pass' },
			{ version: 2, grade: 'Fail' }
		]);

		expect(await approveResults(h.db, SYSTEM_ACTOR, f.paperVersionId)).toBeGreaterThanOrEqual(1);
		expect(await resultsApproved(h.db, f.paperVersionId)).toBe(true);
		await expect(
			updateBoundaries(h.db, SYSTEM_ACTOR, f.paperVersionId, { pass: '12', first_class: '16' })
		).rejects.toThrow(/locked/);
		await expect(
			computeSittingResults(h.db, SYSTEM_ACTOR, f.sitting.id, 'computed')
		).rejects.toThrow(/approved/);
		expect(await releaseResults(h.db, SYSTEM_ACTOR, f.paperVersionId)).toBeGreaterThanOrEqual(1);
		const status = await h.db
			.selectFrom('sitting_results')
			.selectAll()
			.where('sitting_id', '=', f.sitting.id)
			.executeTakeFirstOrThrow();
		expect(status.released_at).not.toBeNull();
		const audit = await h.db
			.selectFrom('audit_log')
			.select('action')
			.where('subject_id', '=', f.paperVersionId)
			.execute();
		expect(audit.map((a) => a.action)).toEqual(
			expect.arrayContaining(['paper.update_boundaries', 'results.approved', 'results.released'])
		);
	});
	it('result versions are append-only', async () => {
		const row = await h.db.selectFrom('result').select('id').executeTakeFirstOrThrow();
		await expect(
			h.db.updateTable('result').set({ total: 99 }).where('id', '=', row.id).execute()
		).rejects.toThrow();
	});
});
