import { error, redirect, type Cookies, type RequestEvent } from '@sveltejs/kit';
import { decideAccess, type StaffRole } from '../../domain/roles.js';
import { cookieExpiry, DEFAULT_SESSION_POLICY } from '../../domain/session-rules.js';
import type { Actor } from '../audit/index.js';
import { SESSION_COOKIE, type Session, type SessionUser } from './sessions.js';

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
	cookies.set(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: 0 });
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
			redirect(303, `/signin?next=${encodeURIComponent(event.url.pathname + event.url.search)}`);
		case 'forbidden':
			error(403, 'Your account does not have access to this page.');
		case 'not_found':
			error(404, 'Not found');
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

/** Only same-site paths are followed after sign-in, so ?next= cannot send anyone elsewhere. */
export function safeNext(next: string | null): string | null {
	if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
	return next;
}
