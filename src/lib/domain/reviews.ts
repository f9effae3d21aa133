/**
 * Reviews of marking (issue 12, item 5), as pure rules: when a centre may ask, the stages a review
 * goes through, and its reply deadline. The server changes a review's state only through
 * `transitionReview`, as it does an attempt's through attempt.ts's `transition`.
 *
 * Stages, after the seeds' appeals procedures (EDI's support pack: stage after stage, each finished
 * before the next may start, and a formal reply within a stated time):
 * - stage 1: the centre asks for a review of a released result, with a reason; a moderator who did
 *   not mark the script re-marks it; a new result version is issued (the old stays in the history).
 * - stage 2: a centre not satisfied with stage 1 may ask once more, only after stage 1 is finished,
 *   within the same window counted from stage 1's reply; another moderator re-marks it (anyone who
 *   has marked the script, stage 1's moderator included, is refused by the same check). Stage 2's
 *   outcome is final in this system.
 *
 * Within a stage: requested → in_review (a moderator assigned) → decided (re-marked, new version,
 * outcome) → informed (the centre and the candidate are told). A request not yet decided may be
 * withdrawn by the centre.
 */

export const REVIEW_STATES = [
	'requested',
	'in_review',
	'decided',
	'informed',
	'withdrawn'
] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

/** What the re-mark changed: nothing, the total only, or the grade (with or without codes). */
export type ReviewOutcome = 'unchanged' | 'mark_changed' | 'grade_changed';

export const MAX_REVIEW_STAGE = 2;

/** A review still being worked on (at most one per result). */
export const OPEN_REVIEW_STATES: readonly ReviewState[] = ['requested', 'in_review'];

export interface ReviewSettings {
	/** Days after release (stage 1) or after stage 1's reply (stage 2) in which a centre may ask. */
	requestWindowDays: number;
	/** Days from the request by which the centre must have the reply. */
	replyDays: number;
}

/**
 * Defaults. The reply deadline comes from the seeds: EDI's appeals procedure promises every learner
 * who appeals "a formal reply within eight weeks" (56 days). The seeds give no period for asking, so
 * the 28 days (four weeks) after release is this system's own default; the awarding body sets both.
 */
export const DEFAULT_REVIEW_SETTINGS: ReviewSettings = { requestWindowDays: 28, replyDays: 56 };

const DAY_MS = 24 * 3600_000;

export const REVIEW_STATE_WORDS: Record<ReviewState, string> = {
	requested: 'Asked for, waiting for a moderator',
	in_review: 'Being re-marked by a moderator',
	decided: 'Decided',
	informed: 'Finished: outcome sent to the centre and the candidate',
	withdrawn: 'Withdrawn by the centre'
};

export const REVIEW_OUTCOME_WORDS: Record<ReviewOutcome, string> = {
	unchanged: 'Marks checked: the result stands unchanged',
	mark_changed: 'The total mark changed; the grade stays the same',
	grade_changed: 'The grade changed'
};

export const MAX_REASON_CHARS = 2000;

export function reasonProblem(reason: string): string | null {
	const r = reason.trim();
	if (r === '')
		return 'Give the reason for the review: which answers you believe were marked wrongly, and why';
	if (r.length > MAX_REASON_CHARS) return `Keep the reason to ${MAX_REASON_CHARS} characters`;
	return null;
}

export interface EarlierReview {
	stage: number;
	state: ReviewState;
	informedAt: Date | null;
}

export interface RequestFacts {
	/** When the sitting's results were released, or null (nothing to review before release). */
	releasedAt: Date | null;
	/** The latest result's status: only a graded result has marking to review. */
	status: 'graded' | 'absent' | 'void';
	earlier: readonly EarlierReview[];
}

export type RequestVerdict =
	{ ok: true; stage: number; replyDueAt: Date; windowEndsAt: Date } | { ok: false; reason: string };

/** The last moment a request may be made for the given stage, counted from `from`. */
export function windowEnd(from: Date, settings: ReviewSettings): Date {
	return new Date(from.getTime() + settings.requestWindowDays * DAY_MS);
}

export function replyDue(requestedAt: Date, settings: ReviewSettings): Date {
	return new Date(requestedAt.getTime() + settings.replyDays * DAY_MS);
}

/** May the centre ask for a review now, and if so, of which stage, with what reply deadline? */
export function judgeReviewRequest(
	f: RequestFacts,
	settings: ReviewSettings,
	now: Date
): RequestVerdict {
	if (!f.releasedAt)
		return { ok: false, reason: 'This result has not been released yet, so it cannot be reviewed' };
	if (f.status !== 'graded')
		return {
			ok: false,
			reason:
				'Only a graded result can be reviewed: this candidate was absent or their exam was voided'
		};
	const live = f.earlier.filter((e) => e.state !== 'withdrawn');
	if (live.some((e) => OPEN_REVIEW_STATES.includes(e.state) || e.state === 'decided')) {
		return {
			ok: false,
			reason: 'A review of this result is already under way: wait for its outcome'
		};
	}
	const done = live.filter((e) => e.state === 'informed').sort((a, b) => a.stage - b.stage);
	const last = done.at(-1);
	const stage = (last?.stage ?? 0) + 1;
	if (stage > MAX_REVIEW_STAGE)
		return {
			ok: false,
			reason: 'Both stages of review are finished: the outcome of the second stage is final'
		};
	const from = last ? last.informedAt! : f.releasedAt;
	const ends = windowEnd(from, settings);
	if (now.getTime() > ends.getTime()) {
		const since = last ? "stage 1's outcome" : 'the results were released';
		return {
			ok: false,
			reason: `The time to ask for a review has passed: requests are taken up to ${settings.requestWindowDays} days after ${since}`
		};
	}
	return { ok: true, stage, replyDueAt: replyDue(now, settings), windowEndsAt: ends };
}

export type ReviewAction =
	| { type: 'assign'; moderatorMarkedScript: boolean; moderatorIsModerator: boolean }
	| { type: 'decide'; byAssignedModerator: boolean; everyItemRemarked: boolean }
	| { type: 'inform' }
	| { type: 'withdraw' };

export interface ReviewFacts {
	state: ReviewState;
}

export type ReviewTransition = { ok: true; state: ReviewState } | { ok: false; reason: string };

const RULES: Record<ReviewAction['type'], { from: readonly ReviewState[]; to: ReviewState }> = {
	assign: { from: ['requested'], to: 'in_review' },
	decide: { from: ['in_review'], to: 'decided' },
	inform: { from: ['decided'], to: 'informed' },
	withdraw: { from: ['requested'], to: 'withdrawn' }
};

const STATE_NAMES: Record<ReviewState, string> = {
	requested: 'waiting for a moderator',
	in_review: 'being re-marked',
	decided: 'decided',
	informed: 'finished',
	withdrawn: 'withdrawn'
};

/** The one place a review's stage change is decided. */
export function transitionReview(facts: ReviewFacts, action: ReviewAction): ReviewTransition {
	const rule = RULES[action.type];
	if (!rule.from.includes(facts.state)) {
		const verb = {
			assign: 'assign a moderator to',
			decide: 'decide',
			inform: 'send the outcome of',
			withdraw: 'withdraw'
		}[action.type];
		return { ok: false, reason: `Cannot ${verb} a review that is ${STATE_NAMES[facts.state]}` };
	}
	switch (action.type) {
		case 'assign':
			if (!action.moderatorIsModerator)
				return { ok: false, reason: 'Choose a moderator: only moderators re-mark for a review' };
			if (action.moderatorMarkedScript)
				return {
					ok: false,
					reason: 'This moderator has already marked this script: choose one who has not'
				};
			break;
		case 'decide':
			if (!action.byAssignedModerator)
				return { ok: false, reason: 'Only the moderator assigned to this review can decide it' };
			if (!action.everyItemRemarked)
				return { ok: false, reason: 'Re-mark every question before issuing the outcome' };
			break;
	}
	return { ok: true, state: rule.to };
}

/** The outcome of a re-mark, comparing the result before and after. */
export function reviewOutcome(
	before: { grade: string | null; total: number | null; codes: readonly string[] },
	after: typeof before
): ReviewOutcome {
	if (before.grade !== after.grade) return 'grade_changed';
	if (before.total !== after.total || before.codes.join() !== after.codes.join())
		return 'mark_changed';
	return 'unchanged';
}

/** Whether the reply is late: not yet decided and past its deadline. */
export function isOverdue(review: { state: ReviewState; replyDueAt: Date }, now: Date): boolean {
	return OPEN_REVIEW_STATES.includes(review.state) && now.getTime() > review.replyDueAt.getTime();
}

/** Whole days left until the reply is due (negative once overdue), for the lists staff work from. */
export function daysLeft(replyDueAt: Date, now: Date): number {
	return Math.ceil((replyDueAt.getTime() - now.getTime()) / DAY_MS);
}
