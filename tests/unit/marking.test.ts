import { describe, expect, it } from 'vitest';

import {
	asScriptNumber,
	authorityOf,
	blankAnswerRefusal,
	finalMarks,
	isAttempted,
	latestMarks,
	scriptIsReady,
	scriptNumberFrom,
	type GivenMark
} from '../../src/lib/domain/marking.js';
import { itemMarksFrom } from '../../src/lib/domain/results.js';

const m = (
	id: number,
	itemKey: string,
	authority: GivenMark['authority'],
	mark: number,
	fk = false
): GivenMark => ({ id, itemKey, authority, mark, fk });

describe('final marks', () => {
	it('takes the latest of the highest authority per item, ignoring seed and agreed marks', () => {
		const marks = [
			m(1, '1', 'first', 2),
			m(2, '1', 'first', 3),
			m(3, '2', 'first', 4),
			m(4, '2', 'second', 1),
			m(5, '2', 'first', 5),
			m(6, '3', 'seed', 2),
			m(7, '3', 'agreed', 2)
		];
		const final = finalMarks(marks);
		expect(final.get('1')?.mark).toBe(3);
		// A later first mark does not override an earlier second mark.
		expect(final.get('2')?.mark).toBe(1);
		expect(final.has('3')).toBe(false);
	});
	it('a moderator mark stands over both, and the latest moderator mark over an earlier one', () => {
		const final = finalMarks([
			m(1, '1', 'first', 2),
			m(2, '1', 'moderator', 4),
			m(3, '1', 'second', 0),
			m(4, '1', 'moderator', 3)
		]);
		expect(final.get('1')?.mark).toBe(3);
	});
	it('latestMarks keeps one authority only', () => {
		const latest = latestMarks(
			[m(1, '1', 'first', 2), m(2, '1', 'second', 4), m(3, '1', 'first', 1)],
			'first'
		);
		expect(latest.get('1')?.mark).toBe(1);
	});
	it('maps allocation purposes to authorities', () => {
		expect([
			authorityOf('first'),
			authorityOf('second'),
			authorityOf('moderation'),
			authorityOf('seed')
		]).toEqual(['first', 'second', 'moderator', 'seed']);
	});
});

describe('attempted and ready', () => {
	it('attempted is decided by the answer, not the mark', () => {
		expect(isAttempted('')).toBe(false);
		expect(isAttempted('  \n\t')).toBe(false);
		expect(isAttempted(undefined)).toBe(false);
		expect(isAttempted('no idea')).toBe(true);
	});
	it('a blank answer scores 0: a mark above 0 on it is refused, 0 is taken, a written answer takes any', () => {
		expect(blankAnswerRefusal(1, '  ', '3(a)')).toBe(
			'Question 3(a) has no answer written, so it scores 0: a mark of 1 cannot be recorded.'
		);
		expect(blankAnswerRefusal(2, undefined, '2')).toMatch(/no answer written/);
		expect(blankAnswerRefusal(0, '', '2')).toBeNull();
		expect(blankAnswerRefusal(5, 'An answer', '2')).toBeNull();
	});
	it('the result rules count a blank as 0 whatever mark is stored', () => {
		const items = [
			{ key: '1', maxMarks: 5, area: 'FL' },
			{ key: '2', maxMarks: 5, area: 'FM' }
		] as const;
		const finals = new Map([
			['1', { mark: 4, fk: false }],
			['2', { mark: 3, fk: true }]
		]);
		expect(itemMarksFrom(items, finals, (key) => key === '1')).toEqual({
			'1': { mark: 4, attempted: true, fk: false },
			'2': { mark: 0, attempted: false, fk: true }
		});
	});
	it('a script is ready once the sitting ended or the save grace passed', () => {
		const submittedAt = new Date('2026-11-29T10:00:00Z');
		const at = (s: number) => new Date(submittedAt.getTime() + s * 1000);
		expect(scriptIsReady({ state: 'submitted', submittedAt }, false, at(30))).toBe(false);
		expect(scriptIsReady({ state: 'submitted', submittedAt }, false, at(61))).toBe(true);
		expect(scriptIsReady({ state: 'submitted', submittedAt }, true, at(1))).toBe(true);
		expect(scriptIsReady({ state: 'void', submittedAt }, true, at(100))).toBe(false);
	});
	it('script numbers carry only random draws', () => {
		let i = 0;
		expect(scriptNumberFrom(() => i++ % 3)).toBe('S-ABCA-BCAB');
	});
	it('a script number coming back in a URL is taken only in its own shape', () => {
		expect(asScriptNumber('S-7KQ2-M9XD')).toBe('S-7KQ2-M9XD');
		for (const bad of [null, '', 'S-7KQ2-M9X', 'S-7KQ2-M9XD<script>', 's-7kq2-m9xd', 'Farah Ali'])
			expect(asScriptNumber(bad)).toBeNull();
	});
});
