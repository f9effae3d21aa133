import { describe, expect, it } from 'vitest';

import {
	CLOSED_SITTING_STATES,
	SITTING_STATES,
	sittingTransition,
	type SittingAction
} from '../../src/lib/domain/sitting-state.js';

describe("a sitting's life", () => {
	it('is booked, runs, then ends; or is cancelled before it starts', () => {
		expect(sittingTransition('scheduled', 'start')).toEqual({ ok: true, state: 'running' });
		expect(sittingTransition('running', 'end')).toEqual({ ok: true, state: 'ended' });
		expect(sittingTransition('scheduled', 'cancel')).toEqual({ ok: true, state: 'cancelled' });
		// A booked sitting nobody started can still be ended (its candidates are then absent).
		expect(sittingTransition('scheduled', 'end')).toEqual({ ok: true, state: 'ended' });
	});

	it('starts again while running (latecomers marked present), without changing state', () => {
		expect(sittingTransition('running', 'start')).toEqual({ ok: true, state: 'running' });
	});

	it('never leaves a final state, and says why in words a centre understands', () => {
		const actions: SittingAction[] = [
			'start',
			'start_late_arrival',
			'end',
			'cancel',
			'reschedule',
			'change_candidates',
			'change_invigilators'
		];
		for (const state of CLOSED_SITTING_STATES)
			for (const action of actions) {
				const v = sittingTransition(state, action);
				expect(v.ok, `${action} from ${state}`).toBe(false);
			}
		expect(sittingTransition('ended', 'end')).toEqual({
			ok: false,
			reason: 'This sitting has already ended'
		});
		expect(sittingTransition('cancelled', 'start')).toEqual({
			ok: false,
			reason: 'This sitting was cancelled'
		});
	});

	it('is moved, and has candidates added or removed, only before it starts', () => {
		for (const action of ['reschedule', 'change_candidates', 'cancel'] as const) {
			expect(sittingTransition('scheduled', action).ok).toBe(true);
			expect(sittingTransition('running', action).ok).toBe(false);
		}
		expect(sittingTransition('running', 'change_invigilators')).toEqual({
			ok: true,
			state: 'running'
		});
		expect(sittingTransition('scheduled', 'start_late_arrival')).toEqual({
			ok: false,
			reason: 'Start the sitting first'
		});
	});

	it('lists the same states the database allows', () => {
		expect([...SITTING_STATES].sort()).toEqual(['cancelled', 'ended', 'running', 'scheduled']);
	});
});
