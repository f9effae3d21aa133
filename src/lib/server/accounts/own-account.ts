import type { Kysely } from 'kysely';

import { writeAudit, type Actor } from '../audit/index.js';
import { hashPassword, passwordProblem, verifyPassword } from '../auth/password.js';
import type { Database } from '../db/schema.js';
import { ValidationError } from '../errors.js';

export const WRONG_CURRENT_PASSWORD = 'Your current password is not correct';

/**
 * A staff member changes their own password: the current one is asked for, the new one must differ
 * and meet the rules; every OTHER session of theirs ends (a stolen session elsewhere stops working),
 * the one they are using stays. Audited without either password.
 */
export async function changeOwnPassword(
	db: Kysely<Database>,
	actor: Actor,
	input: { userId: string; sessionId: string; current: string; password: string; confirm: string }
): Promise<{ otherSessionsEnded: number }> {
	const user = await db
		.selectFrom('app_user')
		.select(['id', 'password_hash'])
		.where('id', '=', input.userId)
		.executeTakeFirstOrThrow();
	if (!(await verifyPassword(user.password_hash, input.current))) {
		throw new ValidationError(WRONG_CURRENT_PASSWORD, [
			{ field: 'current', message: WRONG_CURRENT_PASSWORD }
		]);
	}
	const problem = passwordProblem(input.password);
	if (problem) throw new ValidationError(problem, [{ field: 'password', message: problem }]);
	if (input.password !== input.confirm) {
		throw new ValidationError('The two new passwords are not the same', [
			{ field: 'confirm', message: 'Type the same new password again' }
		]);
	}
	if (input.password === input.current) {
		throw new ValidationError('Choose a password different from your current one', [
			{ field: 'password', message: 'Same as your current password' }
		]);
	}
	const passwordHash = await hashPassword(input.password);
	return db.transaction().execute(async (tx) => {
		// Only if the password is still the one checked above: a change made meanwhile elsewhere wins.
		const changed = await tx
			.updateTable('app_user')
			.set({ password_hash: passwordHash })
			.where('id', '=', user.id)
			.where('password_hash', '=', user.password_hash)
			.executeTakeFirst();
		if (Number(changed.numUpdatedRows) !== 1)
			throw new ValidationError(WRONG_CURRENT_PASSWORD, [
				{ field: 'current', message: WRONG_CURRENT_PASSWORD }
			]);
		const ended = await tx
			.deleteFrom('auth_session')
			.where('user_id', '=', user.id)
			.where('id', '<>', input.sessionId)
			.executeTakeFirst();
		const otherSessionsEnded = Number(ended.numDeletedRows);
		await writeAudit(tx, actor, {
			action: 'user.change_password',
			subjectType: 'user',
			subjectId: user.id,
			details: { other_sessions_ended: otherSessionsEnded }
		});
		return { otherSessionsEnded };
	});
}
