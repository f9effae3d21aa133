import type { MarkingSettings } from './marking.js';

/*
 * Second marking (issue 11 item 6, DESIGN.md section 6): which of a paper's first-marked scripts a
 * second marker marks blind, and what happens to a first/second pair. Pure: random draws are passed
 * in, so a selection is reproducible given the draws.
 */

export type SecondMarkingReason = 'sample' | 'boundary';

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

/*
 * A script's second marking, once its paper version's first marking is complete:
 *
 *   (not yet considered) ─select─► awaiting_marker ─allocate─► second_marking ─agree─► agreed
 *          │                                                        │
 *          └─pass_over─► not_selected                               └─refer─► referred ─resolve─► resolved
 *
 * Every change of the state is decided here; the server's one writer
 * (src/lib/server/quality/second-marking-state.ts) applies it under the row's lock.
 */

export const SECOND_MARKING_STATES = [
	'not_selected',
	'awaiting_marker',
	'second_marking',
	'agreed',
	'referred',
	'resolved'
] as const;
export type SecondMarkingState = (typeof SECOND_MARKING_STATES)[number];

export type SecondMarkingAction =
	/** Chosen for second marking (by the sample or the boundary rule) when first marking completes. */
	| 'select'
	/** Considered and not chosen. */
	| 'pass_over'
	/** Given to a second marker. */
	| 'allocate'
	/** The second marker's total is within tolerance of the first. */
	| 'agree'
	/** Further apart than the tolerance: to a moderator. */
	| 'refer'
	/** A moderator has decided. */
	| 'resolve';

/** null: the script has not been considered for second marking yet (it has no row). */
type From = SecondMarkingState | null;

const SECOND_MARKING_RULES: Record<
	SecondMarkingAction,
	{ from: readonly From[]; to: SecondMarkingState; refusal: (state: From) => string }
> = {
	select: {
		from: [null],
		to: 'awaiting_marker',
		refusal: () => 'This script was already considered for second marking'
	},
	pass_over: {
		from: [null],
		to: 'not_selected',
		refusal: () => 'This script was already considered for second marking'
	},
	allocate: {
		from: ['awaiting_marker'],
		to: 'second_marking',
		refusal: () => 'This script is not waiting for a second marker'
	},
	agree: {
		from: ['second_marking'],
		to: 'agreed',
		refusal: () => 'This script is not being second-marked'
	},
	refer: {
		from: ['second_marking'],
		to: 'referred',
		refusal: () => 'This script is not being second-marked'
	},
	resolve: {
		from: ['referred'],
		to: 'resolved',
		refusal: (s) =>
			s === 'resolved'
				? 'A moderator has already decided this script.'
				: 'This script has not been referred to a moderator'
	}
};

export type SecondMarkingVerdict =
	{ ok: true; state: SecondMarkingState } | { ok: false; reason: string };

/** Whether `action` may happen to a script's second marking in `state`, and the state it leads to. */
export function secondMarkingTransition(
	state: From,
	action: SecondMarkingAction
): SecondMarkingVerdict {
	const rule = SECOND_MARKING_RULES[action];
	if (!rule.from.includes(state)) return { ok: false, reason: rule.refusal(state) };
	return { ok: true, state: rule.to };
}

/** Second marking still to come or under way: a sitting's results wait for these. */
export const OPEN_SECOND_MARKING_STATES = [
	'awaiting_marker',
	'second_marking',
	'referred'
] as const satisfies readonly SecondMarkingState[];

/**
 * Second marking still to come for a script: chosen and not yet settled, or first-marked through
 * allocation but not yet considered (selection runs once the paper version's first marking is
 * complete, so a sitting's results wait for it: a second or moderator mark may still change them).
 */
export function secondMarkingOpen(
	firstAllocated: boolean,
	state: SecondMarkingState | undefined
): boolean {
	if (state === undefined) return firstAllocated;
	return (OPEN_SECOND_MARKING_STATES as readonly SecondMarkingState[]).includes(state);
}
