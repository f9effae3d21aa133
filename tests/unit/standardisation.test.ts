import { describe, expect, it } from 'vitest';

import { DEFAULT_MARKING_SETTINGS } from '../../src/lib/domain/marking.js';
import {
	judgeSeed,
	meanAbsoluteDeviation,
	medianTimePerScript,
	qualificationProgress,
	seedDue,
	settingsFrom,
	shouldStop,
	trailingMisses
} from '../../src/lib/domain/standardisation.js';

const tolerance = { seedItemTolerance: 1, seedScriptTolerance: 2 };
const marks = (o: Record<string, number>) => new Map(Object.entries(o));
const runOf = (s: string) => [...s].map((c) => ({ within: c === 'y' }));

describe('judgeSeed', () => {
	it('is within when every item and the total are within tolerance (inclusive)', () => {
		const j = judgeSeed(
			marks({ '1': 5, '2': 3, '3.a': 2 }),
			marks({ '1': 4, '2': 4, '3.a': 2 }),
			tolerance
		);
		expect(j.within).toBe(true);
		expect(j.items.map((i) => i.deviation)).toEqual([1, -1, 0]);
		expect(j).toMatchObject({ givenTotal: 10, agreedTotal: 10, totalDeviation: 0 });
	});
	it('is out when one item is beyond the item tolerance, though the total agrees', () => {
		const j = judgeSeed(marks({ '1': 6, '2': 2 }), marks({ '1': 4, '2': 4 }), tolerance);
		expect(j.totalDeviation).toBe(0);
		expect(j.items.map((i) => i.within)).toEqual([false, false]);
		expect(j.within).toBe(false);
	});
	it('is out when the total drifts beyond the script tolerance, though every item is within', () => {
		const j = judgeSeed(
			marks({ '1': 5, '2': 5, '3': 5 }),
			marks({ '1': 4, '2': 4, '3': 4 }),
			tolerance
		);
		expect(j.items.every((i) => i.within)).toBe(true);
		expect(j.totalDeviation).toBe(3);
		expect(j.within).toBe(false);
	});
	it('counts an item left unmarked as 0', () => {
		const j = judgeSeed(marks({ '1': 4 }), marks({ '1': 4, '2': 3 }), tolerance);
		expect(j.items[1]).toEqual({ itemKey: '2', given: 0, agreed: 3, deviation: -3, within: false });
	});
});

describe('qualificationProgress', () => {
	it('qualifies on the last N seeds all within tolerance', () => {
		expect(qualificationProgress(runOf('yyy'), 3).qualified).toBe(true);
		expect(qualificationProgress(runOf('nyyy'), 3).qualified).toBe(true);
		expect(qualificationProgress(runOf('yyny'), 3)).toEqual({
			qualified: false,
			withinOfLast: 2,
			needed: 3
		});
	});
	it('does not qualify on too few seeds', () => {
		expect(qualificationProgress(runOf('yy'), 3)).toEqual({
			qualified: false,
			withinOfLast: 2,
			needed: 3
		});
		expect(qualificationProgress([], 3).qualified).toBe(false);
	});
	it('a paper asking for no seeds qualifies at once', () => {
		expect(qualificationProgress([], 0).qualified).toBe(true);
	});
});

describe('shouldStop', () => {
	it('stops on N consecutive misses at the end', () => {
		expect(shouldStop(runOf('ynn'), 2)).toBe(true);
		expect(shouldStop(runOf('nn'), 2)).toBe(true);
	});
	it('misses that are not consecutive, or too few, do not stop', () => {
		expect(shouldStop(runOf('nyn'), 2)).toBe(false);
		expect(shouldStop(runOf('n'), 2)).toBe(false);
		expect(shouldStop(runOf('nny'), 2)).toBe(false);
		expect(shouldStop([], 2)).toBe(false);
	});
	it('one miss stops when the paper says so', () => {
		expect(shouldStop(runOf('yn'), 1)).toBe(true);
	});
	it('trailingMisses counts the run at the end', () => {
		expect(trailingMisses(runOf('nynn'))).toBe(2);
		expect(trailingMisses(runOf('y'))).toBe(0);
	});
});

describe('seedDue', () => {
	it('one in twenty: after 19 live scripts the next is a seed', () => {
		expect(seedDue(18, 20)).toBe(false);
		expect(seedDue(19, 20)).toBe(true);
		expect(seedDue(40, 20)).toBe(true);
	});
	it('every script at a rate of one, never at 0', () => {
		expect(seedDue(0, 1)).toBe(true);
		expect(seedDue(1000, 0)).toBe(false);
	});
});

describe('settingsFrom', () => {
	it('uses the defaults for a paper without settings', () => {
		expect(settingsFrom(undefined)).toEqual(DEFAULT_MARKING_SETTINGS);
	});
	it("reads a paper's own row", () => {
		const row = {
			sample_percent: 25,
			boundary_window: 4,
			second_mark_tolerance: 5,
			seed_every: 10,
			seed_item_tolerance: 0,
			seed_script_tolerance: 2,
			qualifying_seeds: 2,
			stop_after_misses: 3
		};
		expect(settingsFrom(row)).toEqual({
			samplePercent: 25,
			boundaryWindow: 4,
			secondMarkTolerance: 5,
			seedEvery: 10,
			seedItemTolerance: 0,
			seedScriptTolerance: 2,
			qualifyingSeeds: 2,
			stopAfterMisses: 3
		});
	});
});

describe('performance figures', () => {
	const at = (min: number) => new Date(Date.UTC(2026, 10, 29, 9, 0) + min * 60_000);
	it('median time per script from the gaps between finishes, leaving out breaks', () => {
		expect(medianTimePerScript([at(0), at(10), at(16), at(200), at(208)])).toBe(8 * 60_000);
		expect(medianTimePerScript([at(5), at(0), at(3)])).toBe(2.5 * 60_000);
	});
	it('no figure from one script or only breaks', () => {
		expect(medianTimePerScript([at(0)])).toBeNull();
		expect(medianTimePerScript([at(0), at(300)])).toBeNull();
	});
	it('mean absolute deviation', () => {
		expect(meanAbsoluteDeviation([2, -2, 0, 4])).toBe(2);
		expect(meanAbsoluteDeviation([])).toBeNull();
	});
});
