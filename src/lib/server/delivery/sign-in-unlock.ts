import type { Kysely } from 'kysely';

import { lockAttempt } from '../attempts/attempt-store.js';
import { recordEvent } from '../attempts/events.js';
import type { ActionContext } from '../attempts/official-action.js';
import { clearSignInFailures } from '../auth/throttle.js';
import type { Database } from '../db/schema.js';
import { candidateThrottleSubject } from './sign-in.js';

/**
 * Lets a candidate locked out by wrong keycodes try again at once: the invigilator has seen who is
 * at the desk. Forgets that candidate's failures from every address and their ceiling; the room's
 * address keeps its count (it holds other candidates' failures too). The throttle rows are only
 * counters: what happened is kept in the sitting's log and the audit log.
 */
export async function unlockCandidateSignIn(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	attemptId: string
): Promise<void> {
	const now = ctx.now ?? new Date();
	await db.transaction().execute(async (tx) => {
		const a = await lockAttempt(tx, attemptId, sittingId);
		const who = await tx
			.selectFrom('candidate as c')
			.innerJoin('centre as ce', 'ce.id', 'c.centre_id')
			.select(['ce.number as centre_number', 'c.candidate_number'])
			.where('c.id', '=', a.candidate_id)
			.executeTakeFirstOrThrow();
		await clearSignInFailures(
			tx,
			candidateThrottleSubject(who.centre_number, who.candidate_number),
			now
		);
		await recordEvent(
			tx,
			ctx.actor,
			{ sittingId, attemptId, kind: 'unlock_sign_in', centreId: ctx.centreId },
			now
		);
	});
}
