import { describe, expect, it } from 'vitest';

import { markingFinished } from '../../src/lib/domain/marking.js';
import { awardingStateOf, type SittingResultsStatus } from '../../src/lib/domain/results.js';

const at = new Date('2026-12-01T10:00:00Z');
const none: SittingResultsStatus = { computedAt: null, approvedAt: null, releasedAt: null };
const computed = { ...none, computedAt: at };
const approved = { ...computed, approvedAt: at };
const released = { ...approved, releasedAt: at };

describe("a paper version's awarding state", () => {
	it('has no sittings, or is marking until every sitting is computed', () => {
		expect(awardingStateOf([])).toBe('no_sittings');
		expect(awardingStateOf([none])).toBe('marking');
		expect(awardingStateOf([computed, none])).toBe('marking');
		expect(awardingStateOf([computed, computed])).toBe('computed');
	});

	it('is approved once any sitting is, and released once every sitting is', () => {
		expect(awardingStateOf([approved, none])).toBe('approved');
		expect(awardingStateOf([approved, computed])).toBe('approved');
		expect(awardingStateOf([released, approved])).toBe('approved');
		expect(awardingStateOf([released, none])).toBe('approved');
		expect(awardingStateOf([released, released])).toBe('released');
		expect(awardingStateOf([released])).toBe('released');
	});
});

describe('marking finished', () => {
	const done = { scripts: 3, unmarked: 0, inReview: 0, withoutScript: 0 };
	it('needs every script marked, no check open and every attempt with its script', () => {
		expect(markingFinished(done)).toBe(true);
		expect(markingFinished({ ...done, scripts: 0 })).toBe(true);
		expect(markingFinished({ ...done, unmarked: 1 })).toBe(false);
		expect(markingFinished({ ...done, inReview: 1 })).toBe(false);
		expect(markingFinished({ ...done, withoutScript: 1 })).toBe(false);
	});
});
