import { describe, expect, it } from 'vitest';
import { acceptsSaves, ATTEMPT_STATES, effectiveState, transition, type AttemptAction, type AttemptState } from '../../src/lib/domain/attempt.js';
import { generateKeycode, isWellFormedKeycode, KEYCODE_ALPHABET, normaliseKeycode } from '../../src/lib/domain/keycode.js';

const ALLOWED: [AttemptState, AttemptAction, AttemptState][] = [
	['not_started', 'mark_absent', 'absent'],
	['absent', 'mark_present', 'not_started'],
	['not_started', 'start', 'reading'],
	['reading', 'end_reading', 'in_progress'],
	['reading', 'pause', 'paused'],
	['in_progress', 'pause', 'paused'],
	['in_progress', 'submit', 'submitted'],
	['paused', 'submit', 'submitted'],
	['not_started', 'void', 'void'],
	['reading', 'void', 'void'],
	['in_progress', 'void', 'void'],
	['paused', 'void', 'void'],
	['submitted', 'void', 'void']
];
const ACTIONS: AttemptAction[] = ['mark_absent', 'mark_present', 'start', 'end_reading', 'pause', 'resume', 'submit', 'void'];

describe('attempt state machine', () => {
	for (const [from, action, to] of ALLOWED) {
		it(`${from} --${action}--> ${to}`, () => {
			expect(transition(from, action)).toEqual({ ok: true, state: to });
		});
	}
	it('resume returns to where the pause began', () => {
		expect(transition('paused', 'resume', 'reading')).toEqual({ ok: true, state: 'reading' });
		expect(transition('paused', 'resume', 'in_progress')).toEqual({ ok: true, state: 'in_progress' });
		expect(transition('paused', 'resume', null).ok).toBe(false);
	});
	it('refuses every other transition, with a reason naming the state', () => {
		const allowed = new Set([...ALLOWED.map(([f, a]) => `${f}:${a}`), 'paused:resume']);
		let refused = 0;
		for (const state of ATTEMPT_STATES) {
			for (const action of ACTIONS) {
				if (allowed.has(`${state}:${action}`)) continue;
				const r = transition(state, action, 'in_progress');
				expect(r.ok, `${state} ${action}`).toBe(false);
				if (!r.ok) expect(r.reason).toContain(state.replace('_', ' '));
				refused++;
			}
		}
		expect(refused).toBe(ATTEMPT_STATES.length * ACTIONS.length - allowed.size);
	});
	it('reading becomes in progress when reading time ends', () => {
		const ends = new Date('2026-11-24T09:05:00Z');
		expect(effectiveState('reading', ends, new Date('2026-11-24T09:04:59Z'))).toBe('reading');
		expect(effectiveState('reading', ends, ends)).toBe('in_progress');
		expect(effectiveState('paused', ends, new Date('2026-11-24T10:00:00Z'))).toBe('paused');
	});
	it('takes answers only while answering, or paused from answering (not paused in reading time)', () => {
		expect(ATTEMPT_STATES.filter((s) => acceptsSaves(s, 'in_progress'))).toEqual(['in_progress', 'paused']);
		expect(acceptsSaves('paused', 'reading')).toBe(false);
		expect(ATTEMPT_STATES.filter((s) => acceptsSaves(s))).toEqual(['in_progress']);
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
