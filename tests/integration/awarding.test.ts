import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AWARDING_DEMO, seedAwardingDemo } from '../../src/cli/demo/awarding.js';
import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import {
	approveResults,
	awardingOverview,
	papersForAwarding,
	previewBoundaries,
	releaseResults
} from '../../src/lib/server/awarding/approval.js';
import { updateBoundaries } from '../../src/lib/server/awarding/boundary-changes.js';
import { computeSittingResults } from '../../src/lib/server/awarding/compute.js';
import { importBank } from '../../src/lib/server/bank/import.js';
import { loadBank } from '../../src/lib/server/bank/load.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../../src/lib/server/errors.js';
import { createTestDatabase } from '../helpers/db.js';
import { makeStaff } from '../helpers/fixtures.js';
import { giveMarks, makeScripts } from '../helpers/marking-fixture.js';

let h: DatabaseHandle;
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

// The fixture paper: items 1, 2, 3.a, 3.b, 5 marks each (20); pass 12, first class 16.
const FULL = {
	'1': 'Members of the public',
	'2': 'Phone and email',
	'3.a': 'Trust',
	'3.b': 'Listen, apologise'
};
const each = (n: number) => ({ '1': n, '2': n, '3.a': n, '3.b': n });

describe('the awarding overview of a paper version', () => {
	it('follows a sitting from marking to released: progress, totals, state, who approved and released', async () => {
		const f = await makeScripts(h.db, [FULL, FULL, FULL, {}], { absent: [3] });
		const marker = await makeStaff(h.db, 'marker');
		const admin = await makeStaff(h.db, 'awarding_admin');
		const actor = { userId: admin.id, label: admin.email };
		const { display_name: adminName } = await h.db
			.selectFrom('app_user')
			.select('display_name')
			.where('id', '=', admin.id)
			.executeTakeFirstOrThrow();

		await giveMarks(h.db, f.scriptOf(0)!.id, marker.id, each(2));
		let o = await awardingOverview(h.db, f.paperVersionId);
		expect(o).toMatchObject({
			totalMarks: 20,
			boundaries: { pass: 12, firstClass: 16 },
			locked: false,
			state: 'marking',
			totals: []
		});
		expect(o.sittings).toHaveLength(1);
		expect(o.sittings[0]!.progress).toMatchObject({ scripts: 3, unmarked: 2, inReview: 0 });
		expect(o.sittings[0]!.centre_name).toBe(f.centre.name);
		// The paper sets no rules of its own: every threshold is this system's default.
		expect(o.rulesOverridden).toEqual([]);
		expect(o.rules).toEqual({
			narrowFailMargin: 1,
			attemptedMinShare: 0.5,
			areaMinShare: 0.5,
			maxCodes: 4
		});
		await expect(approveResults(h.db, actor, f.paperVersionId)).rejects.toThrow(
			/1 sitting of this paper still being marked/
		);

		await giveMarks(h.db, f.scriptOf(1)!.id, marker.id, each(3));
		await giveMarks(h.db, f.scriptOf(2)!.id, marker.id, each(4));
		await computeSittingResults(h.db, SYSTEM_ACTOR, f.sitting.id, 'computed');
		o = await awardingOverview(h.db, f.paperVersionId);
		expect(o.state).toBe('computed');
		// The absent candidate has no total; the three graded ones do.
		expect([...o.totals].sort((a, b) => a - b)).toEqual([8, 12, 16]);

		await approveResults(h.db, actor, f.paperVersionId);
		o = await awardingOverview(h.db, f.paperVersionId);
		expect(o).toMatchObject({ state: 'approved', locked: true });
		expect(o.sittings[0]).toMatchObject({ approved_by: adminName, released_at: null });

		await releaseResults(h.db, actor, f.paperVersionId);
		o = await awardingOverview(h.db, f.paperVersionId);
		expect(o.state).toBe('released');
		expect(o.sittings[0]!.released_by).toBe(adminName);
		expect(o.sittings[0]!.released_at).toBeInstanceOf(Date);
		expect(await papersForAwarding(h.db)).toEqual([
			{
				code: '8992-111-T',
				title: expect.any(String),
				version: 1,
				pass: 12,
				firstClass: 16,
				locked: true,
				sittings: 1,
				computed: 1,
				approved: 1,
				released: 1
			}
		]);
	});

	it('an unknown version is not found', async () => {
		await expect(awardingOverview(h.db, 'not-a-uuid')).rejects.toBeInstanceOf(NotFoundError);
		await expect(
			awardingOverview(h.db, '00000000-0000-4000-8000-000000000000')
		).rejects.toBeInstanceOf(NotFoundError);
	});
});

describe('previewing a boundary move', () => {
	it('counts who moves up and down, and the grades before and after, without saving anything', async () => {
		// A fresh database: the fixture paper's version is shared by every sitting made on one.
		const own = await createTestDatabase();
		try {
			const f = await makeScripts(own.db, [FULL, FULL, FULL, FULL]);
			const marker = await makeStaff(own.db, 'marker');
			for (const [i, n] of [2, 3, 3, 4].entries())
				await giveMarks(own.db, f.scriptOf(i)!.id, marker.id, each(n));
			await computeSittingResults(own.db, SYSTEM_ACTOR, f.sitting.id, 'computed');
			// Totals 8, 12, 12, 16 with pass 12, first class 16.
			const p = await previewBoundaries(own.db, f.paperVersionId, {
				pass: '13',
				first_class: '15'
			});
			expect(p).toEqual({
				from: { pass: 12, firstClass: 16 },
				to: { pass: 13, firstClass: 15 },
				up: 0,
				down: 2,
				changed: 2,
				before: { Fail: 1, Pass: 2, 'First Class Pass': 1 },
				after: { Fail: 3, Pass: 0, 'First Class Pass': 1 }
			});
			expect(
				await previewBoundaries(own.db, f.paperVersionId, { pass: '8', first_class: '12' })
			).toMatchObject({ up: 3, down: 0 });
			const v = await own.db
				.selectFrom('paper_version')
				.select(['pass_mark', 'first_class_mark'])
				.where('id', '=', f.paperVersionId)
				.executeTakeFirstOrThrow();
			expect(v).toEqual({ pass_mark: 12, first_class_mark: 16 });

			// The same checks as saving, in the same words.
			await expect(
				previewBoundaries(own.db, f.paperVersionId, { pass: 'abc', first_class: '15' })
			).rejects.toThrow('Pass mark must be a whole number');
			await expect(
				previewBoundaries(own.db, f.paperVersionId, { pass: '16', first_class: '15' })
			).rejects.toBeInstanceOf(ValidationError);
			await expect(
				updateBoundaries(own.db, SYSTEM_ACTOR, f.paperVersionId, { pass: '16', first_class: '15' })
			).rejects.toThrow(/The pass mark must be more than 0 and less than the first class mark/);

			// What the preview said is what saving does.
			await updateBoundaries(own.db, SYSTEM_ACTOR, f.paperVersionId, {
				pass: '13',
				first_class: '15'
			});
			const after = await awardingOverview(own.db, f.paperVersionId);
			const grades = await own.db
				.selectFrom('result')
				.select(['attempt_id', 'grade'])
				.distinctOn('attempt_id')
				.orderBy('attempt_id')
				.orderBy('version', 'desc')
				.execute();
			expect(grades.filter((g) => g.grade === 'Fail')).toHaveLength(3);
			expect(after.boundaries).toEqual({ pass: 13, firstClass: 15 });

			await approveResults(own.db, SYSTEM_ACTOR, f.paperVersionId);
			await expect(
				previewBoundaries(own.db, f.paperVersionId, { pass: '12', first_class: '16' })
			).rejects.toBeInstanceOf(ConflictError);
		} finally {
			await own.close();
		}
	});
});

describe("the demo's marked sitting", () => {
	it('is a finished sitting of the real bank whose computed results await awarding, with a spread of totals', async () => {
		const own = await createTestDatabase();
		try {
			await importBank(own.db, loadBank('questions'), SYSTEM_ACTOR);
			const marker = await makeStaff(own.db, 'marker');
			expect(await seedAwardingDemo(own.db, marker.id)).toEqual({
				paperCode: AWARDING_DEMO.paperCode,
				centreNumber: '900002',
				candidates: 24
			});
			const [row] = await papersForAwarding(own.db);
			expect(row).toMatchObject({
				code: AWARDING_DEMO.paperCode,
				sittings: 1,
				computed: 1,
				approved: 0,
				released: 0,
				locked: false
			});
			const version = await own.db
				.selectFrom('paper as p')
				.innerJoin('paper_version as v', 'v.id', 'p.current_version_id')
				.select(['v.id', 'v.total_marks'])
				.where('p.code', '=', AWARDING_DEMO.paperCode)
				.executeTakeFirstOrThrow();
			const o = await awardingOverview(own.db, version.id);
			expect(o.state).toBe('computed');
			expect(o.sittings[0]!.progress).toMatchObject({
				scripts: 23,
				unmarked: 0,
				inReview: 0,
				withoutScript: 0
			});
			// 23 graded (one absent), every grade represented.
			expect(o.totals).toHaveLength(23);
			const grades = new Set(
				o.totals.map((t) =>
					t >= o.boundaries.firstClass ? 'first' : t >= o.boundaries.pass ? 'pass' : 'fail'
				)
			);
			expect(grades).toEqual(new Set(['fail', 'pass', 'first']));
			expect(Math.max(...o.totals)).toBeLessThanOrEqual(version.total_marks);
		} finally {
			await own.close();
		}
	});
});
