import { dayIn, ukDate } from './centre-time.js';

/**
 * Booking a candidate on a sitting of a unit, first attempt or resit (issue 15, item 2). Pure:
 * the candidate's history on the unit and the settings are passed in.
 *
 * - Only a candidate registered for a qualification through the paper's unit may be booked.
 * - A candidate may be booked again only once every earlier attempt's result is released and none
 *   achieved the unit: a Fail, or absent (who never saw the paper).
 * - A resit is on a live paper of the unit the candidate has not sat: the system names it, or says
 *   that none is left.
 * - At most `maxAttempts` attempts sat at the unit, and at least `minIntervalDays` between the last
 *   one sat and the next.
 */

export interface ResitSettings {
	maxAttempts: number;
	minIntervalDays: number;
}

/** The system's defaults (the handbook sets neither); the awarding administrator may change both. */
export const DEFAULT_RESIT_SETTINGS: ResitSettings = { maxAttempts: 3, minIntervalDays: 7 };

/** An earlier booking of the candidate on the unit: its released outcome, or pending until released. */
export type PastOutcome = 'pending' | 'Pass' | 'First Class Pass' | 'Fail' | 'absent' | 'void';

export interface PastAttempt {
	paperCode: string;
	sittingAt: Date;
	outcome: PastOutcome;
}

export interface BookingCase {
	/** "Alex Smith (0001)": named in every refusal, so a centre booking many knows whom it is about. */
	candidate: string;
	unitCode: string;
	paperCode: string;
	registered: boolean;
	history: readonly PastAttempt[];
	/** The unit's live papers' codes, in the bank's order. */
	livePapers: readonly string[];
	scheduledAt: Date;
	settings: ResitSettings;
}

export type BookingVerdict =
	{ ok: true; attempt: number; resit: boolean } | { ok: false; reason: string };

const DAY_MS = 86_400_000;
const sat = (h: readonly PastAttempt[]) => h.filter((a) => a.outcome === 'Fail');

/** The live papers of the unit the candidate has not sat, in the bank's order. */
export function papersLeft(
	history: readonly PastAttempt[],
	livePapers: readonly string[]
): string[] {
	const seen = new Set(sat(history).map((a) => a.paperCode));
	return livePapers.filter((p) => !seen.has(p));
}

export function judgeBooking(c: BookingCase): BookingVerdict {
	const who = c.candidate;
	if (!c.registered)
		return {
			ok: false,
			reason: `${who} is not registered for a qualification through unit ${c.unitCode}: register them for it first.`
		};
	const pending = c.history.find((a) => a.outcome === 'pending');
	if (pending)
		return {
			ok: false,
			reason: `${who} is already booked on ${pending.paperCode} (${ukDate(dayIn(pending.sittingAt))}) and has no released result for it yet.`
		};
	const passed = c.history.find((a) => a.outcome === 'Pass' || a.outcome === 'First Class Pass');
	if (passed)
		return {
			ok: false,
			reason: `${who} has already achieved unit ${c.unitCode} (${passed.outcome} on ${passed.paperCode}).`
		};
	const voided = c.history.find((a) => a.outcome === 'void');
	if (voided)
		return {
			ok: false,
			reason: `${who}'s attempt on ${voided.paperCode} was declared void: a further attempt needs the awarding body's decision.`
		};
	const attempts = sat(c.history);
	if (attempts.length >= c.settings.maxAttempts)
		return {
			ok: false,
			reason: `${who} has made ${attempts.length} attempt${attempts.length === 1 ? '' : 's'} at unit ${c.unitCode}, the most allowed (${c.settings.maxAttempts}).`
		};
	const last = attempts.reduce<PastAttempt | null>(
		(l, a) => (!l || a.sittingAt > l.sittingAt ? a : l),
		null
	);
	if (
		last &&
		c.scheduledAt.getTime() - last.sittingAt.getTime() < c.settings.minIntervalDays * DAY_MS
	) {
		const from = new Date(last.sittingAt.getTime() + c.settings.minIntervalDays * DAY_MS);
		return {
			ok: false,
			reason: `${who} last sat unit ${c.unitCode} on ${ukDate(dayIn(last.sittingAt))}: a resit may be taken from ${ukDate(dayIn(from))} (at least ${c.settings.minIntervalDays} days between attempts).`
		};
	}
	if (attempts.some((a) => a.paperCode === c.paperCode)) {
		const left = papersLeft(c.history, c.livePapers);
		return left.length === 0
			? {
					ok: false,
					reason: `${who} has sat every live paper of unit ${c.unitCode}: no paper is left for a resit.`
				}
			: {
					ok: false,
					reason: `${who} has already sat ${c.paperCode}: a resit must be on a different live paper; book them on ${left[0]}.`
				};
	}
	return { ok: true, attempt: attempts.length + 1, resit: c.history.length > 0 };
}
