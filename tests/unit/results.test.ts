import { describe, expect, it } from 'vitest';

import {
	applyResultRules,
	parseMarks,
	resolveRules,
	type ItemMark,
	type ResultInput,
	type ResultItem
} from '../../src/lib/domain/results.js';

// A Level 1 paper of 40 marks: 10 per area, items of 5.
const items: ResultItem[] = [
	{ key: '1', maxMarks: 5, area: 'FL' },
	{ key: '2', maxMarks: 5, area: 'FL' },
	{ key: '3', maxMarks: 5, area: 'FM' },
	{ key: '4', maxMarks: 5, area: 'FM' },
	{ key: '5', maxMarks: 5, area: 'FN' },
	{ key: '6', maxMarks: 5, area: 'FN' },
	{ key: '7.a', maxMarks: 5, area: 'FO' },
	{ key: '7.b', maxMarks: 5, area: 'FO' }
];
const input: ResultInput = {
	level: 1,
	items,
	boundaries: { pass: 24, firstClass: 32 },
	rules: resolveRules(40)
};
const m = (mark: number, extra: Partial<ItemMark> = {}): ItemMark => ({
	mark,
	attempted: true,
	fk: false,
	...extra
});
/** Marks per item in order. */
const marks = (...ms: number[]) =>
	Object.fromEntries(items.map((it, i) => [it.key, m(ms[i] ?? 0)]));

describe('resolveRules', () => {
	it('defaults the narrow-fail margin to 5% of the total rounded down, at least 1', () => {
		expect(resolveRules(40).narrowFailMargin).toBe(2);
		expect(resolveRules(59).narrowFailMargin).toBe(2);
		expect(resolveRules(60).narrowFailMargin).toBe(3);
		expect(resolveRules(10).narrowFailMargin).toBe(1);
	});
	it("takes a paper's overrides", () => {
		expect(
			resolveRules(40, {
				narrow_fail_margin: 4,
				max_codes: 2,
				area_min_share: 0.4,
				attempted_min_share: 0.3
			})
		).toEqual({
			narrowFailMargin: 4,
			maxCodes: 2,
			areaMinShare: 0.4,
			attemptedMinShare: 0.3
		});
	});
});

describe('applyResultRules: grade', () => {
	it('exactly the pass mark is a Pass with no codes', () => {
		expect(applyResultRules(input, marks(3, 3, 3, 3, 3, 3, 3, 3))).toMatchObject({
			total: 24,
			grade: 'Pass',
			codes: []
		});
	});
	it('exactly the first-class mark is a First Class Pass', () => {
		expect(applyResultRules(input, marks(4, 4, 4, 4, 4, 4, 4, 4))).toMatchObject({
			total: 32,
			grade: 'First Class Pass',
			codes: []
		});
	});
	it('one below the pass mark is a narrow fail (AA), and names the weakest area even though none is under half', () => {
		// FL 6/10, FM 6/10, FN 6/10, FO 5/10: FO is the weakest.
		expect(applyResultRules(input, marks(3, 3, 3, 3, 3, 3, 3, 2))).toMatchObject({
			total: 23,
			grade: 'Fail',
			codes: ['AA', 'FO']
		});
	});
	it('exactly pass − margin is still AA; one below is not', () => {
		// 22 = 24 − 2, every area at least half; FN and FO tie as weakest at 5/10, FN comes first.
		expect(applyResultRules(input, marks(3, 3, 3, 3, 3, 2, 3, 2)).codes).toEqual(['AA', 'FN']);
		const r = applyResultRules(input, marks(3, 3, 3, 3, 3, 2, 3, 1));
		expect(r.total).toBe(21);
		expect(r.codes).not.toContain('AA');
	});
	it('a pass carries no codes even with a weak area and an FK flag', () => {
		const ms = { ...marks(5, 5, 5, 5, 5, 5, 0, 0), '7.a': m(0, { fk: true }) };
		expect(applyResultRules(input, ms)).toMatchObject({ grade: 'Pass', codes: [] });
	});
});

describe('applyResultRules: codes', () => {
	it('nothing attempted: AB then every area, weakest first in code order, capped at four', () => {
		expect(applyResultRules(input, {})).toMatchObject({
			total: 0,
			grade: 'Fail',
			codes: ['AB', 'FL', 'FM', 'FN']
		});
	});
	it('AB when attempted items carry less than half the paper (attempted is not the same as scored)', () => {
		const ms: Record<string, ItemMark> = {
			'1': m(5),
			'2': m(5),
			'3': m(5),
			'4': m(0, { attempted: false }),
			'5': m(0, { attempted: false })
		};
		// Attempted: items 1–3 = 15 of 40 marks.
		expect(applyResultRules(input, ms).codes[0]).toBe('AB');
		const more = { ...ms, '4': m(0), '5': m(0) }; // 25 of 40 attempted
		expect(applyResultRules(input, more).codes).not.toContain('AB');
	});
	it('FK when a marker flagged misinterpretation on any item', () => {
		const ms = { ...marks(2, 2, 2, 2, 2, 2, 2, 2), '3': m(2, { fk: true }) };
		expect(applyResultRules(input, ms).codes).toEqual(['FK', 'FL', 'FM', 'FN']);
	});
	it('area codes: weakest share first, ties in FL FM FN FO order, only areas under half', () => {
		// FL 9/10, FM 4/10, FN 2/10, FO 4/10 → FN (0.2), then FM and FO tie at 0.4 → FM, FO.
		const r = applyResultRules(input, marks(5, 4, 2, 2, 1, 1, 2, 2));
		expect(r.total).toBe(19);
		expect(r.codes).toEqual(['FN', 'FM', 'FO']);
	});
	it('an area at exactly half is not weak', () => {
		const r = applyResultRules(input, marks(5, 0, 5, 0, 5, 0, 1, 0));
		expect(r.codes).toEqual(['FO']);
	});
	it('AA, FK and areas together are cut to four from the end', () => {
		const ms = { ...marks(5, 5, 5, 5, 2, 1, 0, 0), '7.b': m(0, { fk: true }) };
		// total 23 → AA; FK; FO 0/10 and FN 3/10 weak → AA FK FO FN (4).
		expect(applyResultRules(input, ms).codes).toEqual(['AA', 'FK', 'FO', 'FN']);
		// Cut to two, the first area code keeps its place: it takes FK's.
		const capped = applyResultRules({ ...input, rules: { ...input.rules, maxCodes: 2 } }, ms);
		expect(capped.codes).toEqual(['AA', 'FO']);
		expect(
			applyResultRules({ ...input, rules: { ...input.rules, maxCodes: 1 } }, ms).codes
		).toEqual(['FO']);
		expect(
			applyResultRules({ ...input, rules: { ...input.rules, maxCodes: 0 } }, ms).codes
		).toEqual(['FO']);
	});
	it('never gives an area code outside the level, even if an item carries one', () => {
		const odd: ResultInput = {
			...input,
			items: [...items, { key: '8', maxMarks: 10, area: 'FR' }],
			boundaries: { pass: 30, firstClass: 40 }
		};
		const r = applyResultRules(odd, marks(1, 1, 1, 1, 1, 1, 1, 1));
		expect(r.codes).not.toContain('FR');
		expect(r.profile.map((p) => p.area)).toEqual(['FL', 'FM', 'FN', 'FO']);
	});
	it('at Level 3 the extra areas can be named', () => {
		const l3: ResultInput = {
			level: 3,
			items: [
				{ key: '1', maxMarks: 10, area: 'FR' },
				{ key: '2', maxMarks: 10, area: 'FS' },
				{ key: '3', maxMarks: 10, area: 'FP' }
			],
			boundaries: { pass: 18, firstClass: 24 },
			rules: resolveRules(30)
		};
		expect(applyResultRules(l3, { '1': m(1), '2': m(3), '3': m(8) }).codes).toEqual(['FR', 'FS']);
	});
});

describe('parseMarks', () => {
	it('accepts known items and defaults attempted from the mark', () => {
		expect(parseMarks({ marks: { '1': { mark: 2 }, '7.a': { mark: 0 } } }, items)).toEqual({
			ok: true,
			marks: {
				'1': { mark: 2, attempted: true, fk: false },
				'7.a': { mark: 0, attempted: false, fk: false }
			}
		});
	});
	it('refuses unknown ids, marks above the maximum, negative and fractional marks, naming each', () => {
		const r = parseMarks(
			{
				marks: {
					'99': { mark: 1 },
					'7': { mark: 1 },
					'1': { mark: 6 },
					'2': { mark: -1 },
					'3': { mark: 1.5 }
				}
			},
			items
		);
		expect(r).toEqual({
			ok: false,
			problems: [
				'1: mark 6 is above the maximum of 5',
				'2: mark -1 is negative',
				'3: mark must be a whole number, got 1.5',
				'question 7 has parts; give marks for 7.a, 7.b',
				'unknown question id "99"'
			]
		});
	});
	it('refuses a file without a marks object', () => {
		expect(parseMarks([], items).ok).toBe(false);
		expect(parseMarks({ marks: [] }, items).ok).toBe(false);
	});
});
