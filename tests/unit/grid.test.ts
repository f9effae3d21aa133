import { describe, expect, it } from 'vitest';

import {
	gridView,
	judgeAward,
	maxReachable,
	type GridAward,
	type GridView
} from '../../src/lib/domain/grid.js';
import { gridSchema, type Grid } from '../../src/lib/domain/paper.js';

const grid = (g: unknown): Grid => gridSchema.parse(g);

/** 4 marks: two ungrouped points (one worth up to 2 with partial credit) and a group capped at 2. */
const pointsView = gridView(
	grid({
		mode: 'points',
		points: [
			{
				text: 'explains why the customer was unhappy',
				marks: 2,
				partial: '1 for identifying the cause, 1 for explaining its effect'
			},
			{ text: 'apologises', marks: 1 }
		],
		groups: [
			{
				text: 'Naming sources',
				cap: 2,
				points: [
					{ text: 'the website', marks: 1 },
					{ text: 'a colleague', marks: 1 },
					{ text: 'the staff handbook', marks: 1 }
				]
			}
		],
		guidance: '  Accept other sources the organisation would use.  '
	}),
	4
);

/** 8 marks in three levels: 1–3, 4–6, 7–8. */
const levelsView = gridView(
	grid({
		mode: 'levels',
		bands: [
			{ min: 1, max: 3, descriptor: 'Basic: lists ideas' },
			{ min: 4, max: 6, descriptor: 'Sound: explains some ideas' },
			{ min: 7, max: 8, descriptor: 'Thorough: evaluates' }
		],
		indicative: ['training', 'feedback']
	}),
	8
);

const judge = (view: GridView, award: GridAward) => judgeAward(view, award);
const points = (awarded: Record<string, number>) => judge(pointsView, { kind: 'points', awarded });

describe('gridView', () => {
	it('numbers points p1, p2, … (ungrouped first, then each group in order) and groups g1, …', () => {
		expect(pointsView.mode).toBe('points');
		expect(pointsView.itemMarks).toBe(4);
		expect(pointsView.points.map((p) => [p.id, p.maxMarks, p.groupId])).toEqual([
			['p1', 2, null],
			['p2', 1, null],
			['p3', 1, 'g1'],
			['p4', 1, 'g1'],
			['p5', 1, 'g1']
		]);
		expect(pointsView.points[0]!.partial).toBe(
			'1 for identifying the cause, 1 for explaining its effect'
		);
		expect(pointsView.points[1]).not.toHaveProperty('partial');
		expect(pointsView.groups).toEqual([{ id: 'g1', text: 'Naming sources', cap: 2 }]);
		expect(pointsView.levels).toEqual([]);
		expect(pointsView.indicative).toEqual([]);
		expect(pointsView.guidance).toBe('Accept other sources the organisation would use.');
	});

	it('allows a points grid made of groups only', () => {
		const v = gridView(
			grid({
				mode: 'points',
				groups: [
					{
						text: 'Any two benefits',
						cap: 2,
						points: [
							{ text: 'a', marks: 1 },
							{ text: 'b', marks: 1 },
							{ text: 'c', marks: 1 }
						]
					}
				]
			}),
			2
		);
		expect(v.points.map((p) => p.id)).toEqual(['p1', 'p2', 'p3']);
		expect(maxReachable(v)).toBe(2);
	});

	it('gives levels an index from 1 (lowest first) with their ranges and descriptors', () => {
		expect(levelsView.levels).toEqual([
			{ index: 1, min: 1, max: 3, descriptor: 'Basic: lists ideas' },
			{ index: 2, min: 4, max: 6, descriptor: 'Sound: explains some ideas' },
			{ index: 3, min: 7, max: 8, descriptor: 'Thorough: evaluates' }
		]);
		expect(levelsView.points).toEqual([]);
		expect(levelsView.indicative).toEqual(['training', 'feedback']);
		expect(levelsView).not.toHaveProperty('guidance');
	});

	it('works out the most a grid can award once caps apply', () => {
		expect(maxReachable(pointsView)).toBe(4); // 2 + 1 + min(2, 3), capped at 4
		expect(maxReachable(levelsView)).toBe(8);
	});
});

describe('judgeAward: point values and partial credit', () => {
	it('adds the marks given to each point', () => {
		expect(points({ p2: 1, p3: 1 })).toEqual({ ok: true, mark: 2, notes: [] });
	});
	it('gives partial credit on a point worth up to 2', () => {
		expect(points({ p1: 1 })).toEqual({ ok: true, mark: 1, notes: [] });
		expect(points({ p1: 2 })).toEqual({ ok: true, mark: 2, notes: [] });
		expect(points({ p1: 0, p2: 0 })).toEqual({ ok: true, mark: 0, notes: [] });
	});
	it('scores an empty award 0', () => {
		expect(points({})).toEqual({ ok: true, mark: 0, notes: [] });
	});
	it('refuses a point given more than it is worth, naming the point', () => {
		expect(points({ p1: 3 })).toEqual({
			ok: false,
			reason: "'explains why the customer was unhappy' is worth at most 2 marks"
		});
		expect(points({ p2: 2 })).toEqual({
			ok: false,
			reason: "'apologises' is worth at most 1 mark"
		});
	});
	it('refuses an unknown point, a negative mark and a fraction', () => {
		expect(points({ p9: 1 })).toEqual({ ok: false, reason: 'This grid has no point p9' });
		const negative = points({ p1: -1 });
		expect(negative.ok).toBe(false);
		expect(!negative.ok && negative.reason).toMatch(/cannot be below 0/);
		const half = points({ p1: 0.5 });
		expect(!half.ok && half.reason).toMatch(/whole number/);
	});
});

describe('judgeAward: group caps and the item cap', () => {
	it('caps a group at its cap and says so', () => {
		expect(points({ p3: 1, p4: 1, p5: 1 })).toEqual({
			ok: true,
			mark: 2,
			notes: ['Naming sources: capped at 2']
		});
	});
	it('does not note a cap that was not needed', () => {
		expect(points({ p3: 1, p4: 1 })).toEqual({ ok: true, mark: 2, notes: [] });
	});
	it("caps the total at the item's marks and says so", () => {
		expect(points({ p1: 2, p2: 1, p3: 1, p4: 1 })).toEqual({
			ok: true,
			mark: 4,
			notes: ["Total 5 capped at the item's 4 marks"]
		});
	});
	it('applies the group cap before the item cap, noting both', () => {
		expect(points({ p1: 2, p2: 1, p3: 1, p4: 1, p5: 1 })).toEqual({
			ok: true,
			mark: 4,
			notes: ['Naming sources: capped at 2', "Total 5 capped at the item's 4 marks"]
		});
	});
	it('caps each of several groups on its own', () => {
		const v = gridView(
			grid({
				mode: 'points',
				groups: [
					{
						text: 'Benefits',
						cap: 1,
						points: [
							{ text: 'a', marks: 1 },
							{ text: 'b', marks: 1 }
						]
					},
					{
						text: 'Drawbacks',
						cap: 2,
						points: [
							{ text: 'c', marks: 2 },
							{ text: 'd', marks: 1 }
						]
					}
				]
			}),
			3
		);
		expect(judge(v, { kind: 'points', awarded: { p1: 1, p2: 1, p3: 2, p4: 1 } })).toEqual({
			ok: true,
			mark: 3,
			notes: ['Benefits: capped at 1', 'Drawbacks: capped at 2']
		});
	});
	it('refuses points on a levels grid', () => {
		expect(judge(levelsView, { kind: 'points', awarded: {} })).toEqual({
			ok: false,
			reason: 'This item is marked by levels, not points'
		});
	});
});

describe('judgeAward: levels', () => {
	it('accepts a mark within the chosen level', () => {
		expect(judge(levelsView, { kind: 'level', level: 2, mark: 4 })).toEqual({
			ok: true,
			mark: 4,
			notes: []
		});
		expect(judge(levelsView, { kind: 'level', level: 3, mark: 8 })).toEqual({
			ok: true,
			mark: 8,
			notes: []
		});
	});
	it("refuses a mark outside the chosen level, saying the level's range", () => {
		expect(judge(levelsView, { kind: 'level', level: 2, mark: 7 })).toEqual({
			ok: false,
			reason: 'Level 2 is 4–6 marks'
		});
		expect(judge(levelsView, { kind: 'level', level: 1, mark: 0 })).toEqual({
			ok: false,
			reason: 'Level 1 is 1–3 marks'
		});
	});
	it('refuses a level the grid does not have', () => {
		expect(judge(levelsView, { kind: 'level', level: 4, mark: 8 })).toEqual({
			ok: false,
			reason: 'There is no level 4 in this grid (levels 1–3)'
		});
	});
	it('refuses a level on a points grid', () => {
		expect(judge(pointsView, { kind: 'level', level: 1, mark: 1 })).toEqual({
			ok: false,
			reason: 'This item is marked by points, not levels'
		});
	});
	it('names a one-mark level by its single mark', () => {
		const v = gridView(
			grid({
				mode: 'levels',
				bands: [
					{ min: 1, max: 1, descriptor: 'a' },
					{ min: 2, max: 3, descriptor: 'b' }
				]
			}),
			3
		);
		expect(judge(v, { kind: 'level', level: 1, mark: 2 })).toEqual({
			ok: false,
			reason: 'Level 1 is 1 mark'
		});
	});
});

describe('judgeAward: a mark typed directly', () => {
	it('accepts 0 up to the item’s marks on any grid', () => {
		for (const mark of [0, 1, 4])
			expect(judge(pointsView, { kind: 'mark', mark })).toEqual({ ok: true, mark, notes: [] });
		for (const mark of [0, 3, 5, 8])
			expect(judge(levelsView, { kind: 'mark', mark })).toEqual({ ok: true, mark, notes: [] });
	});
	it('refuses a mark below 0 or not whole', () => {
		expect(judge(pointsView, { kind: 'mark', mark: -1 })).toEqual({
			ok: false,
			reason: 'A mark cannot be below 0'
		});
		expect(judge(pointsView, { kind: 'mark', mark: 1.5 })).toEqual({
			ok: false,
			reason: 'A mark must be a whole number'
		});
		expect(judge(pointsView, { kind: 'mark', mark: Number.NaN })).toEqual({
			ok: false,
			reason: 'A mark must be a number'
		});
	});
	it("refuses a mark above the item's marks, saying the maximum", () => {
		expect(judge(pointsView, { kind: 'mark', mark: 5 })).toEqual({
			ok: false,
			reason: 'This item is worth at most 4 marks'
		});
		expect(judge(levelsView, { kind: 'mark', mark: 9 })).toEqual({
			ok: false,
			reason: 'This item is worth at most 8 marks'
		});
		expect(judge(levelsView, { kind: 'level', level: 3, mark: 9 })).toEqual({
			ok: false,
			reason: 'This item is worth at most 8 marks'
		});
		const one = gridView(grid({ mode: 'points', points: [{ text: 'a', marks: 1 }] }), 1);
		expect(judge(one, { kind: 'mark', mark: 2 })).toEqual({
			ok: false,
			reason: 'This item is worth at most 1 mark'
		});
	});
	it('refuses a direct mark on a levels grid that lies in no level', () => {
		// A grid with a gap (bank check refuses it, but the judgement does not rely on that).
		const gappy = gridView(
			grid({
				mode: 'levels',
				bands: [
					{ min: 1, max: 2, descriptor: 'a' },
					{ min: 4, max: 5, descriptor: 'b' }
				]
			}),
			5
		);
		expect(judge(gappy, { kind: 'mark', mark: 3 })).toEqual({
			ok: false,
			reason: '3 marks is in no level of this grid (level 1: 1–2 marks; level 2: 4–5 marks)'
		});
	});
});

describe('grid schema', () => {
	it('refuses unknown keys on points, groups and the grid', () => {
		expect(
			gridSchema.safeParse({ mode: 'points', points: [{ text: 'a', marks: 1, partail: 'x' }] })
				.success
		).toBe(false);
		expect(
			gridSchema.safeParse({
				mode: 'points',
				groups: [{ text: 'a', cap: 1, points: [{ text: 'a', marks: 1 }], max: 1 }]
			}).success
		).toBe(false);
		expect(
			gridSchema.safeParse({ mode: 'points', points: [{ text: 'a', marks: 1 }], caps: 1 }).success
		).toBe(false);
	});
	it('refuses a points grid with neither points nor groups, and a group without points', () => {
		expect(gridSchema.safeParse({ mode: 'points' }).success).toBe(false);
		expect(gridSchema.safeParse({ mode: 'points', points: [] }).success).toBe(false);
		expect(
			gridSchema.safeParse({ mode: 'points', groups: [{ text: 'a', cap: 1, points: [] }] }).success
		).toBe(false);
	});
	it('refuses a group cap of 0 and a band without a descriptor', () => {
		expect(
			gridSchema.safeParse({
				mode: 'points',
				groups: [{ text: 'a', cap: 0, points: [{ text: 'a', marks: 1 }] }]
			}).success
		).toBe(false);
		expect(gridSchema.safeParse({ mode: 'levels', bands: [{ min: 1, max: 2 }] }).success).toBe(
			false
		);
	});
});
