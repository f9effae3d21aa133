import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Actor } from '../../src/lib/server/audit/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../../src/lib/server/errors.js';
import { voidAttempt } from '../../src/lib/server/invigilation/voiding.js';
import { allocationView, markingOverview } from '../../src/lib/server/marking/allocation-view.js';
import { allocateScripts } from '../../src/lib/server/marking/allocation.js';
import { recordMark } from '../../src/lib/server/marking/marks.js';
import { markerQueue, nextScript } from '../../src/lib/server/marking/queue.js';
import { reallocateScript, withdrawUnstarted } from '../../src/lib/server/marking/reallocation.js';
import { scriptForMarker } from '../../src/lib/server/marking/script-view.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { makeStaff } from '../helpers/fixtures.js';
import { makeScripts } from '../helpers/marking-fixture.js';
import { paperIdOf, qualifyMarker } from '../helpers/quality-fixture.js';

/*
 * First marking on a real database: allocation (whole scripts, by question, evenly), moving unmarked
 * work and never marked work, marks appended and judged by the grid, another marker's work a 404.
 * Each test makes its own sitting of the fixture paper (items 1, 2, 3.a, 3.b); every sitting uses
 * the same paper version, so tests allocate their own scripts by limiting what they look at.
 */
let h: TestDatabase;
let admin: Actor;
beforeAll(async () => {
	h = await createTestDatabase();
	const a = await makeStaff(h.db, 'awarding_admin');
	admin = { userId: a.id, label: a.email };
});
afterAll(() => h.close());

const ALL = ['1', '2', '3.a', '3.b'];
const answers = {
	'1': 'Members of the public',
	'2': 'Email',
	'3.a': 'Trust',
	'3.b': 'Listen, apologise, act'
};

async function activeAllocations(scriptId: string) {
	return h.db
		.selectFrom('allocation')
		.selectAll()
		.where('script_id', '=', scriptId)
		.where('withdrawn_at', 'is', null)
		.orderBy('item_key')
		.execute();
}

/** Withdraws every active allocation so each test starts from its own unallocated scripts. */
async function freshScripts(n: number, blank: number[] = []) {
	await h.db
		.updateTable('allocation')
		.set({ withdrawn_at: new Date() })
		.where('withdrawn_at', 'is', null)
		.execute();
	// Earlier tests' scripts drop out by voiding their attempts (they stop standing).
	await h.db
		.updateTable('attempt')
		.set({ state: 'void', voided_from: 'submitted' })
		.where('state', '=', 'submitted')
		.where('id', 'in', (eb) => eb.selectFrom('script').select('attempt_id'))
		.execute();
	return makeScripts(
		h.db,
		Array.from({ length: n }, (_, i) => (blank.includes(i) ? {} : answers))
	);
}

describe('allocation', () => {
	it('shares unallocated scripts evenly among markers as whole scripts, one row per item; audited; counts per paper', async () => {
		const f = await freshScripts(5);
		const [m1, m2] = [await makeStaff(h.db, 'marker'), await makeStaff(h.db, 'marker')];
		const r = await allocateScripts(h.db, admin, {
			paper_version_id: f.paperVersionId,
			marker_ids: [m1.id, m2.id]
		});
		expect(r.scripts).toBe(5);
		expect(r.byMarker.map((b) => b.scripts).sort()).toEqual([2, 3]);
		for (const s of f.scripts) {
			const rows = await activeAllocations(s.id);
			expect(rows.map((x) => x.item_key)).toEqual(ALL);
			expect(new Set(rows.map((x) => x.marker_id)).size).toBe(1);
			expect(rows.every((x) => x.purpose === 'first' && x.allocated_by === admin.userId)).toBe(
				true
			);
		}
		// Nothing left to share: a second run allocates nothing.
		expect(
			(
				await allocateScripts(h.db, admin, {
					paper_version_id: f.paperVersionId,
					marker_ids: [m1.id]
				})
			).scripts
		).toBe(0);
		const audit = await h.db
			.selectFrom('audit_log')
			.selectAll()
			.where('action', '=', 'marking.allocate')
			.where('subject_id', '=', f.paperVersionId)
			.execute();
		expect(audit).toHaveLength(1);
		const counts = (await markingOverview(h.db)).find(
			(p) => p.paperVersionId === f.paperVersionId
		)!;
		expect(counts).toMatchObject({ scripts: 5, unallocated: 0, allocated: 5, marked: 0 });
	});

	it('allocates by question: items 3(a), 3(b) to one marker, the rest to others; a script is unallocated until every item is held', async () => {
		const f = await freshScripts(2);
		const [a, b, c] = [
			await makeStaff(h.db, 'marker'),
			await makeStaff(h.db, 'marker'),
			await makeStaff(h.db, 'marker')
		];
		const r = await allocateScripts(h.db, admin, {
			paper_version_id: f.paperVersionId,
			marker_ids: [c.id],
			item_keys: ['3.b', '3.a']
		});
		expect(r).toMatchObject({ scripts: 2, items: ['3.a', '3.b'] });
		let counts = (await markingOverview(h.db)).find((p) => p.paperVersionId === f.paperVersionId)!;
		expect(counts).toMatchObject({ scripts: 2, unallocated: 2, allocated: 0 });
		await allocateScripts(h.db, admin, {
			paper_version_id: f.paperVersionId,
			marker_ids: [a.id, b.id]
		});
		for (const s of f.scripts) {
			const rows = await activeAllocations(s.id);
			expect(rows.map((x) => x.item_key)).toEqual(ALL);
			expect(
				rows.filter((x) => x.item_key.startsWith('3')).every((x) => x.marker_id === c.id)
			).toBe(true);
			expect(
				new Set(rows.filter((x) => !x.item_key.startsWith('3')).map((x) => x.marker_id)).size
			).toBe(1);
		}
		counts = (await markingOverview(h.db)).find((p) => p.paperVersionId === f.paperVersionId)!;
		expect(counts).toMatchObject({ scripts: 2, unallocated: 0, allocated: 2 });
	});

	it('refuses what is not a marker, an unknown question and no marker, changing nothing', async () => {
		const f = await freshScripts(1);
		const notMarker = await makeStaff(h.db, 'moderator');
		const m = await makeStaff(h.db, 'marker');
		await expect(
			allocateScripts(h.db, admin, {
				paper_version_id: f.paperVersionId,
				marker_ids: [notMarker.id]
			})
		).rejects.toThrow(ValidationError);
		await expect(
			allocateScripts(h.db, admin, {
				paper_version_id: f.paperVersionId,
				marker_ids: [m.id],
				item_keys: ['9']
			})
		).rejects.toThrow(/no question 9/);
		await expect(
			allocateScripts(h.db, admin, { paper_version_id: f.paperVersionId, marker_ids: [] })
		).rejects.toThrow(/at least one marker/);
		expect(await activeAllocations(f.scripts[0]!.id)).toEqual([]);
	});

	it('two allocations of the same script at once give one winner: each item is held once, by one marker', async () => {
		const f = await freshScripts(1);
		const [a, b] = [await makeStaff(h.db, 'marker'), await makeStaff(h.db, 'marker')];
		const other = h.connect(h.role);
		const results = await Promise.all([
			allocateScripts(h.db, admin, { paper_version_id: f.paperVersionId, marker_ids: [a.id] }),
			allocateScripts(other.db, admin, { paper_version_id: f.paperVersionId, marker_ids: [b.id] })
		]);
		expect(results.map((r) => r.scripts).sort()).toEqual([0, 1]);
		const rows = await activeAllocations(f.scripts[0]!.id);
		expect(rows.map((x) => x.item_key)).toEqual(ALL);
		expect(new Set(rows.map((x) => x.marker_id)).size).toBe(1);
		// The database itself refuses a second active allocation of an item (the partial unique index).
		await expect(
			h.db
				.insertInto('allocation')
				.values({ script_id: f.scripts[0]!.id, item_key: '1', marker_id: a.id, purpose: 'first' })
				.execute()
		).rejects.toThrow();
	});

	it('re-allocates unmarked work (withdrawn, then given to another) and never marked work; audited', async () => {
		const f = await freshScripts(2);
		const [a, b] = [await makeStaff(h.db, 'marker'), await makeStaff(h.db, 'marker')];
		await qualifyMarker(h.db, a.id, await paperIdOf(h.db, f.paperVersionId));
		await allocateScripts(h.db, admin, { paper_version_id: f.paperVersionId, marker_ids: [a.id] });
		const [s1, s2] = f.scripts;
		// a marks one item of s1.
		const alloc1 = (await activeAllocations(s1!.id)).find((x) => x.item_key === '1')!;
		await recordMark(h.db, {
			markerId: a.id,
			allocationId: alloc1.id,
			award: { kind: 'mark', mark: 2 }
		});

		await expect(
			reallocateScript(h.db, admin, {
				paper_version_id: f.paperVersionId,
				script_number: s1!.script_number,
				to_marker_id: b.id
			})
		).rejects.toThrow(/has marks on question 1: marked work stays/);
		expect((await activeAllocations(s1!.id)).every((x) => x.marker_id === a.id)).toBe(true);
		// The unmarked questions of s1 may move.
		await reallocateScript(h.db, admin, {
			paper_version_id: f.paperVersionId,
			script_number: s1!.script_number.toLowerCase(),
			to_marker_id: b.id,
			item_keys: ['2', '3.a', '3.b']
		});
		const s1rows = await activeAllocations(s1!.id);
		expect(s1rows.map((x) => [x.item_key, x.marker_id === a.id ? 'a' : 'b'])).toEqual([
			['1', 'a'],
			['2', 'b'],
			['3.a', 'b'],
			['3.b', 'b']
		]);
		const withdrawn = await h.db
			.selectFrom('allocation')
			.selectAll()
			.where('script_id', '=', s1!.id)
			.where('withdrawn_at', 'is not', null)
			.where('marker_id', '=', a.id)
			.execute();
		expect(withdrawn).toHaveLength(3);
		expect(withdrawn.every((w) => w.withdrawn_by === admin.userId)).toBe(true);
		// Withdrawn with nobody to take it: s2 becomes unallocated again.
		await reallocateScript(h.db, admin, {
			paper_version_id: f.paperVersionId,
			script_number: s2!.script_number,
			to_marker_id: ''
		});
		expect(await activeAllocations(s2!.id)).toEqual([]);
		const actions = (
			await h.db
				.selectFrom('audit_log')
				.select('action')
				.where('subject_type', '=', 'script')
				.execute()
		).map((x) => x.action);
		expect(actions).toEqual(expect.arrayContaining(['marking.reallocate', 'marking.withdraw']));
		// A mark saved on withdrawn work is refused, and nothing is written.
		const before = await h.db.selectFrom('mark').select('id').execute();
		const old = withdrawn[0]!;
		await expect(
			recordMark(h.db, { markerId: a.id, allocationId: old.id, award: { kind: 'mark', mark: 1 } })
		).rejects.toThrow(/re-allocated/);
		expect(await h.db.selectFrom('mark').select('id').execute()).toHaveLength(before.length);
	});

	it('withdraws the scripts a marker has not started and keeps those they have', async () => {
		const f = await freshScripts(3);
		const a = await makeStaff(h.db, 'marker');
		await qualifyMarker(h.db, a.id, await paperIdOf(h.db, f.paperVersionId));
		await allocateScripts(h.db, admin, { paper_version_id: f.paperVersionId, marker_ids: [a.id] });
		const started = (await activeAllocations(f.scripts[0]!.id))[0]!;
		await recordMark(h.db, {
			markerId: a.id,
			allocationId: started.id,
			award: { kind: 'mark', mark: 1 }
		});
		expect(
			await withdrawUnstarted(h.db, admin, { paper_version_id: f.paperVersionId, marker_id: a.id })
		).toEqual({ withdrawn: 2, kept: 1 });
		expect(await activeAllocations(f.scripts[0]!.id)).toHaveLength(4);
		expect(await activeAllocations(f.scripts[1]!.id)).toHaveLength(0);
		const view = await allocationView(h.db, f.paperVersionId);
		expect(view.counts).toMatchObject({ scripts: 3, unallocated: 2, allocated: 1, marked: 0 });
		expect(view.markers.find((m) => m.id === a.id)).toMatchObject({ scripts: 1, marked: 0 });
	});
});

describe('marks', () => {
	it('records marks judged by the grid, appends every save, completes the script once every item has a mark', async () => {
		const f = await freshScripts(1);
		const m = await makeStaff(h.db, 'marker');
		await qualifyMarker(h.db, m.id, await paperIdOf(h.db, f.paperVersionId));
		await allocateScripts(h.db, admin, { paper_version_id: f.paperVersionId, marker_ids: [m.id] });
		const s = f.scripts[0]!;
		const byKey = new Map((await activeAllocations(s.id)).map((x) => [x.item_key, x.id]));

		// Points grid: each point worth up to 1; the item is worth 5 (six points: capped, with a note).
		const six = await recordMark(h.db, {
			markerId: m.id,
			allocationId: byKey.get('1')!,
			award: { kind: 'points', awarded: { p1: 1, p2: 1, p3: 1, p4: 1, p5: 1, p6: 1 } }
		});
		expect(six).toMatchObject({
			mark: 5,
			total: 5,
			markedItems: 1,
			items: 4,
			scriptComplete: false
		});
		expect(six.notes.join()).toMatch(/capped/);
		const again = await recordMark(h.db, {
			markerId: m.id,
			allocationId: byKey.get('1')!,
			award: { kind: 'mark', mark: 3 },
			fk: true,
			comment: 'Second look'
		});
		expect(again.total).toBe(3);
		// Levels grid: a level and a mark within it.
		await recordMark(h.db, {
			markerId: m.id,
			allocationId: byKey.get('3.b')!,
			award: { kind: 'level', level: 2, mark: 4 }
		});
		await recordMark(h.db, {
			markerId: m.id,
			allocationId: byKey.get('2')!,
			award: { kind: 'mark', mark: 0 }
		});
		let queue = await markerQueue(h.db, m.id);
		expect(queue[0]!.scripts[0]).toMatchObject({
			scriptNumber: s.script_number,
			items: 4,
			markedItems: 3,
			done: false
		});
		const last = await recordMark(h.db, {
			markerId: m.id,
			allocationId: byKey.get('3.a')!,
			award: { kind: 'mark', mark: 2 }
		});
		expect(last).toMatchObject({ total: 9, markedItems: 4, scriptComplete: true });
		// Its first marking is complete (a second marker of earlier tests may now hold it for second marking).
		const rows = (await activeAllocations(s.id)).filter((x) => x.purpose === 'first');
		expect(rows).toHaveLength(4);
		expect(rows.every((x) => x.completed_at !== null)).toBe(true);
		queue = await markerQueue(h.db, m.id);
		expect(queue[0]).toMatchObject({ markedScripts: 1 });

		const marks = await h.db
			.selectFrom('mark')
			.selectAll()
			.where('script_id', '=', s.id)
			.orderBy('id')
			.execute();
		expect(marks.map((x) => [x.item_key, x.mark, x.authority])).toEqual([
			['1', 5, 'first'],
			['1', 3, 'first'],
			['3.b', 4, 'first'],
			['2', 0, 'first'],
			['3.a', 2, 'first']
		]);
		expect(marks[1]).toMatchObject({ fk: true, comment: 'Second look' });
		// Append-only: the table refuses changing or removing a mark.
		await expect(
			h.db.updateTable('mark').set({ mark: 0 }).where('id', '=', marks[0]!.id).execute()
		).rejects.toThrow();
		await expect(
			h.db.deleteFrom('mark').where('id', '=', marks[0]!.id).execute()
		).rejects.toThrow();

		// The screen shows the latest own mark per item, and the total.
		const view = await scriptForMarker(h.db, m.id, s.id);
		expect(view).toMatchObject({ total: 9, maxTotal: 20, markedItems: 4 });
		expect(view.items.find((i) => i.key === '1')!.own).toMatchObject({
			mark: 3,
			fk: true,
			comment: 'Second look',
			award: { kind: 'mark', mark: 3 }
		});
	});

	it('refuses a mark above the grid, below zero, out of its level or with a bad comment, with a reason, writing nothing', async () => {
		const f = await freshScripts(1);
		const m = await makeStaff(h.db, 'marker');
		await qualifyMarker(h.db, m.id, await paperIdOf(h.db, f.paperVersionId));
		await allocateScripts(h.db, admin, { paper_version_id: f.paperVersionId, marker_ids: [m.id] });
		const byKey = new Map(
			(await activeAllocations(f.scripts[0]!.id)).map((x) => [x.item_key, x.id])
		);
		const count = async () => (await h.db.selectFrom('mark').select('id').execute()).length;
		const before = await count();
		const refusals: [string, unknown, RegExp, unknown?][] = [
			['1', { kind: 'mark', mark: 6 }, /Question 1: This item is worth at most 5 marks/],
			['1', { kind: 'mark', mark: -1 }, /cannot be below 0/],
			['1', { kind: 'mark', mark: 1.5 }, /whole number/],
			['1', { kind: 'points', awarded: { p1: 2 } }, /worth at most 1 mark/],
			['3.b', { kind: 'level', level: 1, mark: 4 }, /Question 3\(b\): Level 1 is 1–2 marks/],
			['1', { kind: 'mark', mark: 'three' }, /must be a number/],
			[
				'1',
				{ kind: 'mark', mark: 1 },
				/comment contains a character that is not allowed \(NUL\)/,
				'bad\u0000comment'
			],
			['1', { kind: 'mark', mark: 1 }, /cannot contain control characters/, 'bad\u001b[2Jcomment'],
			['1', { kind: 'mark', mark: 1 }, /at most 2000 characters/, 'x'.repeat(2001)]
		];
		for (const [key, award, reason, comment] of refusals) {
			await expect(
				recordMark(h.db, { markerId: m.id, allocationId: byKey.get(key)!, award, comment }),
				JSON.stringify(award)
			).rejects.toThrow(reason);
		}
		expect(await count()).toBe(before);
	});

	it('a blank item is not attempted, shows no answer, and may be marked 0', async () => {
		const f = await freshScripts(1, [0]);
		const m = await makeStaff(h.db, 'marker');
		await qualifyMarker(h.db, m.id, await paperIdOf(h.db, f.paperVersionId));
		await allocateScripts(h.db, admin, { paper_version_id: f.paperVersionId, marker_ids: [m.id] });
		const view = await scriptForMarker(h.db, m.id, f.scripts[0]!.id);
		expect(view.items.map((i) => [i.key, i.answer, i.attempted])).toEqual(
			ALL.map((k) => [k, null, false])
		);
		const r = await recordMark(h.db, {
			markerId: m.id,
			allocationId: view.items[0]!.allocationId,
			award: { kind: 'mark', mark: 0 }
		});
		expect(r.mark).toBe(0);
	});

	it('another marker reading or marking a script gets not found, and nothing is written; a voided script drops out', async () => {
		const f = await freshScripts(2);
		const [owner, other] = [await makeStaff(h.db, 'marker'), await makeStaff(h.db, 'marker')];
		await allocateScripts(h.db, admin, {
			paper_version_id: f.paperVersionId,
			marker_ids: [owner.id]
		});
		const s = f.scripts[0]!;
		const alloc = (await activeAllocations(s.id))[0]!;
		await expect(scriptForMarker(h.db, other.id, s.id)).rejects.toThrow(NotFoundError);
		await expect(
			scriptForMarker(h.db, other.id, '00000000-0000-4000-8000-000000000000')
		).rejects.toThrow(NotFoundError);
		const before = (await h.db.selectFrom('mark').select('id').execute()).length;
		await expect(
			recordMark(h.db, {
				markerId: other.id,
				allocationId: alloc.id,
				award: { kind: 'mark', mark: 1 }
			})
		).rejects.toThrow(NotFoundError);
		// The owner naming another script in the URL than the allocation's: not found either.
		await expect(
			recordMark(h.db, {
				markerId: owner.id,
				allocationId: alloc.id,
				scriptId: f.scripts[1]!.id,
				award: { kind: 'mark', mark: 1 }
			})
		).rejects.toThrow(NotFoundError);
		expect((await h.db.selectFrom('mark').select('id').execute()).length).toBe(before);
		expect(await markerQueue(h.db, other.id)).toEqual([]);

		// The attempt behind the second script is voided after submission: its marking stops.
		const s2 = f.scripts[1]!;
		const attempt = await h.db
			.selectFrom('script')
			.select('attempt_id')
			.where('id', '=', s2.id)
			.executeTakeFirstOrThrow();
		const alloc2 = (await activeAllocations(s2.id))[0]!;
		await voidAttempt(
			h.db,
			{ ...f.ctx, now: new Date() },
			f.sitting.id,
			attempt.attempt_id,
			'Malpractice found later'
		);
		await expect(
			recordMark(h.db, {
				markerId: owner.id,
				allocationId: alloc2.id,
				award: { kind: 'mark', mark: 1 }
			})
		).rejects.toThrow(ConflictError);
		await expect(scriptForMarker(h.db, owner.id, s2.id)).rejects.toThrow(NotFoundError);
	});

	it('"Start marking" opens the oldest script with unmarked work', async () => {
		const f = await freshScripts(2);
		const m = await makeStaff(h.db, 'marker');
		await qualifyMarker(h.db, m.id, await paperIdOf(h.db, f.paperVersionId));
		await allocateScripts(h.db, admin, { paper_version_id: f.paperVersionId, marker_ids: [m.id] });
		const [q] = await markerQueue(h.db, m.id);
		const first = await nextScript(h.db, { markerId: m.id, paperId: q!.paperId });
		expect(first.gate.open).toBe(true);
		expect(first.scriptId).toBe(q!.scripts[0]!.scriptId);
		const view = await scriptForMarker(h.db, m.id, first.scriptId!);
		for (const i of view.items)
			await recordMark(h.db, {
				markerId: m.id,
				allocationId: i.allocationId,
				award: { kind: 'mark', mark: 1 }
			});
		expect((await nextScript(h.db, { markerId: m.id, paperId: q!.paperId })).scriptId).toBe(
			q!.scripts[1]!.scriptId
		);
	});
});
