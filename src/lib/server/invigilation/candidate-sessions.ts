/** When a candidate's sign-in ends after their attempt has (a void, the end of the sitting). */
import type { Transaction } from 'kysely';

import type { Database } from '../db/schema.js';

/**
 * How long a candidate's session outlives the end of their attempt (void, or the sitting ended).
 * Not cut at once: the page must still show the receipt (or that the exam was closed), and saves
 * already on their way must reach the server, to be kept in the script within the grace or in
 * quarantine after it, instead of being turned away unread.
 */
export const SESSION_AFTER_END_MS = 15 * 60_000;

export async function endCandidateSessionsSoon(
	tx: Transaction<Database>,
	attemptIds: string[],
	now: Date
): Promise<void> {
	if (attemptIds.length === 0) return;
	const until = new Date(now.getTime() + SESSION_AFTER_END_MS);
	await tx
		.updateTable('auth_session')
		.set({ expires_at: until })
		.where('attempt_id', 'in', attemptIds)
		.where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', until)]))
		.execute();
}
