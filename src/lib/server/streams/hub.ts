import type { Kysely } from 'kysely';

import { HEARTBEAT_MS, STREAMS_PER_SESSION, streamsToClose } from '../../domain/live.js';
import type { Database, LiveSource } from '../db/index.js';
import { openLiveChannel, type LiveChannel } from '../live/channel.js';
import { sseEvent, SseStream } from '../live/sse.js';
import { logger } from '../log.js';
import { isStopping } from '../ops/lifecycle.js';
import { CandidateStream, endMovedSessions, sendClocks } from './candidate-streams.js';
import {
	ConsoleStream,
	sendLog,
	sendOpeningLog,
	sendRows,
	sendSitting,
	tellBehind
} from './console-streams.js';

/** How long announcements are gathered before the readers load them: one query for a hall's start, not 2,000. */
const DISPATCH_MS = 15;

interface Pending {
	attempts: Set<string>;
	signIns: Set<string>;
	/** Console rows to reload per sitting: some attempts, or all of them. */
	rows: Map<string, Set<string> | 'all'>;
	sittings: Set<string>;
	logs: Set<string>;
}
const emptyPending = (): Pending => ({
	attempts: new Set(),
	signIns: new Set(),
	rows: new Map(),
	sittings: new Set(),
	logs: new Set()
});

/**
 * The streams one app process serves, fed by the live channel. Announcements (ids and a kind) are
 * gathered for a few milliseconds, then the readers load the current state once for all the
 * streams that care (one query for a whole hall) and each stream is sent only its own.
 */
export class LiveHub {
	private readonly candidates = new Map<string, Set<CandidateStream>>();
	private readonly consoles = new Map<string, Set<ConsoleStream>>();
	private readonly sessions = new Map<string, SseStream[]>();
	private pending = emptyPending();
	private dispatchTimer: ReturnType<typeof setTimeout> | null = null;
	private dispatching: Promise<void> | null = null;
	private heartbeat: ReturnType<typeof setInterval> | null = null;
	private channel: Promise<LiveChannel> | null = null;

	constructor(
		private readonly db: Kysely<Database>,
		private readonly source: LiveSource,
		private readonly heartbeatMs = HEARTBEAT_MS,
		private readonly streamsPerSession = STREAMS_PER_SESSION
	) {}

	/** Starts listening (once); streams open only once the channel hears. */
	listening(): Promise<LiveChannel> {
		this.channel ??= openLiveChannel(this.source, this.db, {
			onMessage: (p) => this.onMessage(p),
			onResync: () => this.resync(),
			onLost: () => this.consolesBehind([...this.consoles.keys()])
		}).catch((err: unknown) => {
			this.channel = null;
			throw err;
		});
		return this.channel;
	}

	get openStreams(): number {
		let n = 0;
		for (const s of this.sessions.values()) n += s.length;
		return n;
	}

	/** A candidate page's stream of its own attempt (the route has checked the session owns it). */
	async openCandidateStream(attemptId: string, candidateSessionId: string): Promise<Response> {
		if (isStopping()) return restarting();
		await this.listening();
		const s = new CandidateStream(
			attemptId,
			candidateSessionId,
			`candidate:${candidateSessionId}`,
			(x) => this.forget(x)
		);
		this.admit(s);
		add(this.candidates, attemptId, s);
		this.pending.attempts.add(attemptId);
		this.scheduleDispatch();
		return s.response();
	}

	/** An invigilator console's stream of its sitting (the route has checked role, centre and booking). */
	async openConsoleStream(sittingId: string, staffSessionId: string): Promise<Response> {
		if (isStopping()) return restarting();
		await this.listening();
		const s = new ConsoleStream(sittingId, `staff:${staffSessionId}`, (x) => this.forget(x));
		this.admit(s);
		add(this.consoles, sittingId, s);
		// Its first rows are all of them (the page may have been away), then the newest log entries.
		await sendOpeningLog(this.db, s, sittingId);
		this.pending.rows.set(sittingId, 'all');
		this.scheduleDispatch();
		return s.response();
	}

	/** Ends every stream (graceful shutdown): browsers reconnect to another process. */
	closeAll(): void {
		for (const list of [...this.sessions.values()]) for (const s of [...list]) s.close();
	}

	async close(): Promise<void> {
		this.closeAll();
		if (this.dispatchTimer) clearTimeout(this.dispatchTimer);
		this.dispatchTimer = null;
		await this.dispatching;
		const c = this.channel;
		this.channel = null;
		if (c) await (await c.catch(() => null))?.close();
	}

	/**
	 * One more stream for its session; the oldest beyond the cap are closed, told `replaced` first so
	 * their page does not reconnect (two tabs over the cap would otherwise close each other in turn).
	 */
	private admit(s: SseStream): void {
		const mine = this.sessions.get(s.sessionKey) ?? [];
		for (const i of streamsToClose(
			mine.map((x) => x.openedAt),
			this.streamsPerSession
		)) {
			mine[i]!.send('replaced', { reason: 'This session opened another live page' });
			mine[i]!.close();
		}
		const still = (this.sessions.get(s.sessionKey) ?? []).filter((x) => !x.closed);
		still.push(s);
		this.sessions.set(s.sessionKey, still);
		if (!this.heartbeat) {
			this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
			this.heartbeat.unref?.();
		}
	}

	private forget(s: SseStream): void {
		const mine = this.sessions.get(s.sessionKey)?.filter((x) => x !== s) ?? [];
		if (mine.length) this.sessions.set(s.sessionKey, mine);
		else this.sessions.delete(s.sessionKey);
		if (s instanceof CandidateStream) remove(this.candidates, s.attemptId, s);
		if (s instanceof ConsoleStream) remove(this.consoles, s.sittingId, s);
		if (this.sessions.size === 0 && this.heartbeat) {
			clearInterval(this.heartbeat);
			this.heartbeat = null;
		}
	}

	/**
	 * The heartbeat: the server's time to every candidate page (a comment would do to keep the
	 * connection, but the time also corrects the page's clock), and consoles reload their rows, so a
	 * missed announcement costs at most one beat.
	 */
	private beat(): void {
		const now = sseEvent('now', { serverNow: new Date().toISOString() });
		for (const set of this.candidates.values()) for (const s of set) s.write(now);
		for (const sittingId of this.consoles.keys()) this.pending.rows.set(sittingId, 'all');
		this.scheduleDispatch();
	}

	/** `<kind>:<sitting id>[:<attempt id>[,<attempt id>…]]`, kinds as the migration and publish.ts define them. */
	onMessage(payload: string): void {
		const [kind, sittingId, ids] = payload.split(':');
		if (!kind || !sittingId) return;
		const attemptIds = ids ? ids.split(',').filter(Boolean) : [];
		const watched = this.consoles.has(sittingId);
		switch (kind) {
			case 'a':
				for (const id of attemptIds) if (this.candidates.has(id)) this.pending.attempts.add(id);
				if (watched) this.rowsChanged(sittingId, attemptIds);
				break;
			case 'i':
				for (const id of attemptIds) if (this.candidates.has(id)) this.pending.signIns.add(id);
				if (watched) this.rowsChanged(sittingId, attemptIds);
				break;
			case 'v':
				if (watched) this.rowsChanged(sittingId, attemptIds);
				break;
			case 's':
				if (watched) this.pending.sittings.add(sittingId);
				break;
			case 'e':
				if (watched) this.pending.logs.add(sittingId);
				break;
			default:
				return;
		}
		this.scheduleDispatch();
	}

	/** Announcements may have been lost: every stream's reader loads afresh. */
	resync(): void {
		for (const id of this.candidates.keys()) this.pending.attempts.add(id);
		for (const id of this.consoles.keys()) {
			this.pending.rows.set(id, 'all');
			this.pending.logs.add(id);
			this.pending.sittings.add(id);
		}
		this.scheduleDispatch();
	}

	private rowsChanged(sittingId: string, attemptIds: readonly string[]): void {
		const current = this.pending.rows.get(sittingId);
		if (current === 'all') return;
		const set = current ?? new Set<string>();
		for (const id of attemptIds) set.add(id);
		this.pending.rows.set(sittingId, set);
	}

	private scheduleDispatch(): void {
		if (this.dispatchTimer || this.dispatching) return;
		this.dispatchTimer = setTimeout(() => {
			this.dispatchTimer = null;
			this.dispatching = this.dispatch()
				.catch((err: unknown) => logger.error({ err }, 'sending live changes failed'))
				.finally(() => {
					this.dispatching = null;
					if (hasWork(this.pending)) this.scheduleDispatch();
				});
		}, DISPATCH_MS);
		this.dispatchTimer.unref?.();
	}

	/** Loads what changed, once for all the streams that care, and sends each stream its part. */
	private async dispatch(): Promise<void> {
		const p = this.pending;
		this.pending = emptyPending();
		const now = new Date();
		// Candidates' and consoles' parts fail apart: a failed clock read must not leave a console stale.
		try {
			await sendClocks(
				this.db,
				this.candidates,
				[...p.attempts].filter((id) => this.candidates.has(id)),
				now
			);
			await endMovedSessions(
				this.db,
				[...p.signIns]
					.filter((id) => this.candidates.has(id))
					.flatMap((id) => [...(this.candidates.get(id) ?? [])]),
				now
			);
		} catch (err) {
			logger.error({ err }, 'sending live changes to candidate pages failed');
		}
		for (const [sittingId, ids] of p.rows) {
			try {
				await sendRows(
					this.db,
					this.consoles.get(sittingId),
					sittingId,
					ids === 'all' ? undefined : [...ids],
					now
				);
			} catch (err) {
				// The heartbeat reloads every console's rows, so this sitting is tried again then.
				logger.error({ err, sittingId }, 'loading a console’s rows failed');
				this.consolesBehind([sittingId]);
			}
		}
		try {
			for (const sittingId of p.logs)
				await sendLog(this.db, this.consoles.get(sittingId), sittingId);
			for (const sittingId of p.sittings)
				await sendSitting(this.db, this.consoles.get(sittingId), sittingId);
		} catch (err) {
			logger.error({ err }, 'sending a console’s log or sitting state failed');
		}
	}

	/** These sittings' consoles may be behind: they say so until their next rows arrive. */
	private consolesBehind(sittingIds: readonly string[]): void {
		tellBehind(sittingIds.flatMap((id) => [...(this.consoles.get(id) ?? [])]));
	}
}

/**
 * The answer to a stream asked for once this process has begun to stop: the page's browser reconnects
 * a closed stream on its kept-alive connection, which a stopping server still reads, and a stream
 * served then would hold the stop open until its time limit. Refused, the page tries again shortly
 * and reaches the next process.
 */
function restarting(): Response {
	return new Response('The server is restarting; try again in a moment.', {
		status: 503,
		headers: { 'retry-after': '2', 'content-type': 'text/plain; charset=utf-8' }
	});
}

function hasWork(p: Pending): boolean {
	return p.attempts.size + p.signIns.size + p.rows.size + p.sittings.size + p.logs.size > 0;
}

function add<T>(m: Map<string, Set<T>>, key: string, v: T): void {
	let set = m.get(key);
	if (!set) m.set(key, (set = new Set()));
	set.add(v);
}

function remove<T>(m: Map<string, Set<T>>, key: string, v: T): void {
	const set = m.get(key);
	if (!set) return;
	set.delete(v);
	if (set.size === 0) m.delete(key);
}
