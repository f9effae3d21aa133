import { describe, expect, it } from 'vitest';

import {
	ALREADY_OPEN_ELSEWHERE,
	ATTEMPT_STATES,
	CANDIDATE_SESSION_MS,
	candidateSessionEnds,
	effectiveState,
	isSessionLive,
	judgeCandidateSignIn,
	judgeSave,
	may,
	mayKeepInQuarantine,
	PAUSE_SAVE_GRACE_MS,
	QUARANTINE_BOUND,
	transition,
	type AttemptAction,
	type AttemptFacts,
	type AttemptState,
	type PauseKind
} from '../../src/lib/domain/attempt.js';
import {
	generateKeycode,
	isWellFormedKeycode,
	KEYCODE_ALPHABET,
	normaliseKeycode
} from '../../src/lib/domain/keycode.js';
import { SAVE_GRACE_MS } from '../../src/lib/domain/timing.js';

const T0 = new Date('2026-11-24T09:00:00Z');
const at = (minutes: number, seconds = 0) =>
	new Date(T0.getTime() + minutes * 60_000 + seconds * 1000);

/** An attempt's facts: started at T0, 5 minutes' reading, 60 minutes' answering, unless overridden. */
function facts(over: Partial<AttemptFacts> = {}): AttemptFacts {
	return {
		state: 'in_progress',
		pausedFrom: null,
		pauseKind: null,
		pausedAt: null,
		readingEndsAt: at(5),
		deadlineAt: at(65),
		submittedAt: null,
		submitReason: null,
		restBreaks: false,
		...over
	};
}
const paused = (from: 'reading' | 'in_progress', kind: PauseKind, pausedAt = at(20)) =>
	facts({ state: 'paused', pausedFrom: from, pauseKind: kind, pausedAt });

const ALLOWED: [AttemptState, AttemptAction, AttemptState][] = [
	['not_started', 'mark_absent', 'absent'],
	['absent', 'mark_present', 'not_started'],
	['not_started', 'start', 'reading'],
	['reading', 'end_reading', 'in_progress'],
	['reading', 'pause', 'paused'],
	['in_progress', 'pause', 'paused'],
	['paused', 'pause', 'paused'],
	['in_progress', 'rest_break_start', 'paused'],
	['in_progress', 'submit', 'submitted'],
	['reading', 'auto_submit', 'submitted'],
	['in_progress', 'auto_submit', 'submitted'],
	['reading', 'end_sitting', 'submitted'],
	['in_progress', 'end_sitting', 'submitted'],
	['paused', 'end_sitting', 'submitted'],
	['not_started', 'void', 'void'],
	['reading', 'void', 'void'],
	['in_progress', 'void', 'void'],
	['paused', 'void', 'void'],
	['submitted', 'void', 'void']
];
const ACTIONS: AttemptAction[] = [
	'mark_absent',
	'mark_present',
	'start',
	'end_reading',
	'pause',
	'resume',
	'rest_break_start',
	'rest_break_end',
	'submit',
	'auto_submit',
	'end_sitting',
	'void',
	'reinstate'
];

describe('reinstating a voided attempt', () => {
	const voided = (from: AttemptState, over: Partial<AttemptFacts> = {}) =>
		facts({ state: 'void', voidedFrom: from, ...over });
	it('returns the attempt to the state it was voided from', () => {
		for (const from of ['not_started', 'reading', 'in_progress', 'paused', 'submitted'] as const) {
			expect(transition(voided(from), 'reinstate', at(30)), from).toEqual({
				ok: true,
				state: from
			});
		}
	});
	it('submits an attempt that was open when voided once its sitting has ended', () => {
		for (const from of ['reading', 'in_progress', 'paused'] as const) {
			expect(transition(voided(from, { sittingEnded: true }), 'reinstate', at(30)), from).toEqual({
				ok: true,
				state: 'submitted'
			});
		}
		expect(transition(voided('submitted', { sittingEnded: true }), 'reinstate', at(30))).toEqual({
			ok: true,
			state: 'submitted'
		});
		expect(transition(voided('not_started', { sittingEnded: true }), 'reinstate', at(30))).toEqual({
			ok: true,
			state: 'not_started'
		});
	});
	it('refuses once results are approved, and for an attempt that is not void or whose earlier state is unknown', () => {
		expect(transition(voided('submitted', { resultsApproved: true }), 'reinstate', at(30))).toEqual(
			{
				ok: false,
				reason: 'results for this paper have been approved: the attempt stays void'
			}
		);
		expect(transition(facts({ state: 'void' }), 'reinstate', at(30)).ok).toBe(false);
		expect(
			transition(facts({ state: 'submitted', voidedFrom: 'in_progress' }), 'reinstate', at(30)).ok
		).toBe(false);
	});
});

describe('attempt state machine', () => {
	// Late enough for end_reading and auto_submit, with rest breaks arranged, and paused by a rest break.
	const late = at(70);
	const ready = (state: AttemptState) =>
		facts({
			state,
			restBreaks: true,
			pausedFrom: 'in_progress',
			pauseKind: 'rest_break',
			pausedAt: at(20)
		});
	for (const [from, action, to] of ALLOWED) {
		it(`${from} --${action}--> ${to}`, () => {
			expect(transition(ready(from), action, late)).toEqual({ ok: true, state: to });
		});
	}
	it('resume and the end of a rest break return to where the pause began', () => {
		expect(transition(paused('reading', 'invigilator'), 'resume', late)).toEqual({
			ok: true,
			state: 'reading'
		});
		expect(transition(paused('in_progress', 'invigilator'), 'resume', late)).toEqual({
			ok: true,
			state: 'in_progress'
		});
		expect(transition(paused('in_progress', 'rest_break'), 'rest_break_end', late)).toEqual({
			ok: true,
			state: 'in_progress'
		});
		expect(transition(facts({ state: 'paused' }), 'resume', late).ok).toBe(false);
	});
	it('refuses every other transition, with a reason naming the state', () => {
		const allowed = new Set([
			...ALLOWED.map(([f, a]) => `${f}:${a}`),
			'paused:resume',
			'paused:rest_break_end'
		]);
		let refused = 0;
		for (const state of ATTEMPT_STATES) {
			for (const action of ACTIONS) {
				if (allowed.has(`${state}:${action}`)) continue;
				const r = transition(ready(state), action, late);
				expect(r.ok, `${state} ${action}`).toBe(false);
				if (!r.ok) expect(r.reason).toContain(state.replace('_', ' '));
				refused++;
			}
		}
		expect(refused).toBe(ATTEMPT_STATES.length * ACTIONS.length - allowed.size);
	});
	it('submits by the clock only once the deadline has passed, and never while the clock is stopped', () => {
		expect(transition(facts(), 'auto_submit', at(64, 59)).ok).toBe(false);
		expect(transition(facts(), 'auto_submit', at(65))).toEqual({ ok: true, state: 'submitted' });
		expect(transition(paused('in_progress', 'invigilator'), 'auto_submit', at(200)).ok).toBe(false);
	});
	it('ends reading only when reading time is over', () => {
		expect(transition(facts({ state: 'reading' }), 'end_reading', at(4, 59)).ok).toBe(false);
		expect(transition(facts({ state: 'reading' }), 'end_reading', at(5)).ok).toBe(true);
	});
	it('the invigilator can pause a candidate on a rest break (the pause becomes theirs), but not pause a pause of their own', () => {
		expect(transition(paused('in_progress', 'rest_break'), 'pause', at(25))).toEqual({
			ok: true,
			state: 'paused'
		});
		expect(transition(paused('in_progress', 'invigilator'), 'pause', at(25))).toEqual({
			ok: false,
			reason: expect.stringContaining('already paused')
		});
	});
	it('lets only a candidate with rest breaks take one, and only end their own (not the invigilator’s pause)', () => {
		expect(transition(facts({ restBreaks: false }), 'rest_break_start', at(10))).toEqual({
			ok: false,
			reason: expect.stringContaining('access arrangements')
		});
		expect(transition(facts({ restBreaks: true }), 'rest_break_start', at(10))).toEqual({
			ok: true,
			state: 'paused'
		});
		expect(transition(paused('in_progress', 'invigilator'), 'rest_break_end', at(25)).ok).toBe(
			false
		);
	});
	it('reading becomes in progress when reading time ends', () => {
		const ends = new Date('2026-11-24T09:05:00Z');
		expect(effectiveState('reading', ends, new Date('2026-11-24T09:04:59Z'))).toBe('reading');
		expect(effectiveState('reading', ends, ends)).toBe('in_progress');
		expect(effectiveState('paused', ends, new Date('2026-11-24T10:00:00Z'))).toBe('paused');
	});
});

describe('judgeSave: may an answer reach the script now?', () => {
	it('takes answers while answering, before the deadline', () => {
		expect(judgeSave(facts(), at(30))).toEqual({ accept: true, within: 'answering' });
		expect(judgeSave(facts({ state: 'reading' }), at(5))).toEqual({
			accept: true,
			within: 'answering'
		});
	});
	it('refuses answers in reading time, and keeps them', () => {
		expect(judgeSave(facts({ state: 'reading' }), at(4))).toMatchObject({
			accept: false,
			status: 409,
			quarantine: true
		});
	});
	it('refuses answers while the invigilator has paused the candidate, after a few seconds’ grace for a save in flight', () => {
		const f = paused('in_progress', 'invigilator', at(20));
		expect(judgeSave(f, at(20, PAUSE_SAVE_GRACE_MS / 1000))).toEqual({
			accept: true,
			within: 'pause_grace'
		});
		const late = judgeSave(f, at(20, PAUSE_SAVE_GRACE_MS / 1000 + 1));
		expect(late).toMatchObject({ accept: false, status: 409, quarantine: true });
		if (!late.accept) expect(late.reason).toMatch(/paused by the invigilator/);
		expect(judgeSave(f, at(50))).toMatchObject({ accept: false, status: 409 });
	});
	it('refuses answers during a rest break, however long it lasts', () => {
		const f = paused('in_progress', 'rest_break', at(20));
		expect(judgeSave(f, at(21))).toMatchObject({ accept: false, status: 409, quarantine: true });
		const r = judgeSave(f, at(300));
		expect(r.accept).toBe(false);
		if (!r.accept) expect(r.reason).toMatch(/rest break/);
	});
	it('takes no answer in a pause that began during reading time, even at once', () => {
		expect(judgeSave(paused('reading', 'invigilator', at(2)), at(2)).accept).toBe(false);
	});
	it('takes saves in flight for the grace after an ended exam, quarantines later ones (410)', () => {
		const byClock = facts({ state: 'submitted', submittedAt: at(65), submitReason: 'deadline' });
		expect(judgeSave(byClock, at(65, SAVE_GRACE_MS / 1000))).toEqual({
			accept: true,
			within: 'end_grace'
		});
		expect(judgeSave(byClock, at(65, SAVE_GRACE_MS / 1000 + 1))).toMatchObject({
			accept: false,
			status: 410,
			quarantine: true
		});
		expect(judgeSave(facts(), at(65, 30))).toEqual({ accept: true, within: 'end_grace' });
		expect(
			judgeSave(
				facts({ state: 'submitted', submittedAt: at(40), submitReason: 'sitting_ended' }),
				at(40, 10)
			).accept
		).toBe(true);
	});
	it('takes nothing after the candidate’s own submission, and keeps it', () => {
		expect(
			judgeSave(
				facts({ state: 'submitted', submittedAt: at(40), submitReason: 'candidate' }),
				at(40, 1)
			)
		).toMatchObject({
			accept: false,
			status: 409,
			quarantine: true
		});
	});
	it('keeps what a voided candidate sends; nothing can be typed before the paper is shown', () => {
		expect(judgeSave(facts({ state: 'void' }), at(30))).toMatchObject({
			accept: false,
			quarantine: true
		});
		expect(judgeSave(facts({ state: 'not_started' }), at(30))).toMatchObject({
			accept: false,
			quarantine: false
		});
		expect(judgeSave(facts({ state: 'absent' }), at(30))).toMatchObject({
			accept: false,
			quarantine: false
		});
	});
});

describe('may: every question in one place', () => {
	it('save: as judgeSave says', () => {
		expect(may(facts(), 'save', at(30)).ok).toBe(true);
		expect(may(paused('in_progress', 'rest_break'), 'save', at(30))).toEqual({
			ok: false,
			reason: expect.stringMatching(/rest break/)
		});
	});
	it('submit: only while answering', () => {
		expect(may(facts(), 'submit', at(30)).ok).toBe(true);
		expect(may(facts({ state: 'reading' }), 'submit', at(3)).ok).toBe(false);
		expect(may(facts({ state: 'reading' }), 'submit', at(6)).ok).toBe(true);
		expect(may(paused('in_progress', 'rest_break'), 'submit', at(30)).ok).toBe(false);
	});
	it('extra time: to an attempt still open', () => {
		for (const s of ['reading', 'in_progress', 'paused'] as const)
			expect(may(facts({ state: s }), 'extend_time', at(30)).ok).toBe(true);
		for (const s of ['not_started', 'submitted', 'absent', 'void'] as const)
			expect(may(facts({ state: s }), 'extend_time', at(30)).ok).toBe(false);
	});
	it('a move to another computer: before the start or while open', () => {
		for (const s of ['not_started', 'reading', 'in_progress', 'paused'] as const)
			expect(may(facts({ state: s }), 'allow_move', at(30)).ok).toBe(true);
		for (const s of ['submitted', 'absent', 'void'] as const)
			expect(may(facts({ state: s }), 'allow_move', at(30)).ok).toBe(false);
	});
	it('rest breaks: as the transitions say', () => {
		expect(may(facts({ restBreaks: true }), 'rest_break_start', at(30)).ok).toBe(true);
		expect(may(facts({ restBreaks: true, state: 'reading' }), 'rest_break_start', at(3)).ok).toBe(
			false
		);
		expect(may(paused('in_progress', 'rest_break'), 'rest_break_end', at(30)).ok).toBe(true);
	});
});

describe('the quarantine bound', () => {
	it('keeps refused saves word for word up to a count and a size, then only counts them', () => {
		expect(mayKeepInQuarantine({ rows: 0, chars: 0 }, 100)).toBe(true);
		expect(mayKeepInQuarantine({ rows: QUARANTINE_BOUND.rows - 1, chars: 0 }, 100)).toBe(true);
		expect(mayKeepInQuarantine({ rows: QUARANTINE_BOUND.rows, chars: 0 }, 1)).toBe(false);
		expect(mayKeepInQuarantine({ rows: 1, chars: QUARANTINE_BOUND.chars - 10 }, 11)).toBe(false);
	});
});

describe('keycodes', () => {
	it('use no look-alike characters', () => {
		for (const c of 'ILO01') expect(KEYCODE_ALPHABET).not.toContain(c);
		let i = 0;
		const code = generateKeycode((n) => i++ % n);
		expect(code).toHaveLength(6);
		expect(isWellFormedKeycode(code)).toBe(true);
	});
	it('are not case-sensitive and ignore spaces and dashes', () => {
		expect(normaliseKeycode(' abc-d2 3 ')).toBe('ABCD23');
		expect(isWellFormedKeycode(normaliseKeycode('abcd23'))).toBe(true);
		expect(isWellFormedKeycode('ABCD10')).toBe(false);
	});
});

describe('judgeCandidateSignIn: when a sign-in needs the invigilator to allow a move', () => {
	const open = ['reading', 'in_progress', 'paused'] as const;
	it('an open exam held by a live session elsewhere: refused, unless a move is allowed (then a move)', () => {
		for (const state of open) {
			expect(
				judgeCandidateSignIn({ state, liveSessionElsewhere: true, moveAllowed: false })
			).toEqual({ ok: false, reason: ALREADY_OPEN_ELSEWHERE });
			expect(
				judgeCandidateSignIn({ state, liveSessionElsewhere: true, moveAllowed: true })
			).toEqual({ ok: true, move: true });
		}
	});
	it('no live session (expired, or never signed in), or an exam not yet started: signs in, no move', () => {
		for (const state of open)
			expect(
				judgeCandidateSignIn({ state, liveSessionElsewhere: false, moveAllowed: false })
			).toEqual({ ok: true, move: false });
		expect(
			judgeCandidateSignIn({ state: 'not_started', liveSessionElsewhere: true, moveAllowed: false })
		).toEqual({ ok: true, move: false });
	});
	it('a session is live until its end; one with no end set has not ended', () => {
		const now = new Date('2026-11-29T10:00:00Z');
		expect(isSessionLive(null, now)).toBe(true);
		expect(isSessionLive(new Date(now.getTime() + 1), now)).toBe(true);
		expect(isSessionLive(now, now)).toBe(false);
		expect(candidateSessionEnds(now).getTime() - now.getTime()).toBe(CANDIDATE_SESSION_MS);
	});
});
