import { SAVE_GRACE_MS } from './timing.js';

/*
 * Marking rules (DESIGN.md section 6) that every part of marking shares: what a script is, who may
 * mark with what authority, which of an item's marks is final, and the per-paper settings. Second
 * marking and standardisation have modules of their own that build on these.
 */

export const SCRIPT_KINDS = ['live', 'seed'] as const;
export type ScriptKind = (typeof SCRIPT_KINDS)[number];

/** Why a marker holds an item of a script. */
export const ALLOCATION_PURPOSES = ['first', 'second', 'moderation', 'seed'] as const;
export type AllocationPurpose = (typeof ALLOCATION_PURPOSES)[number];

/**
 * Every mark row's authority. first, second and moderator marks count towards the result; seed (a
 * marker's mark on a seed script) and agreed (the lead's agreed mark for a seed) never do.
 */
export const MARK_AUTHORITIES = ['first', 'second', 'moderator', 'seed', 'agreed'] as const;
export type MarkAuthority = (typeof MARK_AUTHORITIES)[number];

/** The authority a mark given under an allocation carries. */
export function authorityOf(purpose: AllocationPurpose): MarkAuthority {
	switch (purpose) {
		case 'first':
			return 'first';
		case 'second':
			return 'second';
		case 'moderation':
			return 'moderator';
		case 'seed':
			return 'seed';
	}
}

/**
 * Rank of the authorities that count towards a result. A second mark is a fresh, blind judgement
 * and stands over the first; a moderator's stands over both (DESIGN.md: "the latest of the highest
 * authority counts").
 */
const RANK: Partial<Record<MarkAuthority, number>> = { first: 1, second: 2, moderator: 3 };

export interface GivenMark {
	/** Ordering of marks as they were given (the mark table's identity). */
	id: number;
	itemKey: string;
	authority: MarkAuthority;
	mark: number;
	fk: boolean;
}

/**
 * The final mark of each item: among the marks that count, the latest of the highest authority.
 * Items with no counting mark are absent from the map.
 */
export function finalMarks<T extends GivenMark>(marks: readonly T[]): Map<string, T> {
	const best = new Map<string, T>();
	for (const m of marks) {
		const rank = RANK[m.authority];
		if (rank === undefined) continue;
		const held = best.get(m.itemKey);
		const heldRank = held ? RANK[held.authority]! : 0;
		if (!held || rank > heldRank || (rank === heldRank && m.id > held.id)) best.set(m.itemKey, m);
	}
	return best;
}

/**
 * The latest mark a marker gave on each item under one authority (their own current view of their
 * marking: a reload shows it, the script's live total adds it up).
 */
export function latestMarks<T extends GivenMark>(
	marks: readonly T[],
	authority: MarkAuthority
): Map<string, T> {
	const latest = new Map<string, T>();
	for (const m of marks) {
		if (m.authority !== authority) continue;
		const held = latest.get(m.itemKey);
		if (!held || m.id > held.id) latest.set(m.itemKey, m);
	}
	return latest;
}

/** Attempted is decided by the stored answer, never by the mark: a blank answer is not attempted. */
export function isAttempted(answer: string | null | undefined): boolean {
	return typeof answer === 'string' && answer.trim().length > 0;
}

/**
 * A blank answer scores 0: why a mark above 0 on the item cannot be recorded, or null when it may
 * (an answer was written, or the mark is 0). The marking screen says so; the server decides.
 */
export function blankAnswerRefusal(
	mark: number,
	answer: string | null | undefined,
	label: string
): string | null {
	if (mark <= 0 || isAttempted(answer)) return null;
	return `Question ${label} has no answer written, so it scores 0: a mark of ${mark} cannot be recorded.`;
}

/**
 * A submitted attempt becomes a script once its answers can no longer change: the sitting has
 * ended, or the save grace after submission has passed (a save on its way may still land until then).
 */
export function scriptIsReady(
	attempt: { state: string; submittedAt: Date | null },
	sittingEnded: boolean,
	now: Date
): boolean {
	if (attempt.state !== 'submitted' || !attempt.submittedAt) return false;
	return sittingEnded || now.getTime() > attempt.submittedAt.getTime() + SAVE_GRACE_MS;
}

/** What a sitting's results wait for, in numbers (none left → results can be computed). */
export interface MarkingProgress {
	scripts: number;
	/** Scripts with at least one item that has no final mark yet. */
	unmarked: number;
	/** Scripts with second marking or moderation still open. */
	inReview: number;
	/** Submitted attempts that have no script yet (the sitting has not ended). */
	withoutScript: number;
}

/** Marking is finished: every script has its final marks, no check is open, every attempt has its script. */
export function markingFinished(p: MarkingProgress): boolean {
	return p.unmarked === 0 && p.inReview === 0 && p.withoutScript === 0;
}

/** Per-paper marking settings. These defaults are this system's, not the handbook's. */
export interface MarkingSettings {
	/** Share of a paper's scripts second-marked at random, in percent. */
	samplePercent: number;
	/** Every script whose first-mark total is within this many marks of the pass or first-class mark is second-marked. */
	boundaryWindow: number;
	/** First and second totals differing by more than this go to a moderator. */
	secondMarkTolerance: number;
	/** During live marking, one seed in this many scripts (0: none). */
	seedEvery: number;
	/** A marker's mark on a seed item may differ from the agreed mark by at most this. */
	seedItemTolerance: number;
	/** A marker's total on a seed may differ from the agreed total by at most this. */
	seedScriptTolerance: number;
	/** Seeds a new marker must mark within tolerance before live marking opens. */
	qualifyingSeeds: number;
	/** Consecutive seeds out of tolerance that stop a marker until a lead reviews them. */
	stopAfterMisses: number;
}

export const DEFAULT_MARKING_SETTINGS: Readonly<MarkingSettings> = {
	samplePercent: 10,
	boundaryWindow: 2,
	secondMarkTolerance: 3,
	seedEvery: 20,
	seedItemTolerance: 1,
	seedScriptTolerance: 3,
	qualifyingSeeds: 3,
	stopAfterMisses: 2
};

const SCRIPT_NUMBER_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/**
 * An anonymous script number ("S-7KQ2-M9XD") from random draws (passed in, so this stays pure):
 * nothing in it follows the candidate, the centre or the order of submission.
 */
export function scriptNumberFrom(draw: (n: number) => number): string {
	const pick = () => SCRIPT_NUMBER_ALPHABET[draw(SCRIPT_NUMBER_ALPHABET.length)];
	const four = () => Array.from({ length: 4 }, pick).join('');
	return `S-${four()}-${four()}`;
}

/** A script number as a URL carries it back ("Script S-… marked"), or null when it is not one. */
export function asScriptNumber(value: string | null): string | null {
	return value !== null && /^S-[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(value) ? value : null;
}
