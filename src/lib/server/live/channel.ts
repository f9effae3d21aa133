import { sql, type Kysely } from 'kysely';
import pg from 'pg';

import { reconnectDelay } from '../../domain/live.js';
import type { Database, LiveSource } from '../db/index.js';
import { logger } from '../log.js';
import { LIVE_CHANNEL } from './publish.js';

export interface LiveListener {
	/** Each announcement's payload, in order. */
	onMessage(payload: string): void;
	/** Announcements may have been missed (the connection dropped and came back): every reader reloads. */
	onResync(): void;
	/** The connection dropped: nothing will be heard until it is back (readers are told they may be behind). */
	onLost(): void;
}

export interface LiveChannel {
	close(): Promise<void>;
}

/**
 * Hears `exam_live`. On PostgreSQL: a dedicated connection (a pooled one would be handed to other
 * queries and its LISTEN lost), re-opened with backoff and jitter when it drops, after which the
 * listener is told to resync. On PGlite: the embedded instance's own notifications (in-process).
 */
export async function openLiveChannel(
	source: LiveSource,
	db: Kysely<Database>,
	listener: LiveListener
): Promise<LiveChannel> {
	if (source.kind === 'pglite') {
		// LISTEN through Kysely, so it waits its turn rather than landing inside someone's transaction.
		const off = source.pglite.onNotification((channel, payload) => {
			if (channel === LIVE_CHANNEL) listener.onMessage(payload);
		});
		await sql`listen exam_live`.execute(db);
		return {
			close: async () => {
				off();
				if (!source.pglite.closed) await sql`unlisten exam_live`.execute(db).catch(() => undefined);
			}
		};
	}
	return PostgresChannel.open(source.connectionString, listener);
}

class PostgresChannel implements LiveChannel {
	private client: pg.Client | null = null;
	private closed = false;
	private failures = 0;
	private retry: ReturnType<typeof setTimeout> | null = null;

	private constructor(
		private readonly connectionString: string,
		private readonly listener: LiveListener
	) {}

	static async open(connectionString: string, listener: LiveListener): Promise<PostgresChannel> {
		const c = new PostgresChannel(connectionString, listener);
		await c.connect(false);
		return c;
	}

	private async connect(resync: boolean): Promise<void> {
		const client = new pg.Client({
			connectionString: this.connectionString,
			application_name: 'exam-live-listener'
		});
		client.on('notification', (m) => {
			if (m.channel === LIVE_CHANNEL && m.payload !== undefined) this.listener.onMessage(m.payload);
		});
		// A dropped connection ('error' then 'end', or 'end' alone) is re-opened; never a crash.
		client.on('error', (err) => logger.warn({ err }, 'the live-change connection failed'));
		client.on('end', () => {
			if (this.client !== client) return;
			this.client = null;
			if (!this.closed) this.listener.onLost();
			this.scheduleReconnect();
		});
		await client.connect();
		await client.query(`listen ${LIVE_CHANNEL}`);
		if (this.closed) {
			await client.end().catch(() => undefined);
			return;
		}
		this.client = client;
		this.failures = 0;
		if (resync) this.listener.onResync();
	}

	private scheduleReconnect(): void {
		if (this.closed || this.retry) return;
		const delay = reconnectDelay(this.failures++, Math.random());
		this.retry = setTimeout(() => {
			this.retry = null;
			this.connect(true).catch((err: unknown) => {
				logger.warn(
					{ err, retryInMs: reconnectDelay(this.failures, 0.5) },
					'reconnecting the live-change connection failed'
				);
				this.scheduleReconnect();
			});
		}, delay);
		this.retry.unref?.();
	}

	async close(): Promise<void> {
		this.closed = true;
		if (this.retry) clearTimeout(this.retry);
		const c = this.client;
		this.client = null;
		await c?.end().catch(() => undefined);
	}
}
