/**
 * Instants as the centres read them: every date and time shown to staff, printed on a slip or
 * written in a CSV is formatted here, in the centres' time zone (GMT or BST as the date has it),
 * whatever the zone of the server or the browser. Pure.
 */

const LONG_DATE = { day: 'numeric', month: 'long', year: 'numeric' } as const;

/** The time zone centres keep their exam calendar in. */
export const CENTRE_TIME_ZONE = 'Europe/London';

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
	return formalDate(at, timeZone).replace(',', '');
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
	return instantAt(day, 0, 0, timeZone);
}

/** The instant a clock in the zone reads `hour:minute` on a calendar day: ("2026-07-01", 9, 30) → 08:30Z. */
export function instantAt(
	day: string,
	hour: number,
	minute: number,
	timeZone = CENTRE_TIME_ZONE
): Date {
	const [y, m, d] = day.split('-').map(Number) as [number, number, number];
	const asUtc = Date.UTC(y, m - 1, d, hour, minute);
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
			.formatToParts(new Date(asUtc))
			.map((p) => [p.type, Number(p.value)])
	);
	// How far the zone's clock is ahead of UTC at that moment (London: 0 or 1 hour).
	const ahead =
		Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!) - asUtc;
	return new Date(asUtc - ahead);
}

/** A date alone, short: "29 Nov 2026". */
export function centreDate(at: Date | string, timeZone = CENTRE_TIME_ZONE): string {
	return new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium' }).format(new Date(at));
}

/** A time of day: "14:05:09" (`seconds`: false → "14:05"). */
export function centreTime(
	at: Date | string,
	{ seconds = true } = {},
	timeZone = CENTRE_TIME_ZONE
): string {
	return new Intl.DateTimeFormat('en-GB', {
		timeZone,
		hour: '2-digit',
		minute: '2-digit',
		...(seconds ? { second: '2-digit' } : {})
	}).format(new Date(at));
}

/** A date as a document prints it (a slip, a register): "Sunday, 29 November 2026". */
export function formalDate(at: Date | string, timeZone = CENTRE_TIME_ZONE): string {
	return new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long', ...LONG_DATE }).format(
		new Date(at)
	);
}

/** A date and time as a document prints it: "Wednesday, 14 May 2025 at 09:30". */
export function formalDateTime(at: Date | string, timeZone = CENTRE_TIME_ZONE): string {
	return `${formalDate(at, timeZone)} at ${centreTime(at, { seconds: false }, timeZone)}`;
}

/** A calendar day ("2026-12-31") as the UK writes it: "31/12/2026". */
export function ukDate(day: string): string {
	const [y, m, d] = day.split('-');
	return `${d}/${m}/${y}`;
}

/** A date with the month in words, as a letter or a certificate has it: "7 December 2026". */
export function longDate(at: Date | string, timeZone = CENTRE_TIME_ZONE): string {
	return new Intl.DateTimeFormat('en-GB', { timeZone, ...LONG_DATE }).format(new Date(at));
}
