import type { Kysely } from 'kysely';

import type { Database } from '../db/index.js';
import { consoleRows, sittingEvents, type ConsoleRow } from '../invigilation/console.js';
import { sseEvent, SseStream } from '../live/sse.js';
import { CHUNK } from './candidate-streams.js';

/* What an invigilator console hears on its stream: its changed rows, new log entries, the sitting's state. */

/** Log entries a console is sent when its stream opens (it merges them with what it has). */
const LOG_ON_OPEN = 50;

export class ConsoleStream extends SseStream {
	/** Each row as last sent, less the time left (the page counts that down itself): only changed rows go out. */
	readonly sent = new Map<string, string>();
	lastLogId = 0;
	/** Told it may be behind (the database or its announcements are away): its next rows go out even if none changed, which tells it it is current again. */
	behind = false;
	constructor(
		readonly sittingId: string,
		sessionKey: string,
		onClosed: (s: SseStream) => void
	) {
		super(sessionKey, onClosed);
	}
}

/** Opens a console's stream: the newest log entries first (its rows follow, all of them). */
export async function sendOpeningLog(
	db: Kysely<Database>,
	s: ConsoleStream,
	sittingId: string
): Promise<void> {
	const recent = await sittingEvents(db, sittingId, 'desc', LOG_ON_OPEN);
	s.lastLogId = recent[0]?.id ?? 0;
	s.send('log', { entries: recent });
}

/** These consoles may be behind: they say so until their next rows arrive. */
export function tellBehind(streams: Iterable<ConsoleStream>): void {
	const chunk = sseEvent('behind', { since: new Date().toISOString() });
	for (const s of streams) {
		if (s.behind) continue;
		s.behind = true;
		s.write(chunk);
	}
}

/** The sitting's rows (these attempts', or all), loaded once; each console is sent those that changed for it. */
export async function sendRows(
	db: Kysely<Database>,
	streams: ReadonlySet<ConsoleStream> | undefined,
	sittingId: string,
	attemptIds: string[] | undefined,
	now: Date
): Promise<void> {
	if (!streams?.size) return;
	const rows: ConsoleRow[] = [];
	for (let i = 0; i < (attemptIds?.length ?? 1); i += CHUNK)
		rows.push(...(await consoleRows(db, sittingId, now, attemptIds?.slice(i, i + CHUNK))));
	const keyed = rows.map((r) => ({ r, key: JSON.stringify({ ...r, timeLeftMs: null }) }));
	for (const s of streams) {
		const changed = keyed.filter(({ r, key }) => s.sent.get(r.attemptId) !== key);
		if (changed.length === 0 && !s.behind) continue;
		s.behind = false;
		for (const { r, key } of changed) s.sent.set(r.attemptId, key);
		s.send('rows', { serverNow: now.toISOString(), rows: changed.map((c) => c.r) });
	}
}

/** The log entries each console has not had yet. */
export async function sendLog(
	db: Kysely<Database>,
	streams: ReadonlySet<ConsoleStream> | undefined,
	sittingId: string
): Promise<void> {
	if (!streams?.size) return;
	const recent = await sittingEvents(db, sittingId, 'desc', LOG_ON_OPEN);
	for (const s of streams) {
		const entries = recent.filter((e) => e.id > s.lastLogId);
		if (entries.length === 0) continue;
		s.lastLogId = entries[0]!.id;
		s.send('log', { entries });
	}
}

/** The sitting's state, to every console of it. */
export async function sendSitting(
	db: Kysely<Database>,
	streams: ReadonlySet<ConsoleStream> | undefined,
	sittingId: string
): Promise<void> {
	if (!streams?.size) return;
	const s = await db
		.selectFrom('sitting')
		.select(['state'])
		.where('id', '=', sittingId)
		.executeTakeFirst();
	if (!s) return;
	const chunk = sseEvent('sitting', { state: s.state });
	for (const x of streams) x.write(chunk);
}
