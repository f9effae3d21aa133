import type { Kysely } from 'kysely';
import { ACCOUNT_THROTTLE, ADDRESS_THROTTLE, throttleMessage } from '../../domain/throttle.js';
import { writeAudit } from '../audit/index.js';
import type { Database } from '../db/schema.js';
import { TooManyRequestsError, ValidationError } from '../errors.js';
import { dummyPasswordHash, verifyPassword } from './password.js';
import { createSession } from './sessions.js';
import { checkThrottles, recordAttempt } from './throttle.js';

export const WRONG_CREDENTIALS = 'The email address or password is not correct.';

/**
 * Staff sign-in. Throttled per account and per address; the message for an unknown email and a
 * wrong password is the same, so the form does not reveal who has an account.
 */
export async function signInStaff(
	db: Kysely<Database>,
	input: { email: string; password: string; ip: string; userAgent?: string | null },
	now = new Date()
): Promise<{ token: string; userId: string }> {
	const email = input.email.trim().toLowerCase();
	if (!email || !input.password) throw new ValidationError('Enter your email address and password.');

	const verdicts = await checkThrottles(
		db,
		[
			{ kind: 'account', key: email, policy: ACCOUNT_THROTTLE },
			{ kind: 'address', key: input.ip, policy: ADDRESS_THROTTLE }
		],
		now
	);
	for (const verdict of verdicts) {
		if (!verdict.allowed) throw new TooManyRequestsError(throttleMessage(verdict.retryAfterSeconds), verdict.retryAfterSeconds);
	}

	const user = await db
		.selectFrom('app_user')
		.select(['id', 'password_hash', 'disabled_at'])
		.where('email', '=', email)
		.executeTakeFirst();
	const ok = user
		? (await verifyPassword(user.password_hash, input.password)) && !user.disabled_at
		: (await verifyPassword(await dummyPasswordHash(), input.password), false);

	await recordAttempt(db, 'account', email, ok, now);
	// An address's failures are never cleared by a success: otherwise anyone holding one valid
	// account could sign in every few guesses and try other accounts from that address without limit.
	if (!ok) await recordAttempt(db, 'address', input.ip, false, now);
	if (!ok || !user) throw new ValidationError(WRONG_CREDENTIALS);

	const { token } = await createSession(db, user.id, { ip: input.ip, userAgent: input.userAgent }, now);
	await writeAudit(db, { userId: user.id, label: email, ip: input.ip }, { action: 'auth.sign_in', subjectType: 'user', subjectId: user.id });
	return { token, userId: user.id };
}
