import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import { computeSittingResults } from '../../src/lib/server/awarding/compute.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { ValidationError } from '../../src/lib/server/errors.js';
import { allocateScripts } from '../../src/lib/server/marking/allocation.js';
import { recordMark } from '../../src/lib/server/marking/marks.js';
import { scriptForMarker } from '../../src/lib/server/marking/script-view.js';
import { createTestDatabase } from '../helpers/db.js';
import { makeStaff } from '../helpers/fixtures.js';
import { giveMarks, makeScripts } from '../helpers/marking-fixture.js';
import { paperIdOf, qualifyMarker } from '../helpers/quality-fixture.js';

/*
 * A blank answer scores 0 (issue 21, item 7): the marking screen said so and then stored the 1 a
 * marker typed. The server now refuses it, and the result rules count a blank as 0 whatever is
 * stored (a mark given before the refusal existed).
 */
let h: DatabaseHandle;
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

describe('a blank answer scores 0', () => {
	it('a mark above 0 on a blank item is refused with the reason and nothing is written; 0 is taken', async () => {
		// Item 2 left blank; the others written.
		const f = await makeScripts(h.db, [{ '1': 'Shoppers', '3.a': 'Trust', '3.b': 'Listen' }]);
		const marker = await makeStaff(h.db, 'marker');
		const admin = await makeStaff(h.db, 'awarding_admin');
		await qualifyMarker(h.db, marker.id, await paperIdOf(h.db, f.paperVersionId));
		await allocateScripts(
			h.db,
			{ userId: admin.id, label: admin.email },
			{ paper_version_id: f.paperVersionId, marker_ids: [marker.id], limit: 1 }
		);
		const scriptId = f.scriptOf(0)!.id;
		const view = await scriptForMarker(h.db, marker.id, scriptId);
		const allocationOf = (key: string) => view.items.find((i) => i.key === key)!.allocationId;
		const give = (key: string, mark: number) =>
			recordMark(h.db, {
				markerId: marker.id,
				allocationId: allocationOf(key),
				award: { kind: 'mark', mark }
			});

		const refused = await give('2', 1).catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(ValidationError);
		expect((refused as ValidationError).message).toBe(
			'Question 2 has no answer written, so it scores 0: a mark of 1 cannot be recorded.'
		);
		expect(
			await h.db.selectFrom('mark').select('id').where('script_id', '=', scriptId).execute()
		).toEqual([]);

		await expect(give('2', 0)).resolves.toMatchObject({ itemKey: '2', mark: 0 });
		await expect(give('1', 3)).resolves.toMatchObject({ itemKey: '1', mark: 3 });
	});

	it('a mark stored on a blank item counts 0 in the result', async () => {
		const f = await makeScripts(h.db, [{ '1': 'Shoppers', '2': 'Email', '3.a': 'Trust' }]);
		const marker = await makeStaff(h.db, 'marker');
		// 3.b was left blank, yet carries 4 marks (stored before the server refused such marks).
		await giveMarks(h.db, f.scriptOf(0)!.id, marker.id, { '1': 4, '2': 4, '3.a': 3, '3.b': 4 });
		await computeSittingResults(h.db, SYSTEM_ACTOR, f.sitting.id, 'computed');
		const result = await h.db
			.selectFrom('result')
			.select(['total', 'grade'])
			.where('attempt_id', '=', f.attemptOf(f.candidates[0]!.id))
			.executeTakeFirstOrThrow();
		// 4 + 4 + 3 = 11, below the pass mark of 12; with the blank's 4 it would have been a Pass.
		expect(result).toEqual({ total: 11, grade: 'Fail' });
	});
});
