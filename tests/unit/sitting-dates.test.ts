import { describe, expect, it } from 'vitest';

import { dayIn } from '../../src/lib/domain/centre-time.js';
import { BOOKING_GRACE_MS, judgeBookingTime, judgeStartDay } from '../../src/lib/domain/sitting.js';

const now = new Date('2026-11-28T10:00:00Z');

describe('booking a sitting', () => {
	it('refuses a time in the past (a sitting dated 2020, yesterday)', () => {
		expect(judgeBookingTime(new Date('2020-06-01T09:00:00Z'), now)).toMatch(/passed/);
		expect(judgeBookingTime(new Date('2026-11-27T10:00:00Z'), now)).toMatch(/passed/);
		expect(judgeBookingTime(new Date(now.getTime() - BOOKING_GRACE_MS - 1), now)).toMatch(/passed/);
	});
	it('takes now, a moment ago (candidates already arriving) and any later time', () => {
		expect(judgeBookingTime(now, now)).toBeNull();
		expect(judgeBookingTime(new Date(now.getTime() - BOOKING_GRACE_MS), now)).toBeNull();
		expect(judgeBookingTime(new Date('2027-05-01T09:00:00Z'), now)).toBeNull();
	});
});

describe('starting a sitting on the day it was booked for', () => {
	it('is the same day in London, whatever the UTC date says', () => {
		// 23:30 UTC on 30 June is 00:30 on 1 July in London (summer time).
		expect(dayIn(new Date('2026-06-30T23:30:00Z'))).toBe('2026-07-01');
		expect(
			judgeStartDay(new Date('2026-07-01T08:00:00Z'), new Date('2026-06-30T23:30:00Z'))
		).toEqual({ sameDay: true });
		expect(
			judgeStartDay(new Date('2026-11-28T23:59:00Z'), new Date('2026-11-28T00:00:00Z'))
		).toEqual({ sameDay: true });
	});
	it('names both days when a sitting booked for next week is started today', () => {
		expect(judgeStartDay(now, new Date('2026-12-05T09:00:00Z'))).toEqual({
			sameDay: false,
			bookedDay: 'Saturday 5 December 2026',
			today: 'Saturday 28 November 2026'
		});
		// Just past midnight in London (winter: London = UTC) is the next day.
		expect(
			judgeStartDay(new Date('2026-11-29T00:01:00Z'), new Date('2026-11-28T23:00:00Z')).sameDay
		).toBe(false);
	});
});
