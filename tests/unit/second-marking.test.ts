import { describe, expect, it } from 'vitest';

import { finalMarks, type GivenMark } from '../../src/lib/domain/marking.js';
import {
	judgePair,
	nearBoundary,
	sampleSize,
	selectForSecondMarking,
	totalOf,
	type FirstMarkedScript
} from '../../src/lib/domain/second-marking.js';

const boundaries = { pass: 30, firstClass: 45 };
const scriptsWith = (totals: number[]): FirstMarkedScript[] =>
	totals.map((total, i) => ({ scriptId: `s${i}`, total }));
/** Always the first remaining place: the sample is then the first scripts of the pool, in order. */
const first = () => 0;

describe('nearBoundary', () => {
	it('takes totals within the window either side of the pass or the first-class mark, inclusive', () => {
		for (const t of [28, 29, 30, 31, 32, 43, 45, 47])
			expect(nearBoundary(t, boundaries, 2), String(t)).toBe(true);
		for (const t of [0, 27, 33, 42, 48, 60])
			expect(nearBoundary(t, boundaries, 2), String(t)).toBe(false);
	});
	it('a window of 0 takes only the boundary marks themselves', () => {
		expect(nearBoundary(30, boundaries, 0)).toBe(true);
		expect(nearBoundary(31, boundaries, 0)).toBe(false);
	});
});

describe('sampleSize', () => {
	it('is the percentage rounded up, at least one when there are scripts and a percentage', () => {
		expect(sampleSize(100, 10)).toBe(10);
		expect(sampleSize(101, 10)).toBe(11);
		expect(sampleSize(3, 10)).toBe(1);
		expect(sampleSize(1, 1)).toBe(1);
		expect(sampleSize(5, 100)).toBe(5);
	});
	it('is none with no scripts or a 0% sample', () => {
		expect(sampleSize(0, 10)).toBe(0);
		expect(sampleSize(50, 0)).toBe(0);
	});
});

describe('selectForSecondMarking', () => {
	const settings = { samplePercent: 10, boundaryWindow: 2 };

	it('takes every script near a boundary, and a sample of the rest', () => {
		// 20 scripts: two near the pass mark, one near first class, the rest far away.
		const totals = [10, 29, 12, 13, 46, 14, 15, 31, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 35, 36];
		const picked = selectForSecondMarking(scriptsWith(totals), boundaries, settings, first);
		const boundary = picked.filter((p) => p.reason === 'boundary').map((p) => p.scriptId);
		const sample = picked.filter((p) => p.reason === 'sample').map((p) => p.scriptId);
		expect(boundary).toEqual(['s1', 's4', 's7']);
		// 10% of 20 is 2, drawn from the 17 others: with draw 0 the first two of the pool.
		expect(sample).toEqual(['s0', 's2']);
	});

	it('is the same selection given the same draws, and follows the draws', () => {
		const scripts = scriptsWith(Array.from({ length: 30 }, (_, i) => i % 10));
		const draws = [5, 3, 0];
		const run = () => {
			let k = 0;
			return selectForSecondMarking(scripts, boundaries, settings, (n) => draws[k++]! % n);
		};
		expect(run()).toEqual(run());
		// Pool s0..s29 (none near a boundary); picks pool[5], then (after the swap) pool[1+3], then pool[2].
		expect(run().map((p) => p.scriptId)).toEqual(['s2', 's4', 's5']);
	});

	it('takes at least one script however few there are', () => {
		expect(selectForSecondMarking(scriptsWith([5]), boundaries, settings, first)).toEqual([
			{ scriptId: 's0', reason: 'sample' }
		]);
	});

	it('takes none with no scripts, and only boundary scripts at 0%', () => {
		expect(selectForSecondMarking([], boundaries, settings, first)).toEqual([]);
		expect(
			selectForSecondMarking(
				scriptsWith([5, 30, 50]),
				boundaries,
				{ samplePercent: 0, boundaryWindow: 2 },
				first
			)
		).toEqual([{ scriptId: 's1', reason: 'boundary' }]);
	});

	it('never lists a script twice, even when the boundary takes most of them', () => {
		const picked = selectForSecondMarking(
			scriptsWith([30, 31, 29, 45, 0]),
			boundaries,
			{ samplePercent: 100, boundaryWindow: 2 },
			first
		);
		expect(picked.map((p) => p.scriptId)).toEqual(['s0', 's1', 's2', 's3', 's4']);
		expect(picked.find((p) => p.scriptId === 's4')!.reason).toBe('sample');
	});

	it('refuses a draw outside the range asked for', () => {
		expect(() =>
			selectForSecondMarking(scriptsWith([1, 2, 3]), boundaries, settings, () => 7)
		).toThrow(RangeError);
	});
});

describe('judgePair', () => {
	it('agrees within the tolerance, inclusive, either way round', () => {
		expect(judgePair(40, 43, 3)).toEqual({ outcome: 'agree', difference: 3 });
		expect(judgePair(43, 40, 3)).toEqual({ outcome: 'agree', difference: 3 });
		expect(judgePair(40, 40, 0)).toEqual({ outcome: 'agree', difference: 0 });
	});
	it('refers a pair further apart than the tolerance to a moderator', () => {
		expect(judgePair(40, 44, 3)).toEqual({ outcome: 'refer', difference: 4 });
		expect(judgePair(44, 40, 3)).toEqual({ outcome: 'refer', difference: 4 });
		expect(judgePair(1, 0, 0).outcome).toBe('refer');
	});
});

describe('final mark selection with second and moderator marks', () => {
	const m = (
		id: number,
		itemKey: string,
		authority: GivenMark['authority'],
		mark: number
	): GivenMark => ({ id, itemKey, authority, mark, fk: false });

	it('a second mark stands over a later first mark; a moderator mark over both; the latest of the highest counts', () => {
		const marks = [
			m(1, '1', 'first', 5),
			m(2, '1', 'second', 3),
			m(3, '1', 'first', 6),
			m(4, '2', 'first', 2),
			m(5, '2', 'moderator', 4),
			m(6, '2', 'second', 1),
			m(7, '2', 'moderator', 3)
		];
		const final = finalMarks(marks);
		expect(final.get('1')!.mark).toBe(3);
		expect(final.get('2')!.mark).toBe(3);
		expect(totalOf(final.values())).toBe(6);
	});
	it('seed and agreed marks never count', () => {
		expect(finalMarks([m(1, '1', 'agreed', 5), m(2, '1', 'seed', 4)]).size).toBe(0);
	});
});
