import type { Kysely } from 'kysely';

import {
	attemptStreamEnds,
	HEARTBEAT_MS,
	STREAMS_PER_SESSION,
	streamsToClose
} from '../../domain/live.js';
import { clockView, settleAttempt } from '../attempts/clock.js';
import type { Database, LiveSource } from '../db/index.js';
import { consoleRows, sittingEvents, type ConsoleRow } from '../invigilation/console.js';
import { openLiveChannel, type LiveChannel } from '../live/channel.js';
import { sseEvent, SseStream } from '../live/sse.js';
import { logger } from '../log.js';
import { isStopping } from '../ops/lifecycle.js';

/** How long announcements are gathered before the readers load them: one query for a hall's start, not 2,000. */
const DISPATCH_MS = 15;
/** Rows per look-up (a bound on the statement's size). */
const CHUNK = 1000;
/** Log entries a console is sent when its stream opens (it merges them with what it has). */
const LOG_ON_OPEN = 50;

class CandidateStream extends SseStream {
	constructor(
		readonly attemptId: string,
		readonly candidateSessionId: string,
		sessionKey: string,
		onClosed: (s: SseStream) => void
	) {
		super(sessionKey, onClosed);
	}
}

class ConsoleStream extends SseStream {
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
		const recent = await sittingEvents(this.db, sittingId, 'desc', LOG_ON_OPEN);
		s.lastLogId = recent[0]?.id ?? 0;
		s.send('log', { entries: recent });
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
			await this.sendAttempts(
				[...p.attempts].filter((id) => this.candidates.has(id)),
				now
			);
			await this.endMovedSessions(
				[...p.signIns].filter((id) => this.candidates.has(id)),
				now
			);
		} catch (err) {
			logger.error({ err }, 'sending live changes to candidate pages failed');
		}
		for (const [sittingId, ids] of p.rows) {
			try {
				await this.sendRows(sittingId, ids === 'all' ? undefined : [...ids], now);
			} catch (err) {
				// The heartbeat reloads every console's rows, so this sitting is tried again then.
				logger.error({ err, sittingId }, 'loading a console’s rows failed');
				this.consolesBehind([sittingId]);
			}
		}
		try {
			for (const sittingId of p.logs) await this.sendLog(sittingId);
			for (const sittingId of p.sittings) await this.sendSitting(sittingId);
		} catch (err) {
			logger.error({ err }, 'sending a console’s log or sitting state failed');
		}
	}

	/** These sittings' consoles may be behind: they say so until their next rows arrive. */
	private consolesBehind(sittingIds: readonly string[]): void {
		const chunk = sseEvent('behind', { since: new Date().toISOString() });
		for (const id of sittingIds)
			for (const s of this.consoles.get(id) ?? []) {
				if (s.behind) continue;
				s.behind = true;
				s.write(chunk);
			}
	}

	private async sendAttempts(ids: string[], now: Date): Promise<void> {
		for (let i = 0; i < ids.length; i += CHUNK) {
			const rows = await this.db
				.selectFrom('attempt')
				.selectAll()
				.where('id', 'in', ids.slice(i, i + CHUNK))
				.execute();
			for (const row of rows) {
				const streams = this.candidates.get(row.id);
				if (!streams) continue;
				const view = clockView(await settleAttempt(this.db, row, now), now);
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
	private async endMovedSessions(attemptIds: string[], now: Date): Promise<void> {
		const streams = attemptIds.flatMap((id) => [...(this.candidates.get(id) ?? [])]);
		if (streams.length === 0) return;
		const gone = await this.db
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

	private async sendRows(
		sittingId: string,
		attemptIds: string[] | undefined,
		now: Date
	): Promise<void> {
		const streams = this.consoles.get(sittingId);
		if (!streams?.size) return;
		const rows: ConsoleRow[] = [];
		for (let i = 0; i < (attemptIds?.length ?? 1); i += CHUNK)
			rows.push(...(await consoleRows(this.db, sittingId, now, attemptIds?.slice(i, i + CHUNK))));
		const keyed = rows.map((r) => ({ r, key: JSON.stringify({ ...r, timeLeftMs: null }) }));
		for (const s of streams) {
			const changed = keyed.filter(({ r, key }) => s.sent.get(r.attemptId) !== key);
			if (changed.length === 0 && !s.behind) continue;
			s.behind = false;
			for (const { r, key } of changed) s.sent.set(r.attemptId, key);
			s.send('rows', { serverNow: now.toISOString(), rows: changed.map((c) => c.r) });
		}
	}

	private async sendLog(sittingId: string): Promise<void> {
		const streams = this.consoles.get(sittingId);
		if (!streams?.size) return;
		const recent = await sittingEvents(this.db, sittingId, 'desc', LOG_ON_OPEN);
		for (const s of streams) {
			const entries = recent.filter((e) => e.id > s.lastLogId);
			if (entries.length === 0) continue;
			s.lastLogId = entries[0]!.id;
			s.send('log', { entries });
		}
	}

	private async sendSitting(sittingId: string): Promise<void> {
		const streams = this.consoles.get(sittingId);
		if (!streams?.size) return;
		const s = await this.db
			.selectFrom('sitting')
			.select(['state'])
			.where('id', '=', sittingId)
			.executeTakeFirst();
		if (!s) return;
		const chunk = sseEvent('sitting', { state: s.state });
		for (const x of streams) x.write(chunk);
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
