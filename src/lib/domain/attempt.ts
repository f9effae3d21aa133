/**
 * The attempt state machine (DESIGN.md section 4), and every "may this happen now?" question about
 * an attempt. The server writes a state only through `transition`, and answers a question only
 * through `judgeSave` or `may`: a rule that lives anywhere else is a rule that can be bypassed.
 *
 *   not_started ─► reading ─► in_progress ─► submitted
 *         │          │  ▲         │  ▲          ▲
 *         │          ▼  │         ▼  │          │ (deadline, end of sitting, candidate)
 *         │         paused ◄─────►paused        │
 *         └──► absent               void (malpractice, from any state but absent, with reason)
 *                                     │
 *                                     └─► reinstate: back where it was voided from (submitted if the
 *                                         sitting has ended meanwhile), until results are approved
 */
import { SAVE_GRACE_MS } from './timing.js';

export const ATTEMPT_STATES = [
	'not_started',
	'reading',
	'in_progress',
	'paused',
	'submitted',
	'absent',
	'void'
] as const;
export type AttemptState = (typeof ATTEMPT_STATES)[number];

/** Who stopped the clock: the invigilator, or the candidate on a rest break (an access arrangement). */
export const PAUSE_KINDS = ['invigilator', 'rest_break'] as const;
export type PauseKind = (typeof PAUSE_KINDS)[number];

export type SubmitReason = 'candidate' | 'deadline' | 'sitting_ended';

export type AttemptAction =
	| 'mark_absent'
	| 'mark_present'
	| 'start'
	| 'end_reading'
	| 'pause'
	| 'resume'
	| 'rest_break_start'
	| 'rest_break_end'
	| 'submit'
	| 'auto_submit'
	| 'end_sitting'
	| 'void'
	| 'reinstate';

/**
 * What the rules need to know of an attempt. The server builds it from the attempt row
 * (`factsOf`); tests build it by hand.
 */
export interface AttemptFacts {
	state: AttemptState;
	pausedFrom: 'reading' | 'in_progress' | null;
	pauseKind: PauseKind | null;
	pausedAt: Date | null;
	readingEndsAt: Date | null;
	deadlineAt: Date | null;
	submittedAt: Date | null;
	submitReason: SubmitReason | null;
	restBreaks: boolean;
	/** The state a voided attempt was voided from (for reinstating it). */
	voidedFrom?: AttemptState | null;
	/** The attempt's sitting has ended (or was never to run again). */
	sittingEnded?: boolean;
	/** The results of the sitting's paper version are approved: a voided attempt then stays void. */
	resultsApproved?: boolean;
}

type Target = AttemptState | 'where_paused_from' | 'where_voided_from';

interface Rule {
	from: readonly AttemptState[];
	to: Target;
	/** A further condition beyond the state; returns the refusal, or null. */
	guard?: (f: AttemptFacts, now: Date) => string | null;
}

const ANSWERING_OR_READING: readonly AttemptState[] = ['reading', 'in_progress'];
const ACTIVE: readonly AttemptState[] = ['reading', 'in_progress', 'paused'];

/** Where each action may be taken from, and where it leads. `resume` returns to where the pause began. */
const TRANSITIONS: Record<AttemptAction, Rule> = {
	mark_absent: { from: ['not_started'], to: 'absent' },
	mark_present: { from: ['absent'], to: 'not_started' },
	start: { from: ['not_started'], to: 'reading' },
	end_reading: {
		from: ['reading'],
		to: 'in_progress',
		guard: (f, now) =>
			f.readingEndsAt && now.getTime() >= f.readingEndsAt.getTime()
				? null
				: 'reading time has not ended'
	},
	// The invigilator may also pause a candidate on a rest break: the pause becomes theirs to lift.
	pause: {
		from: ACTIVE,
		to: 'paused',
		guard: (f) =>
			f.state !== 'paused' || f.pauseKind === 'rest_break'
				? null
				: 'the attempt is already paused by the invigilator'
	},
	resume: { from: ['paused'], to: 'where_paused_from' },
	rest_break_start: {
		from: ['in_progress'],
		to: 'paused',
		guard: (f) =>
			f.restBreaks
				? null
				: 'rest breaks are not part of your access arrangements; ask your invigilator'
	},
	rest_break_end: {
		from: ['paused'],
		to: 'where_paused_from',
		guard: (f) =>
			f.pauseKind === 'rest_break'
				? null
				: 'you are not on a rest break; your invigilator paused the exam'
	},
	// The candidate submits only while answering: not in reading time, not while the clock is stopped.
	submit: { from: ['in_progress'], to: 'submitted' },
	// The server submits at the deadline. A stopped clock never reaches its deadline.
	auto_submit: {
		from: ANSWERING_OR_READING,
		to: 'submitted',
		guard: (f, now) =>
			f.deadlineAt && now.getTime() >= f.deadlineAt.getTime() ? null : 'the deadline has not passed'
	},
	// Ending the sitting closes every attempt still open, paused ones included.
	end_sitting: { from: ACTIVE, to: 'submitted' },
	void: { from: ['not_started', 'reading', 'in_progress', 'paused', 'submitted'], to: 'void' },
	// The centre administrator reinstates a voided attempt (a mistaken void) until results are approved.
	reinstate: {
		from: ['void'],
		to: 'where_voided_from',
		guard: (f) =>
			f.resultsApproved ? 'results for this paper have been approved: the attempt stays void' : null
	}
};

export type TransitionResult = { ok: true; state: AttemptState } | { ok: false; reason: string };

const words = (s: string) => s.replaceAll('_', ' ');

/** The one place a state change is decided. */
export function transition(
	facts: AttemptFacts,
	action: AttemptAction,
	now: Date
): TransitionResult {
	const rule = TRANSITIONS[action];
	if (!rule.from.includes(facts.state)) {
		return {
			ok: false,
			reason: `cannot ${words(action)} an attempt that is ${words(facts.state)}`
		};
	}
	const refusal = rule.guard?.(facts, now) ?? null;
	if (refusal) return { ok: false, reason: refusal };
	if (rule.to === 'where_paused_from') {
		if (!facts.pausedFrom)
			return { ok: false, reason: 'paused attempt does not know where it was paused from' };
		return { ok: true, state: facts.pausedFrom };
	}
	if (rule.to === 'where_voided_from') {
		const from = facts.voidedFrom;
		if (!from || from === 'void' || from === 'absent')
			return { ok: false, reason: 'voided attempt does not know the state it was voided from' };
		// An exam that was open when voided cannot reopen once its sitting has ended: it is submitted.
		if (facts.sittingEnded && ACTIVE.includes(from)) return { ok: true, state: 'submitted' };
		return { ok: true, state: from };
	}
	return { ok: true, state: rule.to };
}

/** The longest answer a question takes (the answer box stops there; the API refuses more with 413). */
export const MAX_ANSWER_CHARS = 20_000;

/**
 * A save already on its way when the clock stopped may still reach the script for this long (the
 * network, and the moment between the last key and the save being sent); later ones are refused.
 */
export const PAUSE_SAVE_GRACE_MS = 5_000;

export const ACTIVE_STATES: readonly AttemptState[] = ACTIVE;
export const FINAL_STATES: readonly AttemptState[] = ['submitted', 'absent', 'void'];

/**
 * The state as time has moved it: reading becomes in_progress when reading ends. (Auto-submit at
 * the deadline is a write the server makes; this only reports what is due.)
 */
export function effectiveState(
	state: AttemptState,
	readingEndsAt: Date | null,
	now: Date
): AttemptState {
	if (state === 'reading' && readingEndsAt && now.getTime() >= readingEndsAt.getTime())
		return 'in_progress';
	return state;
}

/** The facts with reading time ended by the clock (no write needed for that). */
export function settledFacts(f: AttemptFacts, now: Date): AttemptFacts {
	return { ...f, state: effectiveState(f.state, f.readingEndsAt, now) };
}

export type SaveVerdict =
	| { accept: true; within: 'answering' | 'pause_grace' | 'end_grace' }
	| { accept: false; status: 409 | 410; reason: string; quarantine: boolean };

/**
 * May an answer be saved to the script now? Answering before the deadline: yes. Just after the
 * clock stopped (a pause or rest break) or the exam ended by the clock or the invigilator: only
 * within a short grace, for a save already on its way. Otherwise refused; what the candidate typed
 * is then kept in quarantine for the invigilator's report (nothing typed is ever lost), except
 * before the paper was shown, when nothing can have been typed.
 */
export function judgeSave(factsIn: AttemptFacts, now: Date): SaveVerdict {
	const f = settledFacts(factsIn, now);
	const t = now.getTime();
	const endedBy = (at: Date | null, reason: SubmitReason | null): SaveVerdict => {
		if (reason !== 'candidate' && at && t <= at.getTime() + SAVE_GRACE_MS)
			return { accept: true, within: 'end_grace' };
		if (reason === 'candidate')
			return {
				accept: false,
				status: 409,
				reason: 'You have submitted your exam; answers can no longer be changed',
				quarantine: true
			};
		return {
			accept: false,
			status: 410,
			reason:
				'The exam has ended; this answer was not saved to your script. Your invigilator can see it.',
			quarantine: true
		};
	};
	switch (f.state) {
		case 'in_progress':
			if (!f.deadlineAt || t < f.deadlineAt.getTime()) return { accept: true, within: 'answering' };
			// Past the deadline but not yet submitted by the server: as if submitted at the deadline.
			return endedBy(f.deadlineAt, 'deadline');
		case 'paused':
			if (
				f.pausedFrom === 'in_progress' &&
				f.pausedAt &&
				t <= f.pausedAt.getTime() + PAUSE_SAVE_GRACE_MS
			)
				return { accept: true, within: 'pause_grace' };
			return {
				accept: false,
				status: 409,
				reason:
					f.pauseKind === 'rest_break'
						? 'You are on a rest break: answers are saved again when you return to the exam'
						: 'Your exam is paused by the invigilator: answers are saved again when it resumes',
				quarantine: true
			};
		case 'submitted':
			return endedBy(f.submittedAt, f.submitReason);
		case 'void':
			return {
				accept: false,
				status: 409,
				reason: 'This exam has been closed by your invigilator',
				quarantine: true
			};
		case 'reading':
			return {
				accept: false,
				status: 409,
				reason: 'Answers open when reading time ends',
				quarantine: true
			};
		case 'not_started':
		case 'absent':
			return {
				accept: false,
				status: 409,
				reason: `Answers cannot be saved while the attempt is ${words(f.state)}`,
				quarantine: false
			};
	}
}

export type Question =
	| 'save'
	| 'submit'
	| 'extend_time'
	| 'allow_move'
	| 'rest_break_start'
	| 'rest_break_end'
	| 'pause'
	| 'resume'
	| 'void'
	| 'reinstate';
export type Verdict = { ok: true } | { ok: false; reason: string };

/**
 * Every "may this happen now?" question about an attempt, in one place. Saving is judgeSave's;
 * those that change the state are answered by the transition they would make; the others (extra
 * time, a move to another computer) by the states they apply to.
 */
export function may(factsIn: AttemptFacts, question: Question, now: Date): Verdict {
	const f = settledFacts(factsIn, now);
	switch (question) {
		case 'save': {
			// The autosave wants judgeSave's details (grace, status, quarantine); this is its yes or no.
			const v = judgeSave(factsIn, now);
			return v.accept ? { ok: true } : { ok: false, reason: v.reason };
		}
		case 'extend_time':
			return ACTIVE.includes(f.state)
				? { ok: true }
				: { ok: false, reason: `cannot give extra time to an attempt that is ${words(f.state)}` };
		case 'allow_move':
			return ['not_started', ...ACTIVE].includes(f.state)
				? { ok: true }
				: { ok: false, reason: `cannot allow a move for an attempt that is ${words(f.state)}` };
		default: {
			const r = transition(f, question, now);
			return r.ok ? { ok: true } : { ok: false, reason: r.reason };
		}
	}
}

/**
 * How much of an attempt's refused saves is kept word for word. Past this the saves are counted,
 * not stored: a candidate's real late work fits many times over, a flood does not fill the console.
 */
export const QUARANTINE_BOUND = { rows: 50, chars: 200_000 } as const;

export function mayKeepInQuarantine(
	keptSoFar: { rows: number; chars: number },
	textChars: number
): boolean {
	return (
		keptSoFar.rows < QUARANTINE_BOUND.rows && keptSoFar.chars + textChars <= QUARANTINE_BOUND.chars
	);
}

/** A candidate's session ends this long after they sign in, at the latest (and earlier when their exam ends). */
export const CANDIDATE_SESSION_MS = 12 * 3600_000;

/** When a candidate session begun at `signedInAt` ends, unless the exam ends it sooner. */
export function candidateSessionEnds(signedInAt: Date): Date {
	return new Date(signedInAt.getTime() + CANDIDATE_SESSION_MS);
}

/** Whether a session still signs its computer in: until its end (a session with no end set has not ended). */
export function isSessionLive(expiresAt: Date | null, now: Date): boolean {
	return expiresAt === null || now.getTime() < expiresAt.getTime();
}

export type CandidateSignInVerdict = { ok: true; move: boolean } | { ok: false; reason: string };

export const ALREADY_OPEN_ELSEWHERE =
	'Your exam is already open on another computer. If that computer has failed, ask your invigilator to allow you to move.';

/**
 * May a candidate sign in to their attempt on this computer now? While the exam is open (reading,
 * answering, paused) and another computer holds a live session, only the invigilator's "allow move"
 * lets this one take over (`move`: the other computer is signed out). Otherwise – no live session
 * (it expired, or the candidate never signed in), or an exam not yet started, when nothing can have
 * been typed – the sign-in goes ahead and any older session ends. (Absent and voided attempts are
 * refused before this, with their own words.) The same rule whatever happened to the attempt
 * before: one voided and reinstated is an open exam like any other.
 */
export function judgeCandidateSignIn(f: {
	state: AttemptState;
	liveSessionElsewhere: boolean;
	moveAllowed: boolean;
}): CandidateSignInVerdict {
	if (!ACTIVE.includes(f.state) || !f.liveSessionElsewhere) return { ok: true, move: false };
	return f.moveAllowed ? { ok: true, move: true } : { ok: false, reason: ALREADY_OPEN_ELSEWHERE };
}
