import { describe, expect, it } from 'vitest';

import { count } from '../../src/lib/domain/words.js';

describe('count: numbers in plain words', () => {
	it('says "1 paper" and "3 papers", never "paper(s)"', () => {
		expect(count(1, 'paper')).toBe('1 paper');
		expect(count(0, 'paper')).toBe('0 papers');
		expect(count(3, 'new version')).toBe('3 new versions');
		expect(count(2, 'child', 'children')).toBe('2 children');
	});
});
