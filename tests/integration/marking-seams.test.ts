import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { allocateScripts } from '../../src/lib/server/marking/allocation.js';
import { recordMark } from '../../src/lib/server/marking/marks.js';
import { markerQueue, nextScript } from '../../src/lib/server/marking/queue.js';
import * as routing from '../../src/lib/server/marking/routing.js';
import { scriptForMarker } from '../../src/lib/server/marking/script-view.js';
import { newScriptNumber } from '../../src/lib/server/scripts/store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { makeStaff } from '../helpers/fixtures.js';
import { makeScripts } from '../helpers/marking-fixture.js';

/*
 * First marking calls quality control's seams (routing.ts) where they say: the live-marking gate and
 * a possible seed before the next script is picked, onScriptMarked once a script is done. Quality
 * control fills them in on its own branch; here they are stood in for, to hold first marking to its
 * side of the contract.
 */
vi.mock('../../src/lib/server/marking/routing.js', () => ({
	liveMarkingGate: vi.fn(async () => ({ open: true })),
	onScriptMarked: vi.fn(async () => {}),
	maybeAllocateSeed: vi.fn(async () => null)
}));
const gate = vi.mocked(routing.liveMarkingGate);
const scriptMarked = vi.mocked(routing.onScriptMarked);
const seedFor = vi.mocked(routing.maybeAllocateSeed);

let h: TestDatabase;
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());
beforeEach(() => {
	gate.mockReset().mockResolvedValue({ open: true });
	scriptMarked.mockReset().mockResolvedValue();
	seedFor.mockReset().mockResolvedValue(null);
});

async function markerWithScripts(n: number) {
	const f = await makeScripts(
		h.db,
		Array.from({ length: n }, () => ({
			'1': 'An answer',
			'2': 'Two',
			'3.a': 'Part a',
			'3.b': 'Part b'
		}))
	);
	const marker = await makeStaff(h.db, 'marker');
	const admin = await makeStaff(h.db, 'awarding_admin');
	await allocateScripts(
		h.db,
		{ userId: admin.id, label: admin.email },
		{ paper_version_id: f.paperVersionId, marker_ids: [marker.id], limit: n }
	);
	const [paper] = await markerQueue(h.db, marker.id);
	return { f, marker, paper: paper! };
}

describe('the seams first marking calls', () => {
	it('a closed gate shows its reason and no live work: not in the queue, not next, not on the screen', async () => {
		const { marker, paper } = await markerWithScripts(1);
		const scriptId = paper.scripts[0]!.scriptId;
		gate.mockResolvedValue({ open: false, reason: 'Mark your standardisation scripts first.' });
		const [closed] = await markerQueue(h.db, marker.id);
		expect(closed).toMatchObject({
			gate: { open: false, reason: 'Mark your standardisation scripts first.' },
			scripts: []
		});
		expect(await nextScript(h.db, { markerId: marker.id, paperId: paper.paperId })).toEqual({
			scriptId: null,
			gate: { open: false, reason: 'Mark your standardisation scripts first.' }
		});
		expect(gate).toHaveBeenCalledWith(expect.anything(), marker.id, paper.paperId);
		expect(await scriptForMarker(h.db, marker.id, scriptId)).toMatchObject({
			closed: 'Mark your standardisation scripts first.',
			items: []
		});
	});

	it('a seed handed out before the next script is picked opens next, and looks like any other script', async () => {
		const { marker, paper } = await markerWithScripts(1);
		const live = paper.scripts[0]!;
		let seedId = '';
		seedFor.mockImplementation(async (tx, e) => {
			const source = await tx
				.selectFrom('script')
				.selectAll()
				.where('id', '=', live.scriptId)
				.executeTakeFirstOrThrow();
			const seed = await tx
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
			for (const item_key of ['1', '2', '3.a', '3.b']) {
				await tx
					.insertInto('allocation')
					.values({
						script_id: seed.id,
						item_key,
						marker_id: e.markerId,
						purpose: 'seed',
						allocated_at: e.now
					})
					.execute();
			}
			seedId = seed.id;
			return seed.id;
		});
		const next = await nextScript(h.db, { markerId: marker.id, paperId: paper.paperId });
		expect(seedFor).toHaveBeenCalledWith(
			expect.anything(),
			expect.objectContaining({ markerId: marker.id, paperId: paper.paperId })
		);
		expect(next.scriptId).toBe(seedId);
		const [queue] = await markerQueue(h.db, marker.id);
		const shown = queue!.scripts.find((s) => s.scriptId === seedId)!;
		// The same fields as live work, nothing saying "seed".
		expect(Object.keys(shown).sort()).toEqual(Object.keys(live).sort());
		expect(JSON.stringify(queue)).not.toMatch(/seed/i);
		const view = await scriptForMarker(h.db, marker.id, seedId);
		expect(JSON.stringify(view)).not.toMatch(/seed|standardis/i);
		expect(view.items).toHaveLength(4);
		// Marks on it carry the seed authority (they never count towards a result).
		await recordMark(h.db, {
			markerId: marker.id,
			allocationId: view.items[0]!.allocationId,
			award: { kind: 'mark', mark: 2 }
		});
		const mark = await h.db
			.selectFrom('mark')
			.select('authority')
			.where('script_id', '=', seedId)
			.executeTakeFirstOrThrow();
		expect(mark.authority).toBe('seed');
	});

	it('onScriptMarked is told once, in the transaction, when the last item of the script has a mark', async () => {
		const { marker, paper } = await markerWithScripts(1);
		const scriptId = paper.scripts[0]!.scriptId;
		const view = await scriptForMarker(h.db, marker.id, scriptId);
		for (const [n, item] of view.items.entries()) {
			await recordMark(h.db, {
				markerId: marker.id,
				allocationId: item.allocationId,
				award: { kind: 'mark', mark: 1 }
			});
			expect(scriptMarked).toHaveBeenCalledTimes(n === view.items.length - 1 ? 1 : 0);
		}
		expect(scriptMarked).toHaveBeenCalledWith(
			expect.anything(),
			expect.objectContaining({ scriptId, purpose: 'first', markerId: marker.id })
		);
		// A change of mind afterwards is a new mark, not a second "script marked".
		await recordMark(h.db, {
			markerId: marker.id,
			allocationId: view.items[0]!.allocationId,
			award: { kind: 'mark', mark: 3 }
		});
		expect(scriptMarked).toHaveBeenCalledTimes(1);
		// If quality control fails, the mark that completed the script is not kept either.
		const before = (await h.db.selectFrom('mark').select('id').execute()).length;
		const { marker: m2, paper: p2 } = await markerWithScripts(1);
		const v2 = await scriptForMarker(h.db, m2.id, p2.scripts[0]!.scriptId);
		for (const item of v2.items.slice(0, -1))
			await recordMark(h.db, {
				markerId: m2.id,
				allocationId: item.allocationId,
				award: { kind: 'mark', mark: 1 }
			});
		scriptMarked.mockRejectedValueOnce(new Error('routing failed'));
		await expect(
			recordMark(h.db, {
				markerId: m2.id,
				allocationId: v2.items.at(-1)!.allocationId,
				award: { kind: 'mark', mark: 1 }
			})
		).rejects.toThrow('routing failed');
		expect((await h.db.selectFrom('mark').select('id').execute()).length).toBe(
			before + v2.items.length - 1
		);
	});
});
