import type { Kysely } from 'kysely';

import type { RoleGrant } from '../../domain/roles.js';
import {
	DEFAULT_SESSION_POLICY,
	judgeSession,
	type SessionPolicy
} from '../../domain/session-rules.js';
import type { Database } from '../db/schema.js';
import { pruneSignInThrottles } from './throttle.js';
import { generateSessionToken, parseSessionToken, secretMatches } from './tokens.js';

export const SESSION_COOKIE = 'exam_session';

export interface SessionUser {
	id: string;
	email: string;
	displayName: string;
	grants: RoleGrant[];
}

export interface Session {
	id: string;
	userId: string;
	createdAt: Date;
	lastVerifiedAt: Date;
	expiresAt: Date | null;
}

/** Inserts a session row (staff: userId; candidate: attemptId) and returns the cookie token. */
export async function insertSession(
	db: Kysely<Database>,
	owner:
		| { userId: string }
		| { attemptId: string; expiresAt: Date }
		| { candidateId: string; expiresAt: Date },
	meta: { ip?: string | null; userAgent?: string | null },
	now: Date
): Promise<{ id: string; token: string }> {
	const t = generateSessionToken();
	await db
		.insertInto('auth_session')
		.values({
			id: t.id,
			secret_hash: t.secretHash,
			user_id: 'userId' in owner ? owner.userId : null,
			attempt_id: 'attemptId' in owner ? owner.attemptId : null,
			candidate_id: 'candidateId' in owner ? owner.candidateId : null,
			expires_at: 'expiresAt' in owner ? owner.expiresAt : null,
			created_at: now,
			last_verified_at: now,
			ip: meta.ip ?? null,
			user_agent: meta.userAgent?.slice(0, 300) ?? null
		})
		.execute();
	return { id: t.id, token: t.token };
}

export async function createSession(
	db: Kysely<Database>,
	userId: string,
	meta: { ip?: string | null; userAgent?: string | null } = {},
	now = new Date()
): Promise<{ token: string; session: Session }> {
	const { id, token } = await insertSession(db, { userId }, meta, now);
	return { token, session: { id, userId, createdAt: now, lastVerifiedAt: now, expiresAt: null } };
}

export async function getGrants(db: Kysely<Database>, userId: string): Promise<RoleGrant[]> {
	const rows = await db
		.selectFrom('membership')
		.select(['role', 'centre_id'])
		.where('user_id', '=', userId)
		.execute();
	return rows.map((r) => ({ role: r.role, centreId: r.centre_id }));
}

/**
 * Checks a cookie's token. Returns the session and its user, or null when the token is malformed,
 * unknown, has the wrong secret, has expired (then the row is deleted) or the account is disabled.
 */
export async function validateSessionToken(
	db: Kysely<Database>,
	token: string,
	now = new Date(),
	policy: SessionPolicy = DEFAULT_SESSION_POLICY
): Promise<{ session: Session; user: SessionUser } | null> {
	const parsed = parseSessionToken(token);
	if (!parsed) return null;
	const row = await db
		.selectFrom('auth_session as s')
		.innerJoin('app_user as u', 'u.id', 's.user_id')
		.select([
			's.id',
			's.secret_hash',
			's.user_id',
			's.created_at',
			's.last_verified_at',
			's.expires_at',
			'u.email',
			'u.display_name',
			'u.disabled_at'
		])
		.where('s.id', '=', parsed.id)
		.executeTakeFirst();
	if (!row || !row.user_id) return null;
	if (!secretMatches(parsed.secret, row.secret_hash)) return null;
	const times = {
		createdAt: row.created_at,
		lastVerifiedAt: row.last_verified_at,
		expiresAt: row.expires_at
	};
	const verdict = judgeSession(times, now, policy);
	if (verdict === 'expired' || row.disabled_at) {
		await invalidateSession(db, row.id);
		return null;
	}
	let lastVerifiedAt = row.last_verified_at;
	if (verdict === 'valid_refresh') {
		await db
			.updateTable('auth_session')
			.set({ last_verified_at: now })
			.where('id', '=', row.id)
			.execute();
		lastVerifiedAt = now;
	}
	const grants = await getGrants(db, row.user_id);
	return {
		session: {
			id: row.id,
			userId: row.user_id,
			createdAt: row.created_at,
			lastVerifiedAt,
			expiresAt: row.expires_at
		},
		user: { id: row.user_id, email: row.email, displayName: row.display_name, grants }
	};
}

/** How long sign-in attempts are kept: well past every throttle window, for looking into an incident. */
export const SIGN_IN_ATTEMPT_RETENTION_MS = 7 * 24 * 3600_000;

/**
 * Deletes sessions past their expiry and sign-in attempts past their retention. Expired sessions
 * are refused anyway; this only keeps the tables from growing for ever.
 */
export async function pruneExpired(
	db: Kysely<Database>,
	now = new Date()
): Promise<{ sessions: number; attempts: number }> {
	const idleSince = new Date(now.getTime() - DEFAULT_SESSION_POLICY.idleTimeoutMs);
	const createdBefore = new Date(now.getTime() - DEFAULT_SESSION_POLICY.absoluteTimeoutMs);
	// The same ends judgeSession applies: a hard expiry, idle too long, or simply too old.
	const s = await db
		.deleteFrom('auth_session')
		.where((eb) =>
			eb.or([
				eb('expires_at', '<', now),
				eb.and([
					eb('user_id', 'is not', null),
					eb.or([eb('last_verified_at', '<', idleSince), eb('created_at', '<', createdBefore)])
				])
			])
		)
		.executeTakeFirst();
	const a = await db
		.deleteFrom('sign_in_attempt')
		.where('attempted_at', '<', new Date(now.getTime() - SIGN_IN_ATTEMPT_RETENTION_MS))
		.executeTakeFirst();
	await pruneSignInThrottles(db, now);
	return { sessions: Number(s.numDeletedRows), attempts: Number(a.numDeletedRows) };
}

/** A staff member's sessions, newest first, for their account page. */
export async function listUserSessions(db: Kysely<Database>, userId: string) {
	return db
		.selectFrom('auth_session')
		.select(['id', 'created_at', 'last_verified_at', 'ip', 'user_agent'])
		.where('user_id', '=', userId)
		.orderBy('created_at', 'desc')
		.execute();
}

export async function invalidateSession(db: Kysely<Database>, sessionId: string): Promise<void> {
	await db.deleteFrom('auth_session').where('id', '=', sessionId).execute();
}

export async function invalidateAllUserSessions(
	db: Kysely<Database>,
	userId: string
): Promise<number> {
	const r = await db.deleteFrom('auth_session').where('user_id', '=', userId).executeTakeFirst();
	return Number(r.numDeletedRows);
}
