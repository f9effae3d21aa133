import { describe, expect, it } from 'vitest';

import {
	SECOND_MARKING_STATES,
	secondMarkingOpen,
	secondMarkingTransition,
	type SecondMarkingAction,
	type SecondMarkingState
} from '../../src/lib/domain/second-marking.js';

const ACTIONS: SecondMarkingAction[] = [
	'select',
	'pass_over',
	'allocate',
	'agree',
	'refer',
	'resolve'
];

describe("a script's second marking", () => {
	it('is chosen or passed over once, when first marking completes', () => {
		expect(secondMarkingTransition(null, 'select')).toEqual({ ok: true, state: 'awaiting_marker' });
		expect(secondMarkingTransition(null, 'pass_over')).toEqual({ ok: true, state: 'not_selected' });
		for (const s of SECOND_MARKING_STATES) {
			expect(secondMarkingTransition(s, 'select').ok).toBe(false);
			expect(secondMarkingTransition(s, 'pass_over').ok).toBe(false);
		}
	});

	it('goes to a second marker, then agrees or is referred, and a referral is resolved', () => {
		expect(secondMarkingTransition('awaiting_marker', 'allocate')).toEqual({
			ok: true,
			state: 'second_marking'
		});
		expect(secondMarkingTransition('second_marking', 'agree')).toEqual({
			ok: true,
			state: 'agreed'
		});
		expect(secondMarkingTransition('second_marking', 'refer')).toEqual({
			ok: true,
			state: 'referred'
		});
		expect(secondMarkingTransition('referred', 'resolve')).toEqual({ ok: true, state: 'resolved' });
	});

	it('allows nothing else, and says why', () => {
		const allowed = new Set([
			'null:select',
			'null:pass_over',
			'awaiting_marker:allocate',
			'second_marking:agree',
			'second_marking:refer',
			'referred:resolve'
		]);
		for (const s of [null, ...SECOND_MARKING_STATES] as (SecondMarkingState | null)[])
			for (const a of ACTIONS) {
				const v = secondMarkingTransition(s, a);
				expect(v.ok, `${s}:${a}`).toBe(allowed.has(`${s}:${a}`));
				if (!v.ok) expect(v.reason).toMatch(/\w/);
			}
		// A case decided once is not decided again; one never referred is not a moderator's.
		expect(secondMarkingTransition('resolved', 'resolve')).toEqual({
			ok: false,
			reason: 'A moderator has already decided this script.'
		});
		expect(secondMarkingTransition('agreed', 'resolve')).toEqual({
			ok: false,
			reason: 'This script has not been referred to a moderator'
		});
	});

	it('is open while it is still to come or under way', () => {
		const open = SECOND_MARKING_STATES.filter((s) => secondMarkingOpen(false, s));
		expect(open).toEqual(['awaiting_marker', 'second_marking', 'referred']);
		// Not yet considered: open when the script was first-marked through allocation.
		expect(secondMarkingOpen(true, undefined)).toBe(true);
		expect(secondMarkingOpen(false, undefined)).toBe(false);
		expect(secondMarkingOpen(true, 'agreed')).toBe(false);
	});
});
