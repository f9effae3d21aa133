import { CENTRE_TIME_ZONE, dayIn, dayWords } from './centre-time.js';

/**
 * When a sitting may be booked and started. Pure: the caller passes the time now; the centre's
 * calendar day is read in the centre's time zone (all centres are in England, Wales or Northern
 * Ireland today), so a sitting booked for 00:30 on a summer morning is on that morning's date.
 */

/**
 * How far in the past a booking may still be made: the form takes minutes, and a centre may book
 * a sitting while its candidates are already coming in. Anything earlier is a mistake (a year typed
 * wrong, yesterday's date), refused.
 */
export const BOOKING_GRACE_MS = 15 * 60_000;

/** Why this booked time is refused, or null when it may be booked (now, or later). */
export function judgeBookingTime(at: Date, now: Date): string | null {
	if (at.getTime() < now.getTime() - BOOKING_GRACE_MS)
		return 'The date and time have passed: choose a time from now on';
	return null;
}

export type StartDayVerdict =
	{ sameDay: true } | { sameDay: false; bookedDay: string; today: string };

/**
 * Is a sitting being started on the day it was booked for (in the centre's time zone)? Starting on
 * another day is allowed only with a confirmed reason (an exam moved by the awarding body, a
 * snow day), which the caller must ask for and audit.
 */
export function judgeStartDay(
	now: Date,
	scheduledAt: Date,
	timeZone = CENTRE_TIME_ZONE
): StartDayVerdict {
	if (dayIn(now, timeZone) === dayIn(scheduledAt, timeZone)) return { sameDay: true };
	return {
		sameDay: false,
		bookedDay: dayWords(scheduledAt, timeZone),
		today: dayWords(now, timeZone)
	};
}
