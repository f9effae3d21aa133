import type { Kysely } from 'kysely';

import { writeAudit } from '../audit/index.js';
import { hashPassword, passwordProblem } from '../auth/password.js';
import { createSession } from '../auth/sessions.js';
import { generateSecureRandomString, hashSecret } from '../auth/tokens.js';
import type { Database } from '../db/schema.js';
import { ValidationError } from '../errors.js';

/**
 * One-time set-password links. The awarding administrator creates an account (or resets a
 * password) and is shown a link once; its owner opens it and chooses a password. The token is 240
 * random bits; only its SHA-256 is stored, it expires after PASSWORD_LINK_HOURS, and it is used up
 * by the single statement that claims it, so two uses at once cannot both succeed.
 */
export const PASSWORD_LINK_HOURS = 72;

export const LINK_NOT_VALID =
	'This link has expired or has already been used. Ask your awarding administrator for a new one.';

const TOKEN_PATTERN = /^[a-z2-7]{48}$/;

/** Issues a new link for the user, replacing any unused one. Call inside the transaction that made the change. */
export async function issuePasswordToken(
	tx: Kysely<Database>,
	userId: string,
	purpose: 'set' | 'reset',
	now = new Date()
): Promise<{ token: string; expiresAt: Date }> {
	const token = generateSecureRandomString() + generateSecureRandomString();
	const expiresAt = new Date(now.getTime() + PASSWORD_LINK_HOURS * 3600_000);
	await tx
		.deleteFrom('password_token')
		.where('user_id', '=', userId)
		.where('used_at', 'is', null)
		.execute();
	await tx
		.insertInto('password_token')
		.values({
			user_id: userId,
			token_hash: hashSecret(token),
			purpose,
			created_at: now,
			expires_at: expiresAt
		})
		.execute();
	return { token, expiresAt };
}

/** Whose link this is, while it is still usable (for the page to greet them); null otherwise. */
export async function findUsablePasswordToken(
	db: Kysely<Database>,
	token: string,
	now = new Date()
): Promise<{ email: string; displayName: string } | null> {
	if (!TOKEN_PATTERN.test(token)) return null;
	const row = await db
		.selectFrom('password_token as t')
		.innerJoin('app_user as u', 'u.id', 't.user_id')
		.select(['u.email', 'u.display_name'])
		.where('t.token_hash', '=', hashSecret(token))
		.where('t.used_at', 'is', null)
		.where('t.expires_at', '>', now)
		.where('u.disabled_at', 'is', null)
		.executeTakeFirst();
	return row ? { email: row.email, displayName: row.display_name } : null;
}

/**
 * Sets the password through a link and signs its owner in. The link is claimed by one update
 * (unused, unexpired, account enabled) in the transaction that sets the password: a second use,
 * even at the same moment, finds nothing to claim. Every other session of the account ends.
 */
export async function setPasswordWithToken(
	db: Kysely<Database>,
	input: {
		token: string;
		password: string;
		confirm: string;
		ip: string;
		userAgent?: string | null;
	},
	now = new Date()
): Promise<{ token: string; userId: string }> {
	if (!TOKEN_PATTERN.test(input.token)) throw new ValidationError(LINK_NOT_VALID);
	const problem = passwordProblem(input.password);
	if (problem) throw new ValidationError(problem, [{ field: 'password', message: problem }]);
	if (input.password !== input.confirm) {
		throw new ValidationError('The two passwords are not the same', [
			{ field: 'confirm', message: 'Type the same password again' }
		]);
	}
	const passwordHash = await hashPassword(input.password);
	const userId = await db.transaction().execute(async (tx) => {
		const claimed = await tx
			.updateTable('password_token as t')
			.set({ used_at: now })
			.where('t.token_hash', '=', hashSecret(input.token))
			.where('t.used_at', 'is', null)
			.where('t.expires_at', '>', now)
			.where(({ exists, selectFrom }) =>
				exists(
					selectFrom('app_user as u')
						.select('u.id')
						.whereRef('u.id', '=', 't.user_id')
						.where('u.disabled_at', 'is', null)
				)
			)
			.returning(['t.user_id', 't.purpose'])
			.executeTakeFirst();
		if (!claimed) throw new ValidationError(LINK_NOT_VALID);
		const user = await tx
			.updateTable('app_user')
			.set({ password_hash: passwordHash })
			.where('id', '=', claimed.user_id)
			.returning(['id', 'email'])
			.executeTakeFirstOrThrow();
		await tx.deleteFrom('auth_session').where('user_id', '=', user.id).execute();
		await writeAudit(
			tx,
			{ userId: user.id, label: user.email, ip: input.ip },
			{
				action: 'user.set_password',
				subjectType: 'user',
				subjectId: user.id,
				details: { via: claimed.purpose === 'set' ? 'new account link' : 'reset link' }
			}
		);
		return user.id;
	});
	const { token } = await createSession(
		db,
		userId,
		{ ip: input.ip, userAgent: input.userAgent },
		now
	);
	return { token, userId };
}
