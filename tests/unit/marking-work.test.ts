import { describe, expect, it } from 'vitest';

import {
	awardFromForm,
	commentProblem,
	MAX_COMMENT_LENGTH,
	nextUnmarkedItem,
	progressText,
	shareEvenly,
	typedMark
} from '../../src/lib/domain/marking-work.js';

describe('sharing scripts', () => {
	it('shares evenly, topping up the marker who holds least first, ties in the order given', () => {
		const shares = shareEvenly(['s1', 's2', 's3', 's4', 's5'], ['a', 'b']);
		expect(Object.fromEntries(shares)).toEqual({ a: ['s1', 's3', 's5'], b: ['s2', 's4'] });
		const topped = shareEvenly(['s1', 's2', 's3', 's4'], ['a', 'b'], new Map([['a', 3]]));
		expect(Object.fromEntries(topped)).toEqual({ a: ['s4'], b: ['s1', 's2', 's3'] });
		expect(shareEvenly(['s1'], []).size).toBe(0);
	});
	it('words progress for a progress bar', () => {
		expect(progressText(12, 40)).toBe('12 of 40 scripts marked');
		expect(progressText(0, 1)).toBe('0 of 1 script marked');
	});
});

describe('the marking screen', () => {
	it('"Save and next" goes to the next unmarked item, wrapping round; none left: null', () => {
		const keys = ['1', '2', '3.a', '3.b'];
		expect(nextUnmarkedItem(keys, '1', new Set(['1']))).toBe('2');
		expect(nextUnmarkedItem(keys, '3.b', new Set(['3.b', '1']))).toBe('2');
		expect(nextUnmarkedItem(keys, '2', new Set(['1', '2', '3.b']))).toBe('3.a');
		expect(nextUnmarkedItem(keys, '3.a', new Set(keys))).toBeNull();
	});
	it('reads a typed mark: whole numbers, NaN for anything else (the grid refuses it), null for nothing', () => {
		expect(typedMark(' 12 ')).toBe(12);
		expect(typedMark('-1')).toBe(-1);
		expect(typedMark('')).toBeNull();
		expect(typedMark('2.5')).toBeNaN();
		expect(typedMark('three')).toBeNaN();
	});
	it('builds the award the form describes', () => {
		expect(awardFromForm({ mode: 'points', mark: 3, level: null, points: { p1: 1 } })).toEqual({
			kind: 'points',
			awarded: { p1: 1 }
		});
		expect(awardFromForm({ mode: 'points', mark: 3, level: null, points: {} })).toEqual({
			kind: 'mark',
			mark: 3
		});
		expect(awardFromForm({ mode: 'levels', mark: 4, level: 2, points: null })).toEqual({
			kind: 'level',
			level: 2,
			mark: 4
		});
		expect(awardFromForm({ mode: 'levels', mark: 9, level: null, points: null })).toEqual({
			kind: 'mark',
			mark: 9
		});
		expect(awardFromForm({ mode: 'levels', mark: null, level: 2, points: null })).toBeNull();
	});
	it('a comment may hold line breaks and tabs, not other control characters, and has a length cap', () => {
		expect(commentProblem('Good point.\n\tSee guidance.')).toBeNull();
		expect(commentProblem('a\u0000b')).toMatch(/control characters/);
		expect(commentProblem('a\u001b[2Jb')).toMatch(/control characters/);
		expect(commentProblem('x'.repeat(MAX_COMMENT_LENGTH))).toBeNull();
		expect(commentProblem('x'.repeat(MAX_COMMENT_LENGTH + 1))).toMatch(/at most 2000 characters/);
	});
});
