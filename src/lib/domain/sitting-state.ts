/**
 * A sitting's life: booked (`scheduled`), `running` once started, then `ended` or, if it never
 * started, `cancelled`. Every change of a sitting's state, and every change a state forbids (moving
 * a sitting that has started, adding a candidate once it runs), is decided here; the server's one
 * writer (src/lib/server/sittings/sitting-state.ts) applies the verdict under the sitting's row lock.
 */

export const SITTING_STATES = ['scheduled', 'running', 'ended', 'cancelled'] as const;
export type SittingState = (typeof SITTING_STATES)[number];

/** A sitting in these states is closed for good: its keycode signs no one in, and it may not start. */
export const CLOSED_SITTING_STATES = [
	'ended',
	'cancelled'
] as const satisfies readonly SittingState[];

export type SittingAction =
	/** Reading time begins for everyone present (again, for latecomers marked present, while running). */
	| 'start'
	/** A late arrival's own clock starts in a running sitting. */
	| 'start_late_arrival'
	| 'end'
	| 'cancel'
	| 'reschedule'
	| 'change_candidates'
	| 'change_invigilators';

interface Rule {
	from: readonly SittingState[];
	/** The state after the action; absent for an action that changes something else. */
	to?: SittingState;
	/** Why not, in the words the page shows, for a sitting in a state not in `from`. */
	refusal: (state: SittingState) => string;
}

const ended = (s: SittingState) =>
	s === 'cancelled' ? 'This sitting was cancelled' : 'This sitting has ended';

const RULES: Record<SittingAction, Rule> = {
	start: { from: ['scheduled', 'running'], to: 'running', refusal: ended },
	start_late_arrival: {
		from: ['running'],
		refusal: (s) => (s === 'scheduled' ? 'Start the sitting first' : ended(s))
	},
	end: {
		from: ['scheduled', 'running'],
		to: 'ended',
		refusal: (s) => (s === 'ended' ? 'This sitting has already ended' : ended(s))
	},
	cancel: {
		from: ['scheduled'],
		to: 'cancelled',
		refusal: () => 'Only a sitting that has not started can be cancelled'
	},
	reschedule: {
		from: ['scheduled'],
		refusal: () => 'Only a sitting that has not started can be moved'
	},
	change_candidates: {
		from: ['scheduled'],
		refusal: () => 'Candidates can be added or removed only before the sitting starts'
	},
	change_invigilators: {
		from: ['scheduled', 'running'],
		refusal: () => 'Invigilators can be changed only until the sitting ends'
	}
};

export type SittingVerdict = { ok: true; state: SittingState } | { ok: false; reason: string };

/** Whether `action` may be done to a sitting in `state`, and the state it leaves the sitting in. */
export function sittingTransition(state: SittingState, action: SittingAction): SittingVerdict {
	const rule = RULES[action];
	if (!rule.from.includes(state)) return { ok: false, reason: rule.refusal(state) };
	return { ok: true, state: rule.to ?? state };
}
