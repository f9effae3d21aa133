import { describe, expect, it } from 'vitest';

import {
	distributionSummary,
	histogram,
	histogramChart,
	median
} from '../../src/lib/domain/distribution.js';
import { gradeChanges, gradeCounts, gradeOf } from '../../src/lib/domain/results.js';

const b = { pass: 12, firstClass: 16 };

describe('histogram', () => {
	it('has one bin per mark 0..total, counting each total once', () => {
		const h = histogram([3, 12, 12, 20, 0], 20);
		expect(h.bins).toHaveLength(21);
		expect(h.bins[0]).toEqual({ mark: 0, count: 1 });
		expect(h.bins[12]).toEqual({ mark: 12, count: 2 });
		expect(h.bins[20]).toEqual({ mark: 20, count: 1 });
		expect(h.bins.reduce((s, x) => s + x.count, 0)).toBe(5);
		expect(h).toMatchObject({ candidates: 5, maxCount: 2, totalMarks: 20 });
	});
	it('an empty distribution has empty bins', () => {
		expect(histogram([], 4)).toEqual({
			totalMarks: 4,
			bins: [0, 1, 2, 3, 4].map((mark) => ({ mark, count: 0 })),
			candidates: 0,
			maxCount: 0
		});
	});
	it('refuses totals outside the paper and a paper of no marks', () => {
		expect(() => histogram([21], 20)).toThrow(RangeError);
		expect(() => histogram([-1], 20)).toThrow(RangeError);
		expect(() => histogram([2.5], 20)).toThrow(RangeError);
		expect(() => histogram([], 0)).toThrow(RangeError);
	});
});

describe('histogramChart', () => {
	const h = histogram([3, 12, 12, 20], 20);
	const c = histogramChart(h, b, { width: 460, height: 200 });
	it('draws one bar per mark with candidates, its height in proportion to the count', () => {
		expect(c.bars.map((x) => [x.mark, x.count])).toEqual([
			[3, 1],
			[12, 2],
			[20, 1]
		]);
		const [one, two] = [c.bars[0]!, c.bars[1]!];
		expect(two.height).toBeCloseTo(2 * one.height);
		// Bars stand on the marks axis.
		for (const bar of c.bars) expect(bar.y + bar.height).toBeCloseTo(c.plot.bottom);
		expect(two.y).toBeCloseTo(c.plot.top);
		// Each bar sits in its own bin, left to right, inside the plot.
		expect(one.x).toBeGreaterThanOrEqual(c.plot.left);
		expect(c.bars[2]!.x + c.bars[2]!.width).toBeLessThanOrEqual(c.plot.right + 0.001);
	});
	it('draws each boundary at the left edge of its mark’s bin, so the bar of the boundary mark is on its right', () => {
		const bar12 = c.bars.find((x) => x.mark === 12)!;
		expect(c.boundaries.pass).toBeLessThanOrEqual(bar12.x);
		expect(bar12.x - c.boundaries.pass).toBeLessThan(1);
		expect(c.boundaries.firstClass).toBeGreaterThan(c.boundaries.pass);
	});
	it('labels the candidates axis in whole numbers from 0 and the marks axis every 5 marks', () => {
		expect(c.yTicks.map((t) => t.value)).toEqual([0, 1, 2]);
		expect(c.xTicks.map((t) => t.mark)).toEqual([0, 5, 10, 15, 20]);
		expect(histogramChart(histogram([1], 60), b).xTicks.map((t) => t.mark)).toEqual([
			0, 10, 20, 30, 40, 50, 60
		]);
		expect(histogramChart(histogram(Array(37).fill(5), 20), b).yTicks.map((t) => t.value)).toEqual([
			0, 10, 20, 30, 40
		]);
	});
	it('an empty distribution draws no bars and a scale of one', () => {
		const e = histogramChart(histogram([], 20), b);
		expect(e.bars).toEqual([]);
		expect(e.yTicks.map((t) => t.value)).toEqual([0, 1]);
	});
});

describe('grades and the summary', () => {
	it('grades at the boundary upwards', () => {
		expect([11, 12, 15, 16].map((t) => gradeOf(t, b))).toEqual([
			'Fail',
			'Pass',
			'Pass',
			'First Class Pass'
		]);
		expect(gradeCounts([3, 12, 12, 20], b)).toEqual({ Fail: 1, Pass: 2, 'First Class Pass': 1 });
		expect(gradeChanges([3, 12, 12, 20], b, { pass: 13, firstClass: 20 })).toEqual({
			up: 0,
			down: 2,
			changed: 2
		});
	});
	it('median of an odd and an even count', () => {
		expect(median([5, 1, 3])).toBe(3);
		expect(median([4, 1, 3, 2])).toBe(2.5);
		expect(median([])).toBeNull();
	});
	it('says the distribution in one sentence', () => {
		expect(distributionSummary([3, 12, 12, 20], 20, b)).toBe(
			'4 candidates graded, marks 3 to 20 of 20 (median 12): 1 Fail, 2 Pass, 1 First Class Pass (pass mark 12, first class 16).'
		);
		expect(distributionSummary([], 20, b)).toBe('No candidate has a graded result yet.');
	});
});
