import type { Kysely } from 'kysely';
import { judgeThrottle, type ThrottlePolicy, type ThrottleVerdict } from '../../domain/throttle.js';
import type { Database } from '../db/schema.js';

export type ThrottleKeyKind = 'account' | 'address' | 'candidate';

export interface ThrottleCheck {
	kind: ThrottleKeyKind;
	key: string;
	policy: ThrottlePolicy;
}

/**
 * Verdicts for several keys (e.g. the account and the address), in the order given, from one
 * statement: sign-in is on the start-of-exam hot path, where every round trip counts.
 * For each key only failures after its last success count, and only the newest maxFailures are
 * read: a room of candidates behind one address makes thousands of rows, so never read them all.
 */
export async function checkThrottles(db: Kysely<Database>, checks: readonly ThrottleCheck[], now = new Date()): Promise<ThrottleVerdict[]> {
	if (checks.length === 0) return [];
	const perKey = checks.map(({ kind, key, policy }, i) => {
		const since = new Date(now.getTime() - policy.windowMs);
		const lastSuccess = db
			.selectFrom('sign_in_attempt')
			.select((eb) => eb.fn.max('attempted_at').as('t'))
			.where('key_kind', '=', kind)
			.where('key', '=', key)
			.where('succeeded', '=', true)
			.where('attempted_at', '>', since);
		const newestFailures = db
			.selectFrom('sign_in_attempt')
			.select('attempted_at')
			.where('key_kind', '=', kind)
			.where('key', '=', key)
			.where('succeeded', '=', false)
			.where('attempted_at', '>', since)
			.where((eb) => eb.or([eb(lastSuccess, 'is', null), eb('attempted_at', '>', lastSuccess)]))
			.orderBy('attempted_at', 'desc')
			.limit(policy.maxFailures);
		return db.selectFrom(newestFailures.as(`f${i}`)).select((eb) => [eb.val(i).as('check_index'), `f${i}.attempted_at`]);
	});
	const query = perKey.slice(1).reduce((q, next) => q.unionAll(next), perKey[0]!);
	const rows = await query.execute();
	return checks.map((c, i) => {
		const failures = rows
			.filter((r) => Number(r.check_index) === i)
			.map((r) => r.attempted_at);
		return judgeThrottle(failures, now, c.policy);
	});
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
