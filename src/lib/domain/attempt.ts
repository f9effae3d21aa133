/**
 * The attempt state machine (DESIGN.md section 4):
 *
 *   not_started ─► reading ─► in_progress ─► submitted
 *         │          │  ▲         │  ▲          ▲
 *         │          ▼  │         ▼  │          │ (deadline: auto-submit)
 *         │         paused ◄─────►paused        │
 *         └──► absent               void (malpractice, from any state but absent, with reason)
 */
export const ATTEMPT_STATES = ['not_started', 'reading', 'in_progress', 'paused', 'submitted', 'absent', 'void'] as const;
export type AttemptState = (typeof ATTEMPT_STATES)[number];

export type AttemptAction =
	| 'mark_absent'
	| 'mark_present'
	| 'start'
	| 'end_reading'
	| 'pause'
	| 'resume'
	| 'submit'
	| 'void';

/** Where each action may be taken from, and where it leads. `resume` returns to where the pause began. */
const TRANSITIONS: Record<AttemptAction, { from: readonly AttemptState[]; to: AttemptState | 'paused_from' }> = {
	mark_absent: { from: ['not_started'], to: 'absent' },
	mark_present: { from: ['absent'], to: 'not_started' },
	start: { from: ['not_started'], to: 'reading' },
	end_reading: { from: ['reading'], to: 'in_progress' },
	pause: { from: ['reading', 'in_progress'], to: 'paused' },
	resume: { from: ['paused'], to: 'paused_from' },
	submit: { from: ['in_progress', 'paused'], to: 'submitted' },
	void: { from: ['not_started', 'reading', 'in_progress', 'paused', 'submitted'], to: 'void' }
};

export type TransitionResult = { ok: true; state: AttemptState } | { ok: false; reason: string };

export function transition(state: AttemptState, action: AttemptAction, pausedFrom: 'reading' | 'in_progress' | null = null): TransitionResult {
	const rule = TRANSITIONS[action];
	if (!rule.from.includes(state)) {
		return { ok: false, reason: `cannot ${action.replace('_', ' ')} an attempt that is ${state.replace('_', ' ')}` };
	}
	if (rule.to === 'paused_from') {
		if (!pausedFrom) return { ok: false, reason: 'paused attempt does not know where it was paused from' };
		return { ok: true, state: pausedFrom };
	}
	return { ok: true, state: rule.to };
}

export function canTransition(state: AttemptState, action: AttemptAction): boolean {
	return TRANSITIONS[action].from.includes(state);
}

/** The longest answer a question takes (the answer box stops there; the API refuses more with 413). */
export const MAX_ANSWER_CHARS = 20_000;

export const ACTIVE_STATES: readonly AttemptState[] = ['reading', 'in_progress', 'paused'];
export const FINAL_STATES: readonly AttemptState[] = ['submitted', 'absent', 'void'];

/**
 * The state as time has moved it: reading becomes in_progress when reading ends. (Auto-submit at
 * the deadline is a write the server makes; this only reports what is due.)
 */
export function effectiveState(state: AttemptState, readingEndsAt: Date | null, now: Date): AttemptState {
	if (state === 'reading' && readingEndsAt && now.getTime() >= readingEndsAt.getTime()) return 'in_progress';
	return state;
}

/**
 * Candidates may save answers while answering, and while paused from answering (a save typed just
 * before the pause may arrive after it: nothing typed is lost). Reading time takes no answers, nor
 * does a pause during reading time.
 */
export function acceptsSaves(state: AttemptState, pausedFrom: AttemptState | null = null): boolean {
	return state === 'in_progress' || (state === 'paused' && pausedFrom === 'in_progress');
}
