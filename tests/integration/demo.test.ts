import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_ITEM_ORDER, DEMO_SCRIPT_CANDIDATES } from '../../src/cli/demo/answers-8992-111-A.js';
import { seedFinishedSitting, yesterdayMorning } from '../../src/cli/demo/finished-sitting.js';
import { formatFinishedSitting, seedDemo, type DemoData } from '../../src/cli/demo/index.js';
import { dayIn } from '../../src/lib/domain/centre-time.js';
import { paperItems } from '../../src/lib/domain/paper.js';
import { applyResultRules, resultInputFor } from '../../src/lib/domain/results.js';
import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import { importBank } from '../../src/lib/server/bank/import.js';
import { loadBank } from '../../src/lib/server/bank/load.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { markerQueue } from '../../src/lib/server/marking/queue.js';
import { scriptForMarker } from '../../src/lib/server/marking/script-view.js';
import { createTestDatabase } from '../helpers/db.js';
import { qualifyMarker } from '../helpers/quality-fixture.js';

const bank = loadBank('questions');
const paper = bank.papers.find((p) => p.paper.code === '8992-111-A')!;
const itemKeys = paperItems(paper.paper).map((i) => i.key);

let h: DatabaseHandle;
let demo: DemoData;
beforeAll(async () => {
	h = await createTestDatabase();
	await importBank(h.db, bank, SYSTEM_ACTOR);
	demo = await seedDemo(h.db);
}, 120_000);
afterAll(() => h.close());

describe('the demo data file', () => {
	it('answers only items of 8992-111-A, and every present candidate answers some and the absent one none', () => {
		for (const c of DEMO_SCRIPT_CANDIDATES) {
			for (const key of Object.keys(c.answers))
				expect(itemKeys, `${c.first_name}: ${key}`).toContain(key);
			if (c.profile === 'absent') expect(Object.keys(c.answers)).toHaveLength(0);
			else expect(Object.values(c.answers).some((t) => t.trim())).toBe(true);
		}
		// Strong, borderline, weak and off the point are all there.
		expect(new Set(DEMO_SCRIPT_CANDIDATES.map((c) => c.profile))).toEqual(
			new Set(['strong', 'borderline', 'weak', 'off the point', 'absent'])
		);
	});

	it('grades differently once marked as intended: First Class, Pass, a narrow Fail, too little attempted, misinterpretation', () => {
		expect(DEMO_ITEM_ORDER).toEqual(itemKeys);
		const max = new Map(paperItems(paper.paper).map((i) => [i.key, i.marks]));
		const outcomes = new Map<string, ReturnType<typeof applyResultRules>>();
		for (const c of DEMO_SCRIPT_CANDIDATES.filter((x) => x.intended)) {
			const marks = Object.fromEntries(
				DEMO_ITEM_ORDER.map((k, i) => {
					const mark = c.intended!.marks[i]!;
					const attempted = Boolean(c.answers[k]?.trim());
					expect(mark, `${c.first_name} ${k}`).toBeLessThanOrEqual(max.get(k)!);
					if (!attempted) expect(mark, `${c.first_name} ${k} is blank`).toBe(0);
					return [k, { mark, attempted, fk: c.intended!.fk?.includes(k) ?? false }];
				})
			);
			outcomes.set(c.first_name, applyResultRules(resultInputFor(paper.paper, 1), marks));
		}
		const grade = (name: string) => outcomes.get(name)!;
		for (const name of ['Freya', 'Hamza', 'Grace'])
			expect(grade(name).grade).toBe('First Class Pass');
		for (const name of ['Isaac', 'Kieran']) expect(grade(name).grade).toBe('Pass');
		expect(grade('Jasmine')).toMatchObject({
			grade: 'Fail',
			codes: expect.arrayContaining(['AA'])
		});
		expect(grade('Mohammed')).toMatchObject({
			grade: 'Fail',
			codes: expect.arrayContaining(['AB'])
		});
		expect(grade('Niamh')).toMatchObject({ grade: 'Fail', codes: expect.arrayContaining(['FK']) });
		expect(grade('Lily').grade).toBe('Fail');
		// Failing scripts do not all carry the same codes.
		const failCodes = [...outcomes.values()]
			.filter((o) => o.grade === 'Fail')
			.map((o) => o.codes.join(' '));
		expect(new Set(failCodes).size).toBe(failCodes.length);
	});
});

describe('npm start on an empty database: the finished demo sitting', () => {
	const present = DEMO_SCRIPT_CANDIDATES.filter((c) => c.profile !== 'absent');
	const absent = DEMO_SCRIPT_CANDIDATES.filter((c) => c.profile === 'absent');

	it('is yesterday morning’s 8992-111-A, ended by the invigilator, with a script per present candidate and none for the absent', async () => {
		const f = demo.finished!;
		expect(f).toMatchObject({
			paperCode: '8992-111-A',
			scripts: present.length,
			absent: absent.length
		});
		expect(f.day).toBe(dayIn(new Date(Date.now() - 24 * 3600_000)));
		const sitting = await h.db
			.selectFrom('sitting')
			.selectAll()
			.where('id', '=', f.sittingId)
			.executeTakeFirstOrThrow();
		expect(sitting.state).toBe('ended');
		expect(sitting.ended_at!.getTime()).toBeLessThan(Date.now());
		const events = await h.db
			.selectFrom('sitting_event')
			.select('kind')
			.where('sitting_id', '=', f.sittingId)
			.orderBy('id')
			.execute();
		expect(events.map((e) => e.kind)).toEqual(
			expect.arrayContaining(['present', 'absent', 'start', 'submit', 'end'])
		);

		const rows = await h.db
			.selectFrom('attempt as a')
			.innerJoin('candidate as c', 'c.id', 'a.candidate_id')
			.leftJoin('script as sc', (j) =>
				j.onRef('sc.attempt_id', '=', 'a.id').on('sc.kind', '=', 'live')
			)
			.select([
				'c.candidate_number',
				'a.state',
				'a.submit_reason',
				'sc.id as scriptId',
				'sc.script_number'
			])
			.where('a.sitting_id', '=', f.sittingId)
			.execute();
		expect(rows).toHaveLength(DEMO_SCRIPT_CANDIDATES.length);
		for (const c of DEMO_SCRIPT_CANDIDATES) {
			const r = rows.find((x) => x.candidate_number === c.candidate_number)!;
			if (c.profile === 'absent') {
				expect(r).toMatchObject({ state: 'absent', scriptId: null });
			} else {
				expect(r.state).toBe('submitted');
				expect(r.submit_reason).toBe(
					c.submitsAfterMinutes === undefined ? 'sitting_ended' : 'candidate'
				);
				expect(r.script_number).toMatch(/^S-/);
			}
		}
	});

	it('has scripts with written answers and blank items, the stored text being what the candidate typed', async () => {
		const f = demo.finished!;
		const responses = await h.db
			.selectFrom('response as r')
			.innerJoin('attempt as a', 'a.id', 'r.attempt_id')
			.innerJoin('candidate as c', 'c.id', 'a.candidate_id')
			.select(['c.candidate_number', 'r.item_key', 'r.text'])
			.where('a.sitting_id', '=', f.sittingId)
			.execute();
		for (const c of present) {
			const mine = responses.filter((r) => r.candidate_number === c.candidate_number);
			const written = Object.entries(c.answers).filter(([, t]) => t.trim());
			expect(Object.fromEntries(mine.map((r) => [r.item_key, r.text]))).toEqual(
				Object.fromEntries(written)
			);
		}
		const blankItems = present.reduce(
			(n, c) => n + itemKeys.filter((k) => !c.answers[k]?.trim()).length,
			0
		);
		expect(blankItems).toBeGreaterThan(0);
		expect(f.blank).toBe(blankItems);
		expect(f.answered).toBe(responses.length);
		expect(f.answered).toBeGreaterThan(present.length * itemKeys.length * 0.8);
		expect(formatFinishedSitting(f)).toContain(`${present.length} scripts ready to mark`);
	});

	it('gives every item of every script to the demo marker, whose queue and marking screen show them', async () => {
		const f = demo.finished!;
		expect(f.allocatedTo).toEqual(['marker@demo.test']);
		expect(formatFinishedSitting(f)).toContain('allocated to marker@demo.test');
		const marker = await h.db
			.selectFrom('app_user')
			.select('id')
			.where('email', '=', 'marker@demo.test')
			.executeTakeFirstOrThrow();
		// A new marker: held at standardisation, with three qualification seeds agreed by the lead.
		const paper = await h.db
			.selectFrom('paper')
			.select('id')
			.where('code', '=', '8992-111-A')
			.executeTakeFirstOrThrow();
		expect(f.seeds).toBe(3);
		const held = await markerQueue(h.db, marker.id);
		expect(held[0]!.gate.open).toBe(false);
		expect(held[0]!.gate.reason).toMatch(/standardisation/);
		expect(held[0]!.scripts).toEqual([]);
		await qualifyMarker(h.db, marker.id, paper.id);
		const queue = await markerQueue(h.db, marker.id);
		expect(queue).toHaveLength(1);
		expect(queue[0]!.code).toBe('8992-111-A');
		expect(queue[0]!.scripts).toHaveLength(present.length);
		expect(queue[0]!.scripts.every((s) => s.items === itemKeys.length && s.markedItems === 0)).toBe(
			true
		);
		// The weak script, as the marker sees it: answers where written, blank items not attempted.
		const weak = present.find((c) => c.profile === 'weak')!;
		const script = await h.db
			.selectFrom('script as sc')
			.innerJoin('attempt as a', 'a.id', 'sc.attempt_id')
			.innerJoin('candidate as c', 'c.id', 'a.candidate_id')
			.select('sc.id')
			.where('a.sitting_id', '=', f.sittingId)
			.where('c.candidate_number', '=', weak.candidate_number)
			.executeTakeFirstOrThrow();
		const view = await scriptForMarker(h.db, marker.id, script.id);
		expect(view.items).toHaveLength(itemKeys.length);
		expect(view.items.filter((i) => i.attempted).map((i) => i.key)).toEqual(
			itemKeys.filter((k) => weak.answers[k]?.trim())
		);
		expect(JSON.stringify(view)).not.toContain(weak.last_name);
	});

	it('is made once: seeding it again adds no candidate, sitting, script or allocation', async () => {
		const count = async (t: 'candidate' | 'sitting' | 'script' | 'allocation') =>
			Number(
				(
					await h.db
						.selectFrom(t)
						.select((eb) => eb.fn.countAll().as('n'))
						.executeTakeFirstOrThrow()
				).n
			);
		const before = [
			await count('candidate'),
			await count('sitting'),
			await count('script'),
			await count('allocation')
		];
		const staff = { userId: null, label: 'system' };
		const again = await seedFinishedSitting(h.db, demo.centreId, {
			centreAdmin: staff,
			invigilator: { ...staff, userId: 'unused' }
		});
		// The seeds are the demo's standardisation, made once alongside.
		expect({ ...again, seeds: demo.finished!.seeds }).toEqual(demo.finished);
		expect([
			await count('candidate'),
			await count('sitting'),
			await count('script'),
			await count('allocation')
		]).toEqual(before);
	});

	it('dates the sitting 09:30 in the centre’s time zone the day before', () => {
		// Winter (GMT) and summer (BST) alike.
		expect(yesterdayMorning(new Date('2026-11-29T01:00:00Z')).toISOString()).toBe(
			'2026-11-28T09:30:00.000Z'
		);
		expect(yesterdayMorning(new Date('2026-07-15T23:30:00Z')).toISOString()).toBe(
			'2026-07-15T08:30:00.000Z'
		);
	});
});
