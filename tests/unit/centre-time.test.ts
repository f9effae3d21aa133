import { describe, expect, it } from 'vitest';

import {
	centreDate,
	centreDateTime,
	centreTime,
	dayIn,
	formalDate,
	formalDateTime,
	instantAt,
	longDate,
	startOfDayIn,
	ukDate
} from '../../src/lib/domain/centre-time.js';

// 23:30 UTC on 31 May is 00:30 on 1 June in London (BST): every formatter must say June.
const summerNight = new Date('2026-05-31T23:30:05Z');
// 09:05 UTC on 7 December is 09:05 in London (GMT).
const winterMorning = new Date('2026-12-07T09:05:00Z');

describe('instants as the centres read them (one formatter, Europe/London)', () => {
	it('dates an instant by the London calendar, not UTC', () => {
		expect(dayIn(summerNight)).toBe('2026-06-01');
		expect(centreDate(summerNight)).toBe('1 Jun 2026');
		expect(longDate(summerNight)).toBe('1 June 2026');
		expect(formalDate(summerNight)).toBe('Monday, 1 June 2026');
	});

	it('tells the time in BST in summer and GMT in winter', () => {
		expect(centreTime(summerNight)).toBe('00:30:05');
		expect(centreTime(summerNight, { seconds: false })).toBe('00:30');
		expect(centreDateTime(winterMorning)).toBe('7 Dec 2026, 09:05:00');
		expect(centreDateTime(winterMorning, { seconds: false })).toBe('7 Dec 2026, 09:05');
		expect(formalDateTime(winterMorning)).toBe('Monday, 7 December 2026 at 09:05');
	});

	it('accepts the ISO strings pages receive as well as dates', () => {
		expect(centreTime('2026-05-31T23:30:05.000Z')).toBe('00:30:05');
		expect(longDate('2026-12-07T09:05:00Z')).toBe('7 December 2026');
	});

	it('writes a calendar day the UK way and finds where a London day begins', () => {
		expect(ukDate('2026-02-28')).toBe('28/02/2026');
		expect(startOfDayIn('2026-07-01').toISOString()).toBe('2026-06-30T23:00:00.000Z');
		expect(startOfDayIn('2026-12-07').toISOString()).toBe('2026-12-07T00:00:00.000Z');
		expect(instantAt('2026-07-01', 9, 30).toISOString()).toBe('2026-07-01T08:30:00.000Z');
		// The clocks went forward at 01:00 UTC on 29 March 2026: 09:30 that day is already BST.
		expect(instantAt('2026-03-29', 9, 30).toISOString()).toBe('2026-03-29T08:30:00.000Z');
	});
});
