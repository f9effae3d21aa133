import type { MarkingSettings } from './marking.js';

/*
 * Second marking (issue 11 item 6, DESIGN.md section 6): which of a paper's first-marked scripts a
 * second marker marks blind, and what happens to a first/second pair. Pure: random draws are passed
 * in, so a selection is reproducible given the draws.
 */

export type SecondMarkingReason = 'sample' | 'boundary';

/** Where a first-marked script stands in second marking. */
export type SecondMarkingState =
	'not_selected' | 'awaiting_marker' | 'second_marking' | 'agreed' | 'referred' | 'resolved';

export interface FirstMarkedScript {
	scriptId: string;
	/** The script's first-mark total. */
	total: number;
}

export interface Boundaries {
	pass: number;
	firstClass: number;
}

export interface SecondMarkingSelection {
	scriptId: string;
	reason: SecondMarkingReason;
}

/** Whether a total lies within `window` marks of the pass or the first-class mark (either side, inclusive). */
export function nearBoundary(total: number, boundaries: Boundaries, window: number): boolean {
	return (
		Math.abs(total - boundaries.pass) <= window || Math.abs(total - boundaries.firstClass) <= window
	);
}

/** How many of `count` scripts the sample takes: `percent` of them rounded up, at least one when percent > 0 and there are scripts. */
export function sampleSize(count: number, percent: number): number {
	if (count <= 0 || percent <= 0) return 0;
	return Math.min(count, Math.max(1, Math.ceil((count * percent) / 100)));
}

/**
 * The scripts to second-mark: every script within the boundary window (reason 'boundary'), plus a
 * random sample of `samplePercent` of all the scripts (reason 'sample'). The sample is drawn from
 * the scripts the boundary rule did not already take, so it adds to them; when the boundary takes
 * nearly everything the sample is what is left. `draw(n)` returns a whole number in [0, n).
 * The result lists each script once, in the order of `scripts` (boundary and sample mixed), so
 * nothing about the order tells a second marker why a script was chosen.
 */
export function selectForSecondMarking(
	scripts: readonly FirstMarkedScript[],
	boundaries: Boundaries,
	settings: Pick<MarkingSettings, 'samplePercent' | 'boundaryWindow'>,
	draw: (n: number) => number
): SecondMarkingSelection[] {
	const reason = new Map<string, SecondMarkingReason>();
	for (const s of scripts)
		if (nearBoundary(s.total, boundaries, settings.boundaryWindow))
			reason.set(s.scriptId, 'boundary');
	const pool = scripts.filter((s) => !reason.has(s.scriptId)).map((s) => s.scriptId);
	const wanted = Math.min(pool.length, sampleSize(scripts.length, settings.samplePercent));
	// A partial Fisher–Yates shuffle: the first `wanted` places are a uniform sample of the pool.
	for (let i = 0; i < wanted; i++) {
		const j = i + checkedDraw(draw, pool.length - i);
		[pool[i], pool[j]] = [pool[j]!, pool[i]!];
		reason.set(pool[i]!, 'sample');
	}
	return scripts
		.filter((s) => reason.has(s.scriptId))
		.map((s) => ({ scriptId: s.scriptId, reason: reason.get(s.scriptId)! }));
}

function checkedDraw(draw: (n: number) => number, n: number): number {
	const d = draw(n);
	if (!Number.isInteger(d) || d < 0 || d >= n)
		throw new RangeError(`draw(${n}) returned ${d}, not a whole number from 0 to ${n - 1}`);
	return d;
}

export type PairOutcome =
	{ outcome: 'agree'; difference: number } | { outcome: 'refer'; difference: number };

/**
 * A first and a second total: within the tolerance they agree (the second mark stands, being of
 * higher authority); further apart than the tolerance the pair goes to a moderator.
 */
export function judgePair(firstTotal: number, secondTotal: number, tolerance: number): PairOutcome {
	const difference = Math.abs(firstTotal - secondTotal);
	return difference > tolerance
		? { outcome: 'refer', difference }
		: { outcome: 'agree', difference };
}

/** The total of an item → mark map (a script's latest marks under one authority). */
export function totalOf(marks: Iterable<{ mark: number }>): number {
	let sum = 0;
	for (const m of marks) sum += m.mark;
	return sum;
}
