import { randomBytes } from 'node:crypto';
import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';

/**
 * Session tokens per the Lucia guide: `<id>.<secret>`, each 120 bits of randomness in lower-case
 * base32. The id is a lookup key; only SHA-256(secret) is stored, so a leaked database row cannot be
 * replayed as a cookie, and the hash comparison is constant-time so it leaks nothing by timing.
 */
export function generateSecureRandomString(): string {
	return encodeBase32LowerCaseNoPadding(randomBytes(15));
}

export interface NewToken {
	id: string;
	secret: string;
	token: string;
	secretHash: Uint8Array;
}

export function generateSessionToken(): NewToken {
	const id = generateSecureRandomString();
	const secret = generateSecureRandomString();
	return { id, secret, token: `${id}.${secret}`, secretHash: hashSecret(secret) };
}

export function hashSecret(secret: string): Uint8Array {
	return sha256(new TextEncoder().encode(secret));
}

export function parseSessionToken(token: string): { id: string; secret: string } | null {
	const parts = token.split('.');
	if (parts.length !== 2) return null;
	const [id, secret] = parts as [string, string];
	if (!/^[a-z2-7]{24}$/.test(id) || !/^[a-z2-7]{24}$/.test(secret)) return null;
	return { id, secret };
}

export function secretMatches(secret: string, storedHash: Uint8Array): boolean {
	const computed = hashSecret(secret);
	const stored = new Uint8Array(storedHash);
	return computed.length === stored.length && constantTimeEqual(computed, stored);
}
