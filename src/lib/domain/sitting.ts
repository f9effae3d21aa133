/**
 * When a sitting may be booked and started. Pure: the caller passes the time now; the centre's
 * calendar day is read in the centre's time zone (all centres are in England, Wales or Northern
 * Ireland today), so a sitting booked for 00:30 on a summer morning is on that morning's date.
 */

/** The time zone centres keep their exam calendar in. */
export const CENTRE_TIME_ZONE = 'Europe/London';

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

/** The calendar day ("2026-11-28") of an instant in a time zone. */
export function dayIn(at: Date, timeZone = CENTRE_TIME_ZONE): string {
	// en-CA writes dates as YYYY-MM-DD.
	return new Intl.DateTimeFormat('en-CA', {
		timeZone,
		year: 'numeric',
		month: '2-digit',
		day: '2-digit'
	}).format(at);
}

/** A day as a centre reads it: "Tuesday 24 November 2026". */
export function dayWords(at: Date, timeZone = CENTRE_TIME_ZONE): string {
	return new Intl.DateTimeFormat('en-GB', {
		timeZone,
		weekday: 'long',
		day: 'numeric',
		month: 'long',
		year: 'numeric'
	})
		.format(at)
		.replace(',', '');
}

/**
 * A date and time as the centres read them, in their time zone (GMT or BST as the date has it):
 * "29 Nov 2026, 14:05:09" (`seconds`: false → "29 Nov 2026, 14:05"). Every page showing an instant
 * to staff uses this, so an audit entry and the page it is about agree.
 */
export function centreDateTime(
	at: Date | string,
	{ seconds = true } = {},
	timeZone = CENTRE_TIME_ZONE
): string {
	return new Intl.DateTimeFormat('en-GB', {
		timeZone,
		dateStyle: 'medium',
		timeStyle: seconds ? 'medium' : 'short'
	}).format(new Date(at));
}

/** The instant a calendar day ("2026-07-01") begins in a time zone: 2026-06-30T23:00Z in London's summer. */
export function startOfDayIn(day: string, timeZone = CENTRE_TIME_ZONE): Date {
	const utcMidnight = new Date(`${day}T00:00:00Z`);
	const parts = Object.fromEntries(
		new Intl.DateTimeFormat('en-GB', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit'
		})
			.formatToParts(utcMidnight)
			.map((p) => [p.type, Number(p.value)])
	);
	// How far the zone's clock is ahead of UTC at that moment (London: 0 or 1 hour; no change falls at midnight).
	const ahead =
		Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!) -
		utcMidnight.getTime();
	return new Date(utcMidnight.getTime() - ahead);
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
