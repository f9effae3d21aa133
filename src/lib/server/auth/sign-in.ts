import type { Kysely } from 'kysely';

import { STAFF_SIGN_IN_THROTTLES, throttleMessage } from '../../domain/throttle.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Database } from '../db/schema.js';
import { TooManyRequestsError, ValidationError } from '../errors.js';
import { rejectNul } from '../validation.js';
import { dummyPasswordHash, verifyPassword } from './password.js';
import { createSession } from './sessions.js';
import { clearSignInFailures, recordSuccess, reserveAttempt, signInChecks } from './throttle.js';

export const WRONG_CREDENTIALS = 'The email address or password is not correct.';

/**
 * Staff sign-in. Throttled per account at an address (tight), per address and per account (looser
 * ceilings): see domain/throttle.ts. The message for an unknown email and a wrong password is the
 * same, so the form does not reveal who has an account.
 */
export async function signInStaff(
	db: Kysely<Database>,
	input: { email: string; password: string; ip: string; userAgent?: string | null },
	now = new Date()
): Promise<{ token: string; userId: string }> {
	// Refused here as well as in the route: a NUL reaching the throttle's statement fails it (22021) as a 500.
	rejectNul({ email: input.email, password: input.password, user_agent: input.userAgent });
	const email = input.email.trim().toLowerCase();
	if (!email || !input.password)
		throw new ValidationError('Enter your email address and password.');

	// Reserved before the password is looked at, so parallel guesses cannot all pass one check; the
	// attempt stands as a failure unless it proves right.
	const attempt = await reserveAttempt(
		db,
		signInChecks({ kind: 'account', key: email }, input.ip, STAFF_SIGN_IN_THROTTLES),
		now
	);
	if (!attempt.allowed)
		throw new TooManyRequestsError(
			throttleMessage(attempt.retryAfterSeconds),
			attempt.retryAfterSeconds
		);

	const user = await db
		.selectFrom('app_user')
		.select(['id', 'password_hash', 'disabled_at'])
		.where('email', '=', email)
		.executeTakeFirst();
	const ok = user
		? (await verifyPassword(user.password_hash, input.password)) && !user.disabled_at
		: (await verifyPassword(await dummyPasswordHash(), input.password), false);
	if (!ok || !user) throw new ValidationError(WRONG_CREDENTIALS);
	await recordSuccess(db, attempt);

	const { token } = await createSession(
		db,
		user.id,
		{ ip: input.ip, userAgent: input.userAgent },
		now
	);
	await writeAudit(
		db,
		{ userId: user.id, label: email, ip: input.ip },
		{ action: 'auth.sign_in', subjectType: 'user', subjectId: user.id }
	);
	return { token, userId: user.id };
}

/**
 * Lets a staff account locked by failed sign-ins try again at once (audited): a guesser with many
 * addresses can reach the per-account ceiling, and then only an administrator can lift it early.
 */
export async function unlockStaffSignIn(
	db: Kysely<Database>,
	actor: Actor,
	emailIn: string,
	now = new Date()
): Promise<void> {
	const email = emailIn.trim().toLowerCase();
	const user = await db
		.selectFrom('app_user')
		.select('id')
		.where('email', '=', email)
		.executeTakeFirst();
	if (!user) throw new ValidationError(`No account for ${email}`);
	await db.transaction().execute(async (tx) => {
		await clearSignInFailures(tx, { kind: 'account', key: email }, now);
		await writeAudit(tx, actor, {
			action: 'user.unlock_sign_in',
			subjectType: 'user',
			subjectId: user.id,
			details: { email }
		});
	});
}
