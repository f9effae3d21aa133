import { describe, expect, it } from 'vitest';

import {
	cookieExpiry,
	judgeSession,
	type SessionPolicy
} from '../../src/lib/domain/session-rules.js';
import {
	generateSessionToken,
	hashSecret,
	parseSessionToken,
	secretMatches
} from '../../src/lib/server/auth/tokens.js';

const HOUR = 3600_000;
const policy: SessionPolicy = {
	idleTimeoutMs: 8 * HOUR,
	absoluteTimeoutMs: 7 * 24 * HOUR,
	refreshIntervalMs: HOUR
};
const t0 = new Date('2026-11-24T09:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe('session tokens', () => {
	it('are <id>.<secret> with 24 base32 characters each, and differ every time', () => {
		const a = generateSessionToken();
		const b = generateSessionToken();
		expect(a.token).toMatch(/^[a-z2-7]{24}\.[a-z2-7]{24}$/);
		expect(a.token).not.toBe(b.token);
		expect(parseSessionToken(a.token)).toEqual({ id: a.id, secret: a.secret });
	});
	it('store only the SHA-256 of the secret, never the secret itself', () => {
		const t = generateSessionToken();
		expect(t.secretHash).toHaveLength(32);
		expect(Buffer.from(t.secretHash).toString('utf8')).not.toContain(t.secret);
		expect(t.secretHash).toEqual(hashSecret(t.secret));
	});
	it('match only the right secret', () => {
		const t = generateSessionToken();
		expect(secretMatches(t.secret, t.secretHash)).toBe(true);
		expect(secretMatches(generateSessionToken().secret, t.secretHash)).toBe(false);
		expect(secretMatches(t.secret, new Uint8Array(31))).toBe(false);
	});
	it('refuse malformed tokens', () => {
		for (const bad of [
			'',
			'abc',
			'a.b.c',
			`${'A'.repeat(24)}.${'a'.repeat(24)}`,
			`${'a'.repeat(24)}.${'a'.repeat(23)}`,
			`${'a'.repeat(24)}.${'1'.repeat(24)}`
		]) {
			expect(parseSessionToken(bad)).toBeNull();
		}
	});
});

describe('judgeSession', () => {
	const fresh = { createdAt: t0, lastVerifiedAt: t0, expiresAt: null };
	it('is valid without refresh inside the refresh interval', () => {
		expect(judgeSession(fresh, at(HOUR - 1), policy)).toBe('valid');
	});
	it('asks for a refresh once the interval has passed', () => {
		expect(judgeSession(fresh, at(HOUR), policy)).toBe('valid_refresh');
		expect(judgeSession(fresh, at(8 * HOUR - 1), policy)).toBe('valid_refresh');
	});
	it('expires after the idle timeout, exactly at the boundary', () => {
		expect(judgeSession(fresh, at(8 * HOUR), policy)).toBe('expired');
	});
	it('slides: a session used recently stays valid long after creation', () => {
		const used = { ...fresh, lastVerifiedAt: at(30 * HOUR) };
		expect(judgeSession(used, at(31 * HOUR), policy)).toBe('valid_refresh');
	});
	it('expires at the absolute limit however recently used', () => {
		const used = { ...fresh, lastVerifiedAt: at(7 * 24 * HOUR - 1) };
		expect(judgeSession(used, at(7 * 24 * HOUR), policy)).toBe('expired');
	});
	it('expires at a hard end (candidate sessions end with their sitting)', () => {
		const s = { ...fresh, expiresAt: at(2 * HOUR) };
		expect(judgeSession(s, at(2 * HOUR - 1), policy)).toBe('valid_refresh');
		expect(judgeSession(s, at(2 * HOUR), policy)).toBe('expired');
	});
	it('sets the cookie to end at the earliest of idle, absolute and hard ends', () => {
		expect(cookieExpiry(fresh, at(HOUR), policy)).toEqual(at(9 * HOUR));
		expect(cookieExpiry({ ...fresh, expiresAt: at(2 * HOUR) }, at(HOUR), policy)).toEqual(
			at(2 * HOUR)
		);
		expect(cookieExpiry(fresh, at(7 * 24 * HOUR - HOUR), policy)).toEqual(at(7 * 24 * HOUR));
	});
});
