/**
 * Exam time. The server owns it:
 *   deadline = start + reading + duration × (1 + extra%) + pauses + extensions
 * A pause that begins during reading time also moves the end of reading.
 */
const MIN = 60_000;

export interface Pause {
	from: Date;
	/** null while the pause is still going on. */
	to: Date | null;
}

export interface TimingPlan {
	startedAt: Date;
	readingMinutes: number;
	durationMinutes: number;
	extraTimePercent: number;
	pauses: readonly Pause[];
	extensionMinutes: number;
}

export interface ComputedTimes {
	readingEndsAt: Date;
	/** For a pause still going on, as if it ended at `now`. */
	deadlineAt: Date;
}

export function answeringMs(durationMinutes: number, extraTimePercent: number): number {
	return Math.round(durationMinutes * MIN * (1 + extraTimePercent / 100));
}

export function computeDeadline(plan: TimingPlan, now: Date = new Date()): ComputedTimes {
	const pauses = [...plan.pauses].sort((a, b) => a.from.getTime() - b.from.getTime());
	let readingEnds = plan.startedAt.getTime() + plan.readingMinutes * MIN;
	let paused = 0;
	for (const p of pauses) {
		const length = Math.max(0, (p.to ?? now).getTime() - p.from.getTime());
		if (p.from.getTime() < readingEnds) readingEnds += length;
		paused += length;
	}
	const deadline =
		plan.startedAt.getTime() +
		plan.readingMinutes * MIN +
		answeringMs(plan.durationMinutes, plan.extraTimePercent) +
		paused +
		plan.extensionMinutes * MIN;
	return { readingEndsAt: new Date(readingEnds), deadlineAt: new Date(deadline) };
}

/**
 * The clock an attempt carries in the database, moved by each event without replaying history.
 * Kept equal to computeDeadline over the same events (a unit test holds the two together).
 */
export interface AttemptClock {
	readingEndsAt: Date;
	deadlineAt: Date;
	pausedAt: Date | null;
}

export function startClock(
	startedAt: Date,
	readingMinutes: number,
	durationMinutes: number,
	extraTimePercent: number
): AttemptClock {
	const t = computeDeadline({
		startedAt,
		readingMinutes,
		durationMinutes,
		extraTimePercent,
		pauses: [],
		extensionMinutes: 0
	});
	return { ...t, pausedAt: null };
}

export function pauseClock(clock: AttemptClock, at: Date): AttemptClock {
	return clock.pausedAt ? clock : { ...clock, pausedAt: at };
}

export function resumeClock(clock: AttemptClock, at: Date): AttemptClock {
	if (!clock.pausedAt) return clock;
	const length = Math.max(0, at.getTime() - clock.pausedAt.getTime());
	const duringReading = clock.pausedAt.getTime() < clock.readingEndsAt.getTime();
	return {
		readingEndsAt: duringReading
			? new Date(clock.readingEndsAt.getTime() + length)
			: clock.readingEndsAt,
		deadlineAt: new Date(clock.deadlineAt.getTime() + length),
		pausedAt: null
	};
}

export function extendClock(clock: AttemptClock, minutes: number): AttemptClock {
	return { ...clock, deadlineAt: new Date(clock.deadlineAt.getTime() + minutes * MIN) };
}

/** Milliseconds of answering time left at `now` (a paused clock stands still). */
export function timeLeftMs(clock: AttemptClock, now: Date): number {
	const reference = clock.pausedAt ?? now;
	return Math.max(0, clock.deadlineAt.getTime() - reference.getTime());
}

/** Saves up to this long after the deadline still count (network delays); later ones are quarantined. */
export const SAVE_GRACE_MS = 60_000;
