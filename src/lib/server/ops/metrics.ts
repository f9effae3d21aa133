import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { PoolStats } from '../db/index.js';

/**
 * The operator's metrics (GET /metrics, Prometheus text format). One registry per process, kept on
 * globalThis so a module loaded twice (Vite's dev server reloading it) never registers a metric twice.
 */
interface Metrics {
	registry: Registry;
	httpDuration: Histogram<'route' | 'method' | 'status'>;
	autosavesAcknowledged: Counter;
	autosavesRefused: Counter<'status'>;
	autosavesQuarantined: Counter;
	sweepLag: Histogram;
	sweepTimerLag: Gauge;
	/** Set by the push work (src/lib/server/live): how many event streams are open now. */
	openStreams: { count: () => number };
	pool: { stats: (() => PoolStats) | null };
}

const KEY = Symbol.for('exam-8992.metrics');

function create(): Metrics {
	const registry = new Registry();
	collectDefaultMetrics({ register: registry });
	const openStreams = { count: () => 0 };
	const pool: Metrics['pool'] = { stats: null };
	new Gauge({
		name: 'exam_open_streams',
		help: 'Event streams (server-sent events) open in this process',
		registers: [registry],
		collect() {
			this.set(openStreams.count());
		}
	});
	new Gauge({
		name: 'exam_db_pool_connections',
		help: 'PostgreSQL pool connections by state (total, idle, waiting = queries waiting for a connection); absent on embedded PGlite, which has one connection and no pool',
		labelNames: ['state'],
		registers: [registry],
		collect() {
			this.reset();
			const s = pool.stats?.();
			if (!s) return;
			this.set({ state: 'total' }, s.total);
			this.set({ state: 'idle' }, s.idle);
			this.set({ state: 'waiting' }, s.waiting);
		}
	});
	return {
		registry,
		openStreams,
		pool,
		httpDuration: new Histogram({
			name: 'exam_http_request_duration_seconds',
			help: 'Time to answer a request, by route (the route id, not the address), method and status',
			labelNames: ['route', 'method', 'status'],
			buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
			registers: [registry]
		}),
		autosavesAcknowledged: new Counter({
			name: 'exam_autosaves_acknowledged_total',
			help: 'Autosaves answered 200 (the answer is stored, or a replay of one that is)',
			registers: [registry]
		}),
		autosavesRefused: new Counter({
			name: 'exam_autosaves_refused_total',
			help: 'Autosaves refused, by status (400 bad body, 401 signed out, 404, 409 paused or not answering, 410 time over, 413 too long, 5xx)',
			labelNames: ['status'],
			registers: [registry]
		}),
		autosavesQuarantined: new Counter({
			name: 'exam_autosaves_quarantined_total',
			help: 'Refused autosaves kept in quarantine for the invigilator (sent while paused or after the deadline)',
			registers: [registry]
		}),
		sweepLag: new Histogram({
			name: 'exam_sweep_lag_seconds',
			help: 'How long after its deadline the deadline sweep submitted an attempt (no request had submitted it earlier)',
			buckets: [0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300],
			registers: [registry]
		}),
		sweepTimerLag: new Gauge({
			name: 'exam_sweep_timer_lag_seconds',
			help: 'How late the last deadline sweep started after it was due (a busy event loop delays it)',
			registers: [registry]
		})
	};
}

export function metrics(): Metrics {
	const g = globalThis as typeof globalThis & { [KEY]?: Metrics };
	g[KEY] ??= create();
	return g[KEY];
}

/** The push work registers its open-stream count here (the gauge reads it at each scrape). */
export function setOpenStreamsCounter(count: () => number): void {
	metrics().openStreams.count = count;
}

export function setPoolStats(stats: (() => PoolStats) | null): void {
	metrics().pool.stats = stats;
}
