import { describe, expect, it } from 'vitest';

import {
	answeringMs,
	computeDeadline,
	extendClock,
	pauseClock,
	resumeClock,
	startClock,
	timeLeftMs
} from '../../src/lib/domain/timing.js';

const MIN = 60_000;
const t0 = new Date('2026-11-24T09:00:00Z');
const at = (min: number) => new Date(t0.getTime() + min * MIN);

describe('computeDeadline', () => {
	it('is start + reading + duration with no arrangements', () => {
		const t = computeDeadline({
			startedAt: t0,
			readingMinutes: 5,
			durationMinutes: 60,
			extraTimePercent: 0,
			pauses: [],
			extensionMinutes: 0
		});
		expect(t).toEqual({ readingEndsAt: at(5), deadlineAt: at(65) });
	});
	it('applies extra time to the answering time only, not the reading time', () => {
		const t = computeDeadline({
			startedAt: t0,
			readingMinutes: 5,
			durationMinutes: 90,
			extraTimePercent: 25,
			pauses: [],
			extensionMinutes: 0
		});
		expect(t).toEqual({ readingEndsAt: at(5), deadlineAt: at(5 + 112.5) });
		expect(answeringMs(120, 50)).toBe(180 * MIN);
	});
	it('adds every pause and extension; a pause during reading also moves the end of reading', () => {
		const t = computeDeadline({
			startedAt: t0,
			readingMinutes: 5,
			durationMinutes: 60,
			extraTimePercent: 10,
			pauses: [
				{ from: at(30), to: at(37) },
				{ from: at(2), to: at(4) },
				{ from: at(50), to: at(51) }
			],
			extensionMinutes: 15
		});
		// reading 5 + 2 (paused during reading) → ends at 7; deadline 5 + 66 + 2 + 7 + 1 + 15 = 96.
		expect(t).toEqual({ readingEndsAt: at(7), deadlineAt: at(96) });
	});
	it('counts a pause still going on up to now', () => {
		const t = computeDeadline(
			{
				startedAt: t0,
				readingMinutes: 5,
				durationMinutes: 60,
				extraTimePercent: 0,
				pauses: [{ from: at(10), to: null }],
				extensionMinutes: 0
			},
			at(14)
		);
		expect(t.deadlineAt).toEqual(at(69));
	});
});

describe('the stored clock moves as computeDeadline says', () => {
	it('through pauses (one during reading), resumes and extensions', () => {
		let c = startClock(t0, 5, 90, 25);
		c = pauseClock(c, at(3));
		expect(timeLeftMs(c, at(4))).toBe(timeLeftMs(c, at(100)));
		c = resumeClock(c, at(6));
		c = pauseClock(c, at(40));
		c = resumeClock(c, at(52.5));
		c = extendClock(c, 10);
		const expected = computeDeadline({
			startedAt: t0,
			readingMinutes: 5,
			durationMinutes: 90,
			extraTimePercent: 25,
			pauses: [
				{ from: at(3), to: at(6) },
				{ from: at(40), to: at(52.5) }
			],
			extensionMinutes: 10
		});
		expect({ readingEndsAt: c.readingEndsAt, deadlineAt: c.deadlineAt }).toEqual(expected);
		expect(c.pausedAt).toBeNull();
	});
	it('pausing twice or resuming an unpaused clock changes nothing', () => {
		const c = startClock(t0, 5, 60, 0);
		const p = pauseClock(c, at(10));
		expect(pauseClock(p, at(12))).toEqual(p);
		expect(resumeClock(c, at(20))).toEqual(c);
	});
	it('time left counts down, stops while paused, never goes below zero', () => {
		const c = startClock(t0, 5, 60, 0);
		expect(timeLeftMs(c, at(35))).toBe(30 * MIN);
		expect(timeLeftMs(pauseClock(c, at(35)), at(50))).toBe(30 * MIN);
		expect(timeLeftMs(c, at(90))).toBe(0);
	});
});
