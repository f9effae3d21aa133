import type { Kysely } from 'kysely';
import { judgeThrottle, type ThrottlePolicy, type ThrottleVerdict } from '../../domain/throttle.js';
import type { Database } from '../db/schema.js';

export type ThrottleKeyKind = 'account' | 'address' | 'candidate';

/** Failures for a key since its last success, inside the policy's window. */
export async function checkThrottle(
	db: Kysely<Database>,
	kind: ThrottleKeyKind,
	key: string,
	policy: ThrottlePolicy,
	now = new Date()
): Promise<ThrottleVerdict> {
	const since = new Date(now.getTime() - policy.windowMs);
	// Only failures after the key's last success count, and only the newest maxFailures matter:
	// a room of candidates behind one address makes thousands of rows, so never read them all.
	const lastSuccess = db
		.selectFrom('sign_in_attempt')
		.select((eb) => eb.fn.max('attempted_at').as('t'))
		.where('key_kind', '=', kind)
		.where('key', '=', key)
		.where('succeeded', '=', true)
		.where('attempted_at', '>', since);
	const rows = await db
		.selectFrom('sign_in_attempt')
		.select('attempted_at')
		.where('key_kind', '=', kind)
		.where('key', '=', key)
		.where('succeeded', '=', false)
		.where('attempted_at', '>', since)
		.where((eb) => eb.or([eb(lastSuccess, 'is', null), eb('attempted_at', '>', lastSuccess)]))
		.orderBy('attempted_at', 'desc')
		.limit(policy.maxFailures)
		.execute();
	const failures = rows.map((r) => r.attempted_at);
	return judgeThrottle(failures, now, policy);
}

export async function recordAttempt(
	db: Kysely<Database>,
	kind: ThrottleKeyKind,
	key: string,
	succeeded: boolean,
	now = new Date()
): Promise<void> {
	await db.insertInto('sign_in_attempt').values({ key_kind: kind, key, succeeded, attempted_at: now }).execute();
}
