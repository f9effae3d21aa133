import { error, redirect, type Cookies, type RequestEvent } from '@sveltejs/kit';

import { decideAccess, type StaffRole } from '../../domain/roles.js';
import { cookieExpiry, DEFAULT_SESSION_POLICY } from '../../domain/session-rules.js';
import type { Actor } from '../audit/index.js';
import { SESSION_COOKIE, type Session, type SessionUser } from '../auth/sessions.js';

/**
 * Cookie flags per the Lucia guide: httpOnly (no script can read the token), SameSite=Lax (not sent
 * on cross-site POSTs), path=/ and Secure whenever the request came over https.
 */
export function setSessionCookie(event: RequestEvent, token: string, expires: Date): void {
	event.cookies.set(SESSION_COOKIE, token, {
		httpOnly: true,
		sameSite: 'lax',
		secure: event.url.protocol === 'https:',
		path: '/',
		expires
	});
}

export function deleteSessionCookie(cookies: Cookies, secure: boolean): void {
	cookies.set(SESSION_COOKIE, '', {
		httpOnly: true,
		sameSite: 'lax',
		secure,
		path: '/',
		maxAge: 0
	});
}

export function staffCookieExpiry(session: Session, now = new Date()): Date {
	return cookieExpiry(session, now, DEFAULT_SESSION_POLICY);
}

/**
 * Guards a load or action: no session → sign-in page; wrong role → 403; a centre's page for a
 * centre the user does not belong to → 404.
 */
export function requireRole(
	event: Pick<RequestEvent, 'locals' | 'url'>,
	roles: readonly StaffRole[],
	centreId?: string
): SessionUser {
	const user = event.locals.user;
	const decision = decideAccess(user?.grants ?? null, { roles, centreId });
	switch (decision) {
		case 'allow':
			return user!;
		case 'sign_in':
			return redirect(
				303,
				`/signin?next=${encodeURIComponent(event.url.pathname + event.url.search)}`
			);
		case 'forbidden':
			return error(403, 'Your account does not have access to this page.');
		case 'not_found':
			return error(404, 'Not found');
	}
}

export function actorOf(event: Pick<RequestEvent, 'locals' | 'getClientAddress'>): Actor {
	const user = event.locals.user;
	return { userId: user?.id ?? null, label: user?.email ?? 'anonymous', ip: clientAddress(event) };
}

export function clientAddress(event: Pick<RequestEvent, 'getClientAddress'>): string {
	try {
		return event.getClientAddress();
	} catch {
		return 'unknown';
	}
}

/**
 * The app's own areas that a sign-in may return to: the top-level folders of src/routes, less
 * `api` (JSON, not a page), `signin` and `signout` (a loop, or an action), `set-password` (a one-time link), `results` (candidates sign in there with their own code, never as staff). A test keeps this list in
 * step with the folders.
 */
export const NEXT_AREAS = [
	'account',
	'admin',
	'candidate',
	'centre',
	'invigilate',
	'mark'
] as const;

/*
 * After the area, only characters a URL path or query may hold unencoded, and no backslash, tab,
 * CR/LF or other control character: browsers drop tabs and newlines and read a backslash as "/",
 * so "/<tab>/evil.example" or "/<backslash>evil.example" would become "//evil.example", another
 * site. "%" only as an escape, checked below.
 */
const NEXT_PATTERN = new RegExp(
	`^/(?:(?:${NEXT_AREAS.join('|')})(?:[/?][A-Za-z0-9\\-._~!$&'()*+,;=:@/?%]*)?)?$`
);
const NEXT_MAX_LENGTH = 2048;

/**
 * Where to go after signing in, from `?next=`: a path inside one of the app's areas (or "/"), or
 * null (then the user's home page). Only the app's own routes are followed, so ?next= cannot send
 * anyone to another site (an open redirect lends this site's name to a phishing page), and nothing
 * that would put a control character into the Location header (a 500).
 */
export function safeNext(next: string | null): string | null {
	if (!next || next.length > NEXT_MAX_LENGTH || !NEXT_PATTERN.test(next)) return null;
	// Every escape must be one a browser or a proxy cannot turn into a separator or a control
	// character: no %2F "/", %5C "\\", %25 "%" (decoded twice it could become either), %2E "." (a
	// "/../" climbs out of the area) and no %00–%1F or %7F.
	for (const m of next.matchAll(/%(.{0,2})/g)) {
		const hex = m[1] ?? '';
		if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null;
		const byte = parseInt(hex, 16);
		if (
			byte < 0x20 ||
			byte === 0x7f ||
			byte === 0x2f ||
			byte === 0x5c ||
			byte === 0x25 ||
			byte === 0x2e
		)
			return null;
	}
	// Dot segments ("/admin/../..//evil") are resolved by the browser; none of the app's paths has one.
	if (/\/\.\.?(?:[/?]|$)/.test(next)) return null;
	return next;
}
