import { describe, expect, it } from 'vitest';

import { judgeRequestOrigin } from '../../src/lib/domain/request-origin.js';

const APP = 'https://exams.example.org';
const allowed = (method: string, origin: string | null, site: string | null, app = APP) =>
	judgeRequestOrigin(method, origin, site, app).allowed;

describe('judgeRequestOrigin', () => {
	it('allows reading from anywhere (GET, HEAD, OPTIONS)', () => {
		for (const m of ['GET', 'HEAD', 'OPTIONS', 'get'])
			expect(allowed(m, 'https://evil.example', 'cross-site')).toBe(true);
	});

	it("allows a state change from the app's own origin", () => {
		for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) {
			expect(allowed(m, APP, 'same-origin')).toBe(true);
			expect(allowed(m, APP, null)).toBe(true);
		}
		expect(allowed('POST', 'HTTPS://EXAMS.EXAMPLE.ORG', null)).toBe(true);
		expect(allowed('POST', 'https://exams.example.org:443', null)).toBe(true);
		expect(allowed('POST', 'http://127.0.0.1:3000', 'same-origin', 'http://127.0.0.1:3000')).toBe(
			true
		);
	});

	it('refuses a state change from a foreign Origin, with the reason', () => {
		const j = judgeRequestOrigin('POST', 'https://evil.example', null, APP);
		expect(j).toEqual({ allowed: false, reason: expect.stringContaining('https://evil.example') });
		for (const m of ['POST', 'PUT', 'PATCH', 'DELETE', 'post'])
			expect(allowed(m, 'https://evil.example', 'cross-site')).toBe(false);
	});

	it('counts a sibling subdomain, another scheme or port, and the opaque "null" origin as foreign', () => {
		for (const origin of [
			'https://evil.exams.example.org',
			'https://example.org',
			'http://exams.example.org',
			'https://exams.example.org:8443',
			'https://exams.example.org.evil.example',
			'null',
			'',
			'exams.example.org',
			'https://exams.example.org/',
			'https://user@exams.example.org'
		]) {
			expect(allowed('POST', origin, null), origin).toBe(false);
		}
	});

	it('without Origin, refuses what Sec-Fetch-Site marks as another site and allows the rest', () => {
		expect(allowed('POST', null, 'cross-site')).toBe(false);
		expect(allowed('POST', null, 'same-site')).toBe(false);
		expect(allowed('POST', null, 'Cross-Site')).toBe(false);
		expect(allowed('POST', null, 'something-new')).toBe(false);
		expect(allowed('POST', null, 'same-origin')).toBe(true);
		expect(allowed('POST', null, 'none')).toBe(true);
	});

	it('allows a client that sends neither header (not a browser: it has no victim cookies to ride on)', () => {
		expect(allowed('POST', null, null)).toBe(true);
		expect(allowed('PUT', null, null)).toBe(true);
	});

	it('refuses when the two headers disagree', () => {
		expect(allowed('POST', APP, 'cross-site')).toBe(false);
		expect(allowed('POST', 'https://evil.example', 'same-origin')).toBe(false);
	});
});
