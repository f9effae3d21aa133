import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { finalMarks } from '../../src/lib/domain/marking.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { ConflictError, ValidationError } from '../../src/lib/server/errors.js';
import { recordMark } from '../../src/lib/server/marking/marks.js';
import { liveMarkingGate, maybeAllocateSeed } from '../../src/lib/server/marking/routing.js';
import { scriptForMarker } from '../../src/lib/server/marking/script-view.js';
import {
	recentScripts,
	reinstateMarker,
	sendBackForRemarking
} from '../../src/lib/server/quality/marker-review.js';
import { decideCase, getCase } from '../../src/lib/server/quality/moderation.js';
import { markerPerformance } from '../../src/lib/server/quality/performance.js';
import { allocateScript } from '../../src/lib/server/quality/quality.js';
import { createSeed, seedFeedback } from '../../src/lib/server/quality/seeds.js';
import { startStandardisation } from '../../src/lib/server/quality/standardisation.js';
import { currentStanding, setStanding } from '../../src/lib/server/quality/standing.js';
import { createTestDatabase } from '../helpers/db.js';
import { makeStaff } from '../helpers/fixtures.js';
import { makeScripts } from '../helpers/marking-fixture.js';
import {
	finishScript,
	marksTotalling,
	paperIdOf,
	qualifyMarker
} from '../helpers/quality-fixture.js';

let h: DatabaseHandle;
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

const actorOf = (u: { id: string; email: string }) => ({ userId: u.id, label: u.email });

async function settings(paperId: string, s: Partial<Record<string, number>> = {}) {
	const row = {
		paper_id: paperId,
		sample_percent: 10,
		boundary_window: 2,
		second_mark_tolerance: 3,
		seed_every: 3,
		seed_item_tolerance: 1,
		seed_script_tolerance: 2,
		qualifying_seeds: 2,
		stop_after_misses: 2,
		...s
	};
	await h.db
		.insertInto('marking_settings')
		.values(row)
		.onConflict((oc) => oc.column('paper_id').doUpdateSet(row))
		.execute();
}

async function sm(scriptId: string) {
	return h.db
		.selectFrom('second_marking')
		.selectAll()
		.where('script_id', '=', scriptId)
		.executeTakeFirst();
}
async function allocationsOf(scriptId: string, purpose: string) {
	return h.db
		.selectFrom('allocation')
		.selectAll()
		.where('script_id', '=', scriptId)
		.where('purpose', '=', purpose as never)
		.where('withdrawn_at', 'is', null)
		.execute();
}

describe('second marking routing', () => {
	it('waits for the whole paper to be first-marked, takes the boundary scripts and a sample, and gives each blind to a marker who did not first-mark it', async () => {
		// Fixture paper: 20 marks, pass 12, first class 16; window 2 takes totals 10–14 and 14–18.
		const totals = [5, 11, 20, 7, 8, 3, 15, 0, 9, 6];
		const f = await makeScripts(
			h.db,
			totals.map(() => ({ '1': 'An answer' }))
		);
		const paperId = await paperIdOf(h.db, f.paperVersionId);
		await settings(paperId);
		const [a, b, c] = [
			await makeStaff(h.db, 'marker'),
			await makeStaff(h.db, 'marker'),
			await makeStaff(h.db, 'marker')
		];
		const moderator = await makeStaff(h.db, 'moderator');
		for (const m of [a, b, c]) await qualifyMarker(h.db, m.id, paperId);
		const scripts = totals.map((_, i) => f.scriptOf(i)!);
		const firstMarker = (i: number) => (i % 2 ? a : b);
		for (const [i, s] of scripts.entries()) {
			await allocateScript(h.db, {
				scriptId: s.id,
				paperVersionId: f.paperVersionId,
				markerId: firstMarker(i).id,
				purpose: 'first',
				allocatedBy: null,
				now: new Date()
			});
		}
		for (const [i, s] of scripts.entries()) {
			if (i === scripts.length - 1) continue;
			await finishScript(h.db, {
				scriptId: s.id,
				markerId: firstMarker(i).id,
				purpose: 'first',
				marks: marksTotalling(totals[i]!),
				comment: `FIRST-NOTE ${i}`
			});
			expect(
				await sm(s.id),
				'nothing is selected before the paper is first-marked'
			).toBeUndefined();
		}
		const last = scripts.length - 1;
		await finishScript(h.db, {
			scriptId: scripts[last]!.id,
			markerId: firstMarker(last).id,
			purpose: 'first',
			marks: marksTotalling(totals[last]!)
		});

		const rows = await h.db
			.selectFrom('second_marking')
			.selectAll()
			.where('paper_version_id', '=', f.paperVersionId)
			.execute();
		expect(rows).toHaveLength(10);
		const reasonOf = new Map(rows.map((r) => [r.script_id, r.reason]));
		expect(reasonOf.get(scripts[1]!.id)).toBe('boundary');
		expect(reasonOf.get(scripts[6]!.id)).toBe('boundary');
		expect(rows.filter((r) => r.reason === 'sample')).toHaveLength(1);
		expect(rows.filter((r) => r.reason === null).every((r) => r.state === 'not_selected')).toBe(
			true
		);
		for (const r of rows.filter((r) => r.reason !== null)) {
			expect(r.state).toBe('second_marking');
			const i = scripts.findIndex((s) => s.id === r.script_id);
			expect(r.first_total).toBe(totals[i]);
			const second = await allocationsOf(r.script_id, 'second');
			expect(second).toHaveLength(4);
			expect(new Set(second.map((x) => x.marker_id)).size).toBe(1);
			expect(second[0]!.marker_id).not.toBe(firstMarker(i).id);
			// Blind: the second marker's view of the script carries nothing of the first marking.
			const view = JSON.stringify(await scriptForMarker(h.db, second[0]!.marker_id, r.script_id));
			expect(view).not.toContain('FIRST-NOTE');
			expect(view).not.toContain(firstMarker(i).id);
			const { display_name } = await h.db
				.selectFrom('app_user')
				.select('display_name')
				.where('id', '=', firstMarker(i).id)
				.executeTakeFirstOrThrow();
			expect(view).not.toContain(display_name);
			expect(view).not.toContain(firstMarker(i).email);
			expect(view).not.toMatch(/"mark":[1-9]/);
		}

		// Within tolerance: the pair agrees, the second mark stands.
		const agreeing = scripts[1]!;
		const agreeingSecond = (await allocationsOf(agreeing.id, 'second'))[0]!.marker_id;
		await finishScript(h.db, {
			scriptId: agreeing.id,
			markerId: agreeingSecond,
			purpose: 'second',
			marks: marksTotalling(13)
		});
		expect(await sm(agreeing.id)).toMatchObject({
			state: 'agreed',
			first_total: 11,
			second_total: 13
		});
		expect(await allocationsOf(agreeing.id, 'moderation')).toHaveLength(0);

		// Beyond tolerance: referred to a moderator who marked neither.
		const apart = scripts[6]!;
		const apartSecond = (await allocationsOf(apart.id, 'second'))[0]!.marker_id;
		await finishScript(h.db, {
			scriptId: apart.id,
			markerId: apartSecond,
			purpose: 'second',
			marks: marksTotalling(10),
			comment: 'Weak on 3(b)'
		});
		expect(await sm(apart.id)).toMatchObject({
			state: 'referred',
			first_total: 15,
			second_total: 10
		});
		const moderation = await allocationsOf(apart.id, 'moderation');
		expect(moderation.map((x) => x.marker_id)).toEqual(Array(4).fill(moderator.id));

		// The moderator sees both marks, who gave them and when.
		const kase = await getCase(h.db, apart.id);
		expect(kase.items[0]).toMatchObject({ itemKey: '1', first: { mark: 5 }, second: { mark: 5 } });
		expect(kase.items[3]).toMatchObject({
			itemKey: '3.b',
			first: { mark: 0 },
			second: { mark: 0 }
		});
		expect(
			kase.history
				.filter((m) => m.authority === 'second')
				.every((m) => m.comment === 'Weak on 3(b)')
		).toBe(true);
		expect(new Set(kase.history.map((m) => m.authority))).toEqual(new Set(['first', 'second']));
		expect(JSON.stringify(kase)).not.toMatch(/Cand|Test Centre|Room 1/);

		// Bad input changes nothing; a good decision closes the case and becomes the final mark.
		await expect(
			decideCase(
				h.db,
				actorOf(moderator),
				apart.id,
				{ marks: { '1': '6', '2': '1', '3.a': '1', '3.b': '1' } },
				new Date()
			)
		).rejects.toThrow(ValidationError);
		await expect(
			decideCase(h.db, actorOf(moderator), apart.id, { marks: { '1': '4' } }, new Date())
		).rejects.toThrow(/Mark for question/);
		expect((await sm(apart.id))!.state).toBe('referred');
		await decideCase(
			h.db,
			actorOf(moderator),
			apart.id,
			{ marks: { '1': '4', '2': '4', '3.a': '3', '3.b': '1' }, comment: 'Between the two' },
			new Date()
		);
		expect(await sm(apart.id)).toMatchObject({ state: 'resolved', resolved_by: moderator.id });
		const marks = await h.db
			.selectFrom('mark')
			.select(['id', 'item_key as itemKey', 'authority', 'mark', 'fk'])
			.where('script_id', '=', apart.id)
			.execute();
		const final = finalMarks(marks.map((m) => ({ ...m, id: Number(m.id) })));
		expect([...final.values()].reduce((s, m) => s + m.mark, 0)).toBe(12);
		expect([...final.values()].every((m) => m.authority === 'moderator')).toBe(true);
		await expect(
			decideCase(
				h.db,
				actorOf(moderator),
				apart.id,
				{ marks: { '1': '1', '2': '1', '3.a': '1', '3.b': '1' } },
				new Date()
			)
		).rejects.toThrow(ConflictError);
		const audit = await h.db
			.selectFrom('audit_log')
			.select('action')
			.where('subject_id', '=', apart.id)
			.execute();
		expect(audit.map((x) => x.action)).toEqual(
			expect.arrayContaining(['marking.referred_to_moderator', 'marking.moderated'])
		);

		// The lead's performance page counts each first marker's pairs.
		const perf = await markerPerformance(h.db, paperId);
		const ofA = perf.find((p) => p.markerId === a.id)!;
		const ofB = perf.find((p) => p.markerId === b.id)!;
		expect(ofA.scriptsMarked + ofB.scriptsMarked).toBe(10);
		expect(ofA.pairsJudged + ofB.pairsJudged).toBe(2);
		expect(ofA.pairsAgreed + ofB.pairsAgreed).toBe(1);
	});

	it('selects exactly once when the last two scripts are finished at the same moment', async () => {
		const f = await makeScripts(h.db, [{ '1': 'x' }, { '1': 'y' }]);
		const paperId = await paperIdOf(h.db, f.paperVersionId);
		const [a, b, c] = [
			await makeStaff(h.db, 'marker'),
			await makeStaff(h.db, 'marker'),
			await makeStaff(h.db, 'marker')
		];
		for (const m of [a, b, c]) await qualifyMarker(h.db, m.id, paperId);
		const [s0, s1] = [f.scriptOf(0)!, f.scriptOf(1)!];
		await allocateScript(h.db, {
			scriptId: s0.id,
			paperVersionId: f.paperVersionId,
			markerId: a.id,
			purpose: 'first',
			allocatedBy: null,
			now: new Date()
		});
		await allocateScript(h.db, {
			scriptId: s1.id,
			paperVersionId: f.paperVersionId,
			markerId: b.id,
			purpose: 'first',
			allocatedBy: null,
			now: new Date()
		});
		const selectionsNow = async () =>
			(
				await h.db
					.selectFrom('audit_log')
					.select('id')
					.where('action', '=', 'marking.second_marking_selected')
					.where('subject_id', '=', f.paperVersionId)
					.execute()
			).length;
		const before = await selectionsNow();
		await Promise.all([
			finishScript(h.db, {
				scriptId: s0.id,
				markerId: a.id,
				purpose: 'first',
				marks: marksTotalling(2)
			}),
			finishScript(h.db, {
				scriptId: s1.id,
				markerId: b.id,
				purpose: 'first',
				marks: marksTotalling(3)
			})
		]);
		const rows = await h.db
			.selectFrom('second_marking')
			.select('script_id')
			.where('script_id', 'in', [s0.id, s1.id])
			.execute();
		expect(rows).toHaveLength(2);
		expect(await selectionsNow()).toBe(before + 1);
	});
});

describe('standardisation', () => {
	it('holds a new marker until their last seeds are within tolerance, then opens live marking and shows their deviations', async () => {
		const f = await makeScripts(h.db, [
			{ '1': 'Seed one' },
			{ '1': 'Seed two' },
			{ '1': 'Seed three' },
			{ '1': 'Live' }
		]);
		const paperId = await paperIdOf(h.db, f.paperVersionId);
		await settings(paperId, { qualifying_seeds: 2 });
		const lead = await makeStaff(h.db, 'moderator');
		const marker = await makeStaff(h.db, 'marker');

		expect(await liveMarkingGate(h.db, marker.id, paperId)).toMatchObject({
			open: false,
			reason: expect.stringMatching(/not yet agreed the standardisation scripts/)
		});
		// Leads set the standard: their own moderation and marking are never held.
		expect(await liveMarkingGate(h.db, lead.id, paperId)).toEqual({ open: true });

		const agreed = { '1': '3', '2': '2', '3.a': '4', '3.b': '1' };
		await expect(
			createSeed(
				h.db,
				actorOf(lead),
				{
					scriptNumber: f.scriptOf(0)!.script_number,
					purpose: 'qualification',
					rationale: '',
					marks: agreed
				},
				new Date()
			)
		).rejects.toThrow(/rationale/);
		await expect(
			createSeed(
				h.db,
				actorOf(lead),
				{
					scriptNumber: f.scriptOf(0)!.script_number,
					purpose: 'qualification',
					rationale: 'x',
					marks: { ...agreed, '3.b': '9' }
				},
				new Date()
			)
		).rejects.toThrow(/3\(b\)|from 0 to 5/);
		expect(
			await h.db.selectFrom('seed').select('id').where('paper_id', '=', paperId).execute()
		).toHaveLength(0);
		const seeds = [];
		for (const i of [0, 1, 2]) {
			seeds.push(
				await createSeed(
					h.db,
					actorOf(lead),
					{
						scriptNumber: f.scriptOf(i)!.script_number,
						purpose: 'qualification',
						rationale: `Seed ${i}: credit named types only`,
						marks: agreed
					},
					new Date()
				)
			);
		}
		const copy = await h.db
			.selectFrom('script')
			.selectAll()
			.where('id', '=', seeds[0]!.scriptId)
			.executeTakeFirstOrThrow();
		expect(copy).toMatchObject({ kind: 'seed', source_script_id: f.scriptOf(0)!.id });
		expect(copy.script_number).not.toBe(f.scriptOf(0)!.script_number);

		expect((await liveMarkingGate(h.db, marker.id, paperId)).reason).toMatch(
			/last 2 standardisation scripts are within tolerance \(now 0 of 2\)/
		);
		expect(
			await startStandardisation(h.db, { markerId: marker.id, paperId, now: new Date() })
		).toBe(2);
		await expect(
			startStandardisation(h.db, { markerId: marker.id, paperId, now: new Date() })
		).rejects.toThrow(/waiting in your queue/);

		// First seed out of tolerance (item 1 off by 2), second within.
		await finishScript(h.db, {
			scriptId: seeds[0]!.scriptId,
			markerId: marker.id,
			purpose: 'seed',
			marks: { '1': 5, '2': 2, '3.a': 4, '3.b': 1 }
		});
		await finishScript(h.db, {
			scriptId: seeds[1]!.scriptId,
			markerId: marker.id,
			purpose: 'seed',
			marks: { '1': 3, '2': 3, '3.a': 4, '3.b': 1 }
		});
		expect((await liveMarkingGate(h.db, marker.id, paperId)).open).toBe(false);
		expect(await seedFeedback(h.db, marker.id, paperId)).toBeNull();
		// One more seed: the last two are now within tolerance.
		expect(
			await startStandardisation(h.db, { markerId: marker.id, paperId, now: new Date() })
		).toBe(1);
		await finishScript(h.db, {
			scriptId: seeds[2]!.scriptId,
			markerId: marker.id,
			purpose: 'seed',
			marks: { '1': 2, '2': 2, '3.a': 4, '3.b': 1 }
		});
		expect(await liveMarkingGate(h.db, marker.id, paperId)).toEqual({ open: true });

		const feedback = (await seedFeedback(h.db, marker.id, paperId))!;
		expect(feedback).toHaveLength(3);
		const missed = feedback.find((s) => !s.within)!;
		expect(missed.items[0]).toMatchObject({
			label: '1',
			given: 5,
			agreed: 3,
			deviation: 2,
			within: false
		});
		expect(missed.rationale).toMatch(/credit named types only/);
	});

	it('slips live seeds in at the rate, stops a marker after consecutive misses, and lets a lead reinstate them and send their scripts back', async () => {
		const f = await makeScripts(
			h.db,
			Array.from({ length: 8 }, (_, i) => ({ '1': `Answer ${i}` }))
		);
		const paperId = await paperIdOf(h.db, f.paperVersionId);
		await settings(paperId, { seed_every: 3, stop_after_misses: 2, qualifying_seeds: 1 });
		const lead = await makeStaff(h.db, 'moderator');
		const marker = await makeStaff(h.db, 'marker');
		const other = await makeStaff(h.db, 'marker');
		await qualifyMarker(h.db, marker.id, paperId);
		await qualifyMarker(h.db, other.id, paperId);
		const agreed = { '1': '3', '2': '3', '3.a': '3', '3.b': '3' };
		const liveSeeds = [];
		for (const i of [6, 7]) {
			liveSeeds.push(
				await createSeed(
					h.db,
					actorOf(lead),
					{
						scriptNumber: f.scriptOf(i)!.script_number,
						purpose: 'live',
						rationale: 'Agreed at the meeting',
						marks: agreed
					},
					new Date()
				)
			);
		}
		// The marking happens after the seeds and the qualification (made just now): a fixed hour of
		// the day failed the test when the run itself fell inside that hour.
		const start = Date.now() + 60 * 60_000;
		const t = (min: number) => new Date(start + min * 60_000);
		// No seed before two live scripts (one in three).
		expect(await maybeAllocateSeed(h.db, { markerId: marker.id, paperId, now: t(0) })).toBeNull();
		for (const i of [0, 1]) {
			await allocateScript(h.db, {
				scriptId: f.scriptOf(i)!.id,
				paperVersionId: f.paperVersionId,
				markerId: marker.id,
				purpose: 'first',
				allocatedBy: null,
				now: t(i + 1)
			});
			await finishScript(h.db, {
				scriptId: f.scriptOf(i)!.id,
				markerId: marker.id,
				purpose: 'first',
				marks: marksTotalling(10),
				now: t(i + 2)
			});
		}
		const seed1 = await maybeAllocateSeed(h.db, { markerId: marker.id, paperId, now: t(5) });
		expect(seed1).toBe(liveSeeds[0]!.scriptId);
		// While a seed is waiting, no second one.
		expect(await maybeAllocateSeed(h.db, { markerId: marker.id, paperId, now: t(6) })).toBeNull();
		await finishScript(h.db, {
			scriptId: seed1!,
			markerId: marker.id,
			purpose: 'seed',
			marks: { '1': 0, '2': 0, '3.a': 0, '3.b': 0 },
			now: t(7)
		});
		expect((await currentStanding(h.db, marker.id, paperId)).standing).toBe('live');
		for (const i of [2, 3]) {
			await allocateScript(h.db, {
				scriptId: f.scriptOf(i)!.id,
				paperVersionId: f.paperVersionId,
				markerId: marker.id,
				purpose: 'first',
				allocatedBy: null,
				now: t(i + 8)
			});
			await finishScript(h.db, {
				scriptId: f.scriptOf(i)!.id,
				markerId: marker.id,
				purpose: 'first',
				marks: marksTotalling(19),
				now: t(i + 9)
			});
		}
		const seed2 = await maybeAllocateSeed(h.db, { markerId: marker.id, paperId, now: t(20) });
		expect(seed2).toBe(liveSeeds[1]!.scriptId);
		await finishScript(h.db, {
			scriptId: seed2!,
			markerId: marker.id,
			purpose: 'seed',
			marks: { '1': 5, '2': 5, '3.a': 5, '3.b': 5 },
			now: t(21)
		});

		const gate = await liveMarkingGate(h.db, marker.id, paperId);
		expect(gate.open).toBe(false);
		expect(gate.reason).toMatch(/paused: 2 seed scripts in a row out of tolerance/);
		expect(await maybeAllocateSeed(h.db, { markerId: marker.id, paperId, now: t(22) })).toBeNull();

		// The lead's review: the scripts since the last seed within tolerance (none) are all four.
		const recent = await recentScripts(h.db, marker.id, paperId);
		expect(recent.map((r) => r.scriptId).sort()).toEqual(
			[0, 1, 2, 3].map((i) => f.scriptOf(i)!.id).sort()
		);
		await expect(
			sendBackForRemarking(h.db, actorOf(lead), {
				markerId: marker.id,
				paperId,
				scriptIds: [f.scriptOf(5)!.id],
				now: t(23)
			})
		).rejects.toThrow(ValidationError);
		expect(
			await sendBackForRemarking(h.db, actorOf(lead), {
				markerId: marker.id,
				paperId,
				scriptIds: [f.scriptOf(2)!.id, f.scriptOf(3)!.id],
				now: t(23)
			})
		).toBe(2);
		const again = await allocationsOf(f.scriptOf(2)!.id, 'first');
		// Whole to one other live marker (markers of earlier tests share the fixture paper).
		expect(new Set(again.map((x) => x.marker_id)).size).toBe(1);
		const remarker = again[0]!.marker_id;
		expect(remarker).not.toBe(marker.id);
		// The first marker's marks stay on record; the re-mark, being the latest, counts.
		await finishScript(h.db, {
			scriptId: f.scriptOf(2)!.id,
			markerId: remarker,
			purpose: 'first',
			marks: marksTotalling(9),
			now: t(30)
		});
		const marks = await h.db
			.selectFrom('mark')
			.select(['id', 'item_key as itemKey', 'authority', 'mark', 'fk', 'marker_id'])
			.where('script_id', '=', f.scriptOf(2)!.id)
			.execute();
		expect(new Set(marks.map((m) => m.marker_id))).toEqual(new Set([marker.id, remarker]));
		expect(
			[...finalMarks(marks.map((m) => ({ ...m, id: Number(m.id) }))).values()].reduce(
				(s, m) => s + m.mark,
				0
			)
		).toBe(9);

		await expect(
			reinstateMarker(h.db, actorOf(lead), { markerId: marker.id, paperId, note: '  ', now: t(31) })
		).rejects.toThrow(/note/);
		await reinstateMarker(h.db, actorOf(lead), {
			markerId: marker.id,
			paperId,
			note: 'Talked through the grid for 3(b)',
			now: t(31)
		});
		expect(await liveMarkingGate(h.db, marker.id, paperId)).toEqual({ open: true });
		await expect(
			reinstateMarker(h.db, actorOf(lead), {
				markerId: marker.id,
				paperId,
				note: 'again',
				now: t(32)
			})
		).rejects.toThrow(ConflictError);
		const history = await h.db
			.selectFrom('marker_standing')
			.select(['standing', 'decided_by'])
			.where('marker_id', '=', marker.id)
			.where('paper_id', '=', paperId)
			.orderBy('id')
			.execute();
		expect(history).toEqual([
			{ standing: 'live', decided_by: null },
			{ standing: 'stopped', decided_by: null },
			{ standing: 'live', decided_by: lead.id }
		]);

		const perf = (await markerPerformance(h.db, paperId)).find((p) => p.markerId === marker.id)!;
		expect(perf).toMatchObject({
			scriptsMarked: 4,
			seedsJudged: 2,
			seedsWithin: 0,
			meanDeviation: 10,
			standing: 'live'
		});
		expect(perf.medianMinutes).not.toBeNull();
	});

	it('a stopped marker cannot save a live mark by the API either: the server keeps the gate, seeds still take marks', async () => {
		const f = await makeScripts(h.db, [{ '1': 'An answer' }, { '1': 'Another answer' }]);
		const paperId = await paperIdOf(h.db, f.paperVersionId);
		await settings(paperId, { seed_every: 0, qualifying_seeds: 1 });
		const marker = await makeStaff(h.db, 'marker');
		await qualifyMarker(h.db, marker.id, paperId);
		await allocateScript(h.db, {
			scriptId: f.scriptOf(0)!.id,
			paperVersionId: f.paperVersionId,
			markerId: marker.id,
			purpose: 'first',
			allocatedBy: null,
			now: new Date()
		});
		const [live] = await allocationsOf(f.scriptOf(0)!.id, 'first');
		const save = (allocationId: string) =>
			recordMark(h.db, { markerId: marker.id, allocationId, award: { kind: 'mark', mark: 2 } });
		await setStanding(h.db, {
			markerId: marker.id,
			paperId,
			standing: 'stopped',
			reason: '2 seed scripts in a row out of tolerance',
			decidedBy: null,
			now: new Date()
		});
		await expect(save(live!.id)).rejects.toThrow(/paused.*not saved/);
		expect(
			await h.db.selectFrom('mark').select('id').where('allocation_id', '=', live!.id).execute()
		).toEqual([]);
		// Seed work stays open to a stopped marker (the view shows them only seeds).
		await allocateScript(h.db, {
			scriptId: f.scriptOf(1)!.id,
			paperVersionId: f.paperVersionId,
			markerId: marker.id,
			purpose: 'seed',
			allocatedBy: null,
			now: new Date()
		});
		const [seed] = await allocationsOf(f.scriptOf(1)!.id, 'seed');
		expect((await save(seed!.id)).mark).toBe(2);
		await setStanding(h.db, {
			markerId: marker.id,
			paperId,
			standing: 'live',
			reason: 'Reviewed',
			decidedBy: null,
			now: new Date()
		});
		expect((await save(live!.id)).mark).toBe(2);
	});
});
