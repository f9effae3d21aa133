/**
 * Late entry (issue 21, item 5): a candidate who arrives after the sitting started is let in with
 * their full time up to the sitting's limit (this system's default: 30 minutes after the start, set
 * per sitting at booking); after it the invigilator must say why they admit them, and the reason
 * goes in the sitting's log, which the awarding body reads before approval. Pure.
 */

/** This system's default limit for late entry, in minutes after the start. */
export const DEFAULT_LATE_ENTRY_MINUTES = 30;
/** The most a sitting's limit may be (four hours: longer than any paper). */
export const MAX_LATE_ENTRY_MINUTES = 240;

export type LateEntryVerdict =
	| { ok: true; minutesLate: number; logReason: string }
	| { ok: false; minutesLate: number; reason: string };

/**
 * May a late arrival start now, and what the log says of it. `reason` is the invigilator's, needed
 * only past the limit.
 */
export function judgeLateEntry(
	startedAt: Date,
	now: Date,
	limitMinutes: number,
	reason: string
): LateEntryVerdict {
	const minutesLate = Math.max(0, Math.floor((now.getTime() - startedAt.getTime()) / 60_000));
	const given = reason.trim();
	if (minutesLate <= limitMinutes)
		return {
			ok: true,
			minutesLate,
			logReason: `${minutesLate} min after the start, within the ${limitMinutes}-minute limit${given ? `: ${given}` : ''}`
		};
	if (given === '')
		return {
			ok: false,
			minutesLate,
			reason: `This candidate is starting ${minutesLate} minutes after the sitting began, past its ${limitMinutes}-minute limit for late entry: give the reason you are admitting them`
		};
	return {
		ok: true,
		minutesLate,
		logReason: `Admitted ${minutesLate} min after the start, past the ${limitMinutes}-minute limit: ${given}`
	};
}
