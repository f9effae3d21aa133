import { describe, expect, it } from 'vitest';

import {
	openLiveStream,
	type EventSourceLike,
	type LiveStreamOptions
} from '../../src/lib/client/live-stream.js';
import {
	RECONNECT_BASE_MS,
	SLOW_POLL_JITTER_MS,
	SLOW_POLL_MIN_MS
} from '../../src/lib/domain/live.js';

/** A stand-in EventSource: the test opens it, sends events and errors, and sees whether it was closed. */
class FakeSource implements EventSourceLike {
	readyState = 0;
	closed = false;
	private listeners = new Map<string, ((e: Event) => void)[]>();
	constructor(readonly url: string) {}
	addEventListener(type: string, listener: (e: Event) => void) {
		this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
	}
	close() {
		this.closed = true;
		this.readyState = 2;
	}
	private fire(type: string, e: Event) {
		for (const l of this.listeners.get(type) ?? []) l(e);
	}
	open() {
		this.readyState = 1;
		this.fire('open', new Event('open'));
	}
	send(type: string, data: string) {
		this.fire(type, new MessageEvent(type, { data }));
	}
	/** The connection dropped: the browser retries (CONNECTING), or has given up (CLOSED). */
	fail(gaveUp: boolean) {
		this.readyState = gaveUp ? 2 : 0;
		this.fire('error', new Event('error'));
	}
}

/** A clock the test moves on by hand. */
function fakeClock() {
	let now = 0;
	let due: { at: number; run: () => void; id: number }[] = [];
	let next = 0;
	return {
		after: (ms: number, run: () => void) => {
			const id = next++;
			due.push({ at: now + ms, run, id });
			return () => void (due = due.filter((d) => d.id !== id));
		},
		pending: () => due.map((d) => d.at - now).sort((a, b) => a - b),
		async advance(ms: number) {
			const until = now + ms;
			for (;;) {
				const first = [...due].sort((a, b) => a.at - b.at)[0];
				if (!first || first.at > until) break;
				due = due.filter((d) => d !== first);
				now = first.at;
				first.run();
				await Promise.resolve();
				await Promise.resolve();
			}
			now = until;
		}
	};
}

function harness(options: Partial<LiveStreamOptions> = {}) {
	const clock = fakeClock();
	const sources: FakeSource[] = [];
	const got: string[] = [];
	let polls = 0;
	const live = openLiveStream({
		url: '/events',
		events: { rows: (d) => got.push(`rows ${d}`) },
		poll: async () => void polls++,
		connect: (url) => {
			const s = new FakeSource(url);
			sources.push(s);
			return s;
		},
		after: clock.after,
		random: () => 0.5,
		...options
	});
	return { live, clock, sources, got, polls: () => polls, last: () => sources.at(-1)! };
}

const POLL_MS = SLOW_POLL_MIN_MS + SLOW_POLL_JITTER_MS / 2;

describe('the live stream', () => {
	it('opens the stream and gives each named event’s data to its handler', () => {
		const h = harness();
		expect(h.sources.map((s) => s.url)).toEqual(['/events']);
		h.last().open();
		h.last().send('rows', '{"n":1}');
		h.last().send('other', 'ignored');
		expect(h.got).toEqual(['rows {"n":1}']);
		expect(h.clock.pending()).toEqual([]);
	});

	it('while the browser reconnects by itself: polls every 30–45 s, and stops once the stream is open again', async () => {
		let down = 0;
		const h = harness({ onDown: () => void down++ });
		h.last().open();
		h.last().fail(false);
		expect(down).toBe(1);
		expect(h.clock.pending()).toEqual([POLL_MS]);
		await h.clock.advance(POLL_MS);
		expect(h.polls()).toBe(1);
		await h.clock.advance(POLL_MS);
		expect(h.polls()).toBe(2);
		expect(h.sources).toHaveLength(1);
		h.last().open();
		await h.clock.advance(10 * POLL_MS);
		expect(h.polls()).toBe(2);
	});

	it('a stream the browser gave up on is reopened after a backoff that doubles, and resets once open', async () => {
		const h = harness();
		h.last().fail(true);
		expect(h.last().closed).toBe(true);
		// The reconnect (about 1 s) and the poll (30–45 s) are both pending.
		expect(h.clock.pending()).toEqual([RECONNECT_BASE_MS, POLL_MS]);
		await h.clock.advance(RECONNECT_BASE_MS);
		expect(h.sources).toHaveLength(2);
		h.last().fail(true);
		expect(h.clock.pending()[0]).toBe(2 * RECONNECT_BASE_MS);
		await h.clock.advance(2 * RECONNECT_BASE_MS);
		expect(h.sources).toHaveLength(3);
		h.last().open();
		h.last().fail(true);
		expect(h.clock.pending()).toEqual([RECONNECT_BASE_MS, POLL_MS]);
	});

	it('one reconnect at a time, however many errors arrive', async () => {
		const h = harness();
		h.last().fail(true);
		h.last().fail(true);
		expect(h.clock.pending()).toEqual([RECONNECT_BASE_MS, POLL_MS]);
		await h.clock.advance(RECONNECT_BASE_MS);
		expect(h.sources).toHaveLength(2);
	});

	it('replaced by another tab: closes and keeps to the poll, without reconnecting', async () => {
		const h = harness();
		h.last().open();
		h.last().send('replaced', '');
		expect(h.last().closed).toBe(true);
		await h.clock.advance(3 * POLL_MS);
		expect(h.polls()).toBe(3);
		expect(h.sources).toHaveLength(1);
	});

	it('a handler may close its stream: nothing reopens it', async () => {
		const h = harness({
			events: { signedout: (_d, source) => source.close() }
		});
		h.last().open();
		h.last().send('signedout', '{}');
		expect(h.last().closed).toBe(true);
		await h.clock.advance(10 * POLL_MS);
		expect(h.sources).toHaveLength(1);
		expect(h.polls()).toBe(0);
	});

	it('ended: opens no stream; a failing one is closed, not reopened, and nothing polls', async () => {
		expect(harness({ ended: () => true }).sources).toHaveLength(0);
		let ended = false;
		const h = harness({ ended: () => ended });
		h.last().open();
		ended = true;
		h.last().fail(false);
		expect(h.last().closed).toBe(true);
		expect(h.clock.pending()).toEqual([]);
	});

	it('halted: neither polls nor reopens', async () => {
		let halted = false;
		const h = harness({ halted: () => halted });
		h.last().send('replaced', '');
		halted = true;
		await h.clock.advance(POLL_MS);
		expect(h.polls()).toBe(1);
		expect(h.clock.pending()).toEqual([]);
	});

	it('close stops it all: the stream, the poll and the reconnect', async () => {
		const h = harness();
		h.last().fail(true);
		h.live.close();
		expect(h.clock.pending()).toEqual([]);
		await h.clock.advance(10 * POLL_MS);
		expect(h.sources).toHaveLength(1);
		expect(h.polls()).toBe(0);
	});
});
