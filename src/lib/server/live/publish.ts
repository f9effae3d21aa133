import { sql, type Kysely } from 'kysely';

import { beforeClose } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { logger } from '../log.js';

/** The one channel every live change is announced on (the triggers of migration 2026_11_30_0100 use it too). */
export const LIVE_CHANNEL = 'exam_live';

/**
 * How long the app gathers candidate activity before announcing it: saves come hundreds a second
 * in a full hall, and one NOTIFY per save would serialise their commits (PostgreSQL takes a
 * database-wide lock to queue a notification). One announcement per sitting per 200 ms keeps the
 * console well within its 1 s.
 */
export const ACTIVITY_FLUSH_MS = 200;
/** Attempt ids per announcement: a NOTIFY payload must stay under 8,000 bytes (36 characters and a comma each). */
const IDS_PER_MESSAGE = 150;

/**
 * Candidate activity gathered per database handle and announced after commit as
 * `<kind>:<sitting id>:<attempt id>,<attempt id>,…`: kind `v` saves, `i` sign-ins. The announcement goes out even if this process
 * stops a moment later at most 200 ms of activity late; a console that misses one catches up at its
 * next heartbeat (src/lib/server/streams/hub.ts).
 */
class ActivityPublisher {
	private pending = new Map<string, Set<string>>();
	private timer: ReturnType<typeof setTimeout> | null = null;
	private flushing: Promise<void> = Promise.resolve();

	constructor(private readonly db: Kysely<Database>) {}

	note(kind: ActivityKind, sittingId: string, attemptId: string): void {
		const key = `${kind}:${sittingId}`;
		let ids = this.pending.get(key);
		if (!ids) this.pending.set(key, (ids = new Set()));
		ids.add(attemptId);
		if (!this.timer) {
			this.timer = setTimeout(() => void this.flush(), ACTIVITY_FLUSH_MS);
			this.timer.unref?.();
		}
	}

	/** Announces everything gathered so far; resolves once it has gone out. */
	flush(): Promise<void> {
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		const batch = this.pending;
		this.pending = new Map();
		const payloads: string[] = [];
		for (const [key, ids] of batch) {
			const all = [...ids];
			for (let i = 0; i < all.length; i += IDS_PER_MESSAGE)
				payloads.push(`${key}:${all.slice(i, i + IDS_PER_MESSAGE).join(',')}`);
		}
		if (payloads.length === 0) return this.flushing;
		this.flushing = this.flushing.then(() =>
			sql`select pg_notify(${LIVE_CHANNEL}, p) from unnest(${payloads}::text[]) as p`
				.execute(this.db)
				.then(() => undefined)
				.catch((err: unknown) =>
					logger.warn(
						{ err },
						'announcing candidate activity failed (consoles catch up at their next heartbeat)'
					)
				)
		);
		return this.flushing;
	}
}

const publishers = new WeakMap<Kysely<Database>, ActivityPublisher>();
function publisherFor(db: Kysely<Database>): ActivityPublisher {
	let p = publishers.get(db);
	if (!p) {
		const publisher = (p = new ActivityPublisher(db));
		publishers.set(db, publisher);
		// What was about to be announced goes out before the database closes.
		beforeClose(db, () => publisher.flush());
	}
	return p;
}

export type ActivityKind = 'v' | 'i';

/** A candidate's save was committed: the sitting's consoles hear of it within ~200 ms. */
export function noteSave(db: Kysely<Database>, sittingId: string, attemptId: string): void {
	publisherFor(db).note('v', sittingId, attemptId);
}

/** A candidate signed in (committed): consoles show it, and a stream of a computer the exam moved away from ends. */
export function noteSignIn(db: Kysely<Database>, sittingId: string, attemptId: string): void {
	publisherFor(db).note('i', sittingId, attemptId);
}

/** Sends what is gathered now (tests; a graceful shutdown). */
export function flushCandidateActivity(db: Kysely<Database>): Promise<void> {
	return publisherFor(db).flush();
}
