import { describe, expect, it } from 'vitest';

import { databaseUnavailable } from '../../src/lib/server/db/unavailable.js';
import { apiErrorFrom } from '../../src/lib/server/http/responses.js';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('database unavailable', () => {
	it('counts a restart, a cut connection, a read-only or full database as passing', () => {
		for (const code of ['25006', '57P01', '57P03', '53100', '08006', 'ECONNREFUSED'])
			expect(databaseUnavailable(pgError(code)), code).toBe(true);
		expect(databaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
		expect(databaseUnavailable(new AggregateError([pgError('ECONNREFUSED')]))).toBe(true);
	});

	it('does not excuse a mistake in the request or the code', () => {
		for (const code of ['23505', '22P02', '42601', '42501'])
			expect(databaseUnavailable(pgError(code)), code).toBe(false);
		expect(databaseUnavailable(new TypeError('x is undefined'))).toBe(false);
		expect(databaseUnavailable(null)).toBe(false);
	});

	it('the exam API answers 503 with a reason and Retry-After; anything else is still thrown', async () => {
		const res = apiErrorFrom(pgError('25006', 'cannot execute INSERT in a read-only transaction'));
		expect(res.status).toBe(503);
		expect(res.headers.get('retry-after')).toBe('5');
		expect(((await res.json()) as { error: string }).error).toMatch(/kept on this computer/);
		expect(() => apiErrorFrom(pgError('42601'))).toThrow();
	});
});
