import type { Kysely } from 'kysely';

import { attemptStreamEnds } from '../../domain/live.js';
import { clockView, settleAttempt } from '../attempts/clock.js';
import type { Database } from '../db/index.js';
import { sseEvent, SseStream } from '../live/sse.js';

/* What a candidate's exam page hears on its stream: its attempt's clock, and a sign-in elsewhere. */

/** Rows per look-up (a bound on the statement's size). */
export const CHUNK = 1000;

export class CandidateStream extends SseStream {
	constructor(
		readonly attemptId: string,
		readonly candidateSessionId: string,
		sessionKey: string,
		onClosed: (s: SseStream) => void
	) {
		super(sessionKey, onClosed);
	}
}

/** Each attempt's clock, loaded once, to every stream of it; a stream whose attempt is over ends. */
export async function sendClocks(
	db: Kysely<Database>,
	streamsOf: ReadonlyMap<string, ReadonlySet<CandidateStream>>,
	ids: string[],
	now: Date
): Promise<void> {
	for (let i = 0; i < ids.length; i += CHUNK) {
		const rows = await db
			.selectFrom('attempt')
			.selectAll()
			.where('id', 'in', ids.slice(i, i + CHUNK))
			.execute();
		for (const row of rows) {
			const streams = streamsOf.get(row.id);
			if (!streams) continue;
			const view = clockView(await settleAttempt(db, row, now), now);
			const chunk = sseEvent('clock', view);
			for (const s of [...streams]) {
				s.write(chunk);
				// Nothing more will happen to this attempt: the stream ends (a reconnect is answered 204).
				if (attemptStreamEnds(view.state)) s.close();
			}
		}
	}
}

/** A sign-in elsewhere (an allowed move) ends this computer's session: its page is told at once. */
export async function endMovedSessions(
	db: Kysely<Database>,
	streams: readonly CandidateStream[],
	now: Date
): Promise<void> {
	if (streams.length === 0) return;
	const gone = await db
		.selectFrom('auth_session')
		.select(['id', 'moved_at'])
		.where(
			'id',
			'in',
			streams.map((s) => s.candidateSessionId)
		)
		.where((eb) => eb.or([eb('moved_at', 'is not', null), eb('expires_at', '<=', now)]))
		.execute();
	const why = new Map(
		gone.map((g) => [g.id, g.moved_at ? ('moved' as const) : ('ended' as const)])
	);
	for (const s of streams) {
		const signedOut = why.get(s.candidateSessionId);
		if (!signedOut) continue;
		s.send('signedout', { signedOut, serverNow: now.toISOString() });
		s.close();
	}
}
