import { describe, expect, it } from 'vitest';

import {
	Autosave,
	formatDuration,
	statusText,
	wordCount,
	type AutosaveStatus
} from '../../src/lib/client/autosave.js';

/** A Storage in memory, the same interface the browser gives. */
class MemoryStorage implements Storage {
	private m = new Map<string, string>();
	get length() {
		return this.m.size;
	}
	clear() {
		this.m.clear();
	}
	getItem(k: string) {
		return this.m.get(k) ?? null;
	}
	key(i: number) {
		return [...this.m.keys()][i] ?? null;
	}
	removeItem(k: string) {
		this.m.delete(k);
	}
	setItem(k: string, v: string) {
		this.m.set(k, v);
	}
}

/** A stand-in for the server's autosave rule (keep the highest seq), with a switch for the network. */
function fakeServer() {
	const stored: Record<string, { seq: number; text: string }> = {};
	const s = {
		online: true,
		status: 200,
		/** More of a refusal's body (e.g. the 401's `signedOut`). */
		extra: {} as Record<string, unknown>,
		stored,
		requests: 0,
		fetch: async (url: string, init?: RequestInit) => {
			s.requests++;
			if (!s.online) throw new TypeError('Failed to fetch');
			const key = decodeURIComponent(url.split('/').pop()!);
			const body = JSON.parse(String(init!.body)) as { seq: number; text: string };
			if (s.status !== 200)
				return new Response(JSON.stringify({ error: 'refused', state: 'paused', ...s.extra }), {
					status: s.status
				});
			if (!stored[key] || stored[key]!.seq < body.seq) stored[key] = body;
			return new Response(
				JSON.stringify({
					seq: stored[key]!.seq,
					savedAt: new Date().toISOString(),
					serverNow: new Date().toISOString()
				}),
				{ status: 200 }
			);
		}
	};
	return s;
}

/** Timers the test fires by hand, so nothing waits on the wall clock. */
function manualTimers() {
	const pending = new Map<number, () => void>();
	let id = 0;
	return {
		setTimer: (fn: () => void) => {
			pending.set(++id, fn);
			return id;
		},
		clearTimer: (t: unknown) => void pending.delete(t as number),
		fireAll: async () => {
			const fns = [...pending.values()];
			pending.clear();
			fns.forEach((f) => f());
			await new Promise((r) => setImmediate(r));
			await new Promise((r) => setImmediate(r));
		},
		count: () => pending.size
	};
}

function make(
	storage: Storage,
	server: ReturnType<typeof fakeServer>,
	timers: ReturnType<typeof manualTimers>,
	serverAnswers = {}
) {
	let status: AutosaveStatus | null = null;
	const a = new Autosave({
		attemptId: 'att-1',
		server: serverAnswers,
		storage,
		fetch: server.fetch,
		onStatus: (s) => (status = s),
		setTimer: timers.setTimer,
		clearTimer: timers.clearTimer
	});
	return { a, status: () => status! };
}

describe('autosave outbox', () => {
	it('numbers each change, keeps it locally at once, and sends only the latest after the pause in typing', async () => {
		const storage = new MemoryStorage();
		const server = fakeServer();
		const timers = manualTimers();
		const { a, status } = make(storage, server, timers);
		a.change('1', 'H');
		a.change('1', 'He');
		a.change('1', 'Hello');
		expect(JSON.parse(storage.getItem('exam-outbox:att-1')!)).toEqual({
			'1': { seq: 3, text: 'Hello' }
		});
		expect(status().pending).toBe(1);
		await timers.fireAll();
		expect(server.requests).toBe(1);
		expect(server.stored['1']).toEqual({ seq: 3, text: 'Hello' });
		expect(status()).toMatchObject({ pending: 0, offline: false });
		expect(JSON.parse(storage.getItem('exam-outbox:att-1')!)).toEqual({});
	});

	it('offline: keeps every change, says so, retries with back-off and delivers the last text', async () => {
		const storage = new MemoryStorage();
		const server = fakeServer();
		const timers = manualTimers();
		const { a, status } = make(storage, server, timers);
		server.online = false;
		a.change('2', 'first draft');
		await a.flushOne('2');
		a.change('3', 'another');
		await a.flushOne('3');
		expect(statusText(status(), () => '')).toBe('Offline – 2 answers kept on this computer');
		expect(timers.count()).toBeGreaterThan(0);
		await timers.fireAll(); // still offline
		expect(status().pending).toBe(2);
		a.change('2', 'first draft, improved');
		server.online = true;
		a.retryNow();
		await new Promise((r) => setImmediate(r));
		await new Promise((r) => setImmediate(r));
		expect(server.stored).toEqual({
			'2': { seq: 2, text: 'first draft, improved' },
			'3': { seq: 1, text: 'another' }
		});
		expect(statusText(status(), () => '10:42:13')).toBe('All answers saved 10:42:13');
	});

	it('database refusing writes (503 with a reason): keeps the answer, shows the reason, retries, and clears it once stored', async () => {
		const storage = new MemoryStorage();
		const server = fakeServer();
		const timers = manualTimers();
		const { a, status } = make(storage, server, timers);
		server.status = 503;
		server.extra = { error: 'The exam server cannot store anything just now.' };
		a.change('1', 'typed while the database was read-only');
		await a.flushOne('1');
		expect(status()).toMatchObject({
			pending: 1,
			offline: false,
			problem: 'The exam server cannot store anything just now.'
		});
		expect(JSON.parse(storage.getItem('exam-outbox:att-1')!)).toEqual({
			'1': { seq: 1, text: 'typed while the database was read-only' }
		});
		expect(timers.count()).toBe(1);
		server.status = 200;
		await timers.fireAll();
		expect(server.stored['1']).toEqual({ seq: 1, text: 'typed while the database was read-only' });
		expect(status()).toMatchObject({ pending: 0, problem: null });
	});

	it('survives a reload: an unsent change wins over the server copy and keeps a higher sequence', async () => {
		const storage = new MemoryStorage();
		const server = fakeServer();
		const timers = manualTimers();
		server.online = false;
		const first = make(storage, server, timers);
		first.a.change('1', 'typed before the crash');
		// The tab dies; a new page loads with the server's older copy (seq 0 → nothing saved yet).
		server.online = true;
		const second = make(storage, server, timers, { '1': { seq: 0, text: '' } });
		expect(second.a.textFor('1')).toBe('typed before the crash');
		expect(await second.a.flushAll()).toBe(true);
		expect(server.stored['1']).toEqual({ seq: 1, text: 'typed before the crash' });
		second.a.change('1', 'and more');
		await second.a.flushAll();
		expect(server.stored['1']!.seq).toBe(2);
	});

	it('a new computer continues the sequence from the server, so its saves are never stale', async () => {
		const server = fakeServer();
		server.stored['1'] = { seq: 40, text: 'from the old computer' };
		const { a } = make(new MemoryStorage(), server, manualTimers(), {
			'1': { seq: 40, text: 'from the old computer' }
		});
		expect(a.textFor('1')).toBe('from the old computer');
		a.change('1', 'continued');
		await a.flushAll();
		expect(server.stored['1']).toEqual({ seq: 41, text: 'continued' });
	});

	it('keeps answers while the server refuses for a while (409 paused)', async () => {
		const server = fakeServer();
		const timers = manualTimers();
		const { a, status } = make(new MemoryStorage(), server, timers);
		server.status = 409;
		a.change('1', 'during pause');
		await a.flushAll();
		expect(status().pending).toBe(1);
		server.status = 200;
		await timers.fireAll();
		expect(server.stored['1']).toEqual({ seq: 1, text: 'during pause' });
	});
});

describe('autosave when the server is in trouble', () => {
	for (const status of [500, 502, 503, 429]) {
		it(`retries by itself after a ${status} and delivers the answer`, async () => {
			const server = fakeServer();
			const timers = manualTimers();
			const { a, status: st } = make(new MemoryStorage(), server, timers);
			server.status = status;
			a.change('1', 'while the server restarts');
			await timers.fireAll(); // the pause in typing ends: the save goes out and fails
			expect(st().pending).toBe(1);
			expect(st().stopped).toBeNull();
			expect(timers.count()).toBe(1); // a retry is scheduled without any new typing
			server.status = 200;
			await timers.fireAll();
			expect(server.stored['1']).toEqual({ seq: 1, text: 'while the server restarts' });
			expect(st().pending).toBe(0);
		});
	}

	it('signed out (401): stops, keeps the unsent answer on the computer and says so', async () => {
		const storage = new MemoryStorage();
		const server = fakeServer();
		const timers = manualTimers();
		const { a, status } = make(storage, server, timers);
		server.status = 401;
		a.change('2', 'typed on the old computer');
		await a.flushAll();
		expect(statusText(status(), () => '')).toBe(
			'Your session has ended. 1 answer not yet saved is kept on this computer. Please tell your invigilator.'
		);
		expect(JSON.parse(storage.getItem('exam-outbox:att-1')!)).toEqual({
			'2': { seq: 1, text: 'typed on the old computer' }
		});
		a.change('2', 'more');
		expect(JSON.parse(storage.getItem('exam-outbox:att-1')!)['2'].text).toBe(
			'typed on the old computer'
		);
	});

	for (const [why, body, text] of [
		[
			'moved',
			{ signedOut: 'moved' },
			'Your exam has moved to another computer. 2 answers not yet saved are kept on this computer.'
		],
		[
			'ended',
			{ signedOut: 'ended' },
			'Your session has ended. 2 answers not yet saved are kept on this computer.'
		],
		['ended', {}, 'Your session has ended.']
	] as const) {
		it(`signed out (401 ${JSON.stringify(body)}): tells the page once, why (${why}), with how many answers this computer keeps`, async () => {
			const storage = new MemoryStorage();
			const server = fakeServer();
			server.extra = body;
			const signedOut: [number, string][] = [];
			let status: AutosaveStatus | null = null;
			const a = new Autosave({
				attemptId: 'att-1',
				server: {},
				storage,
				fetch: server.fetch,
				onStatus: (s) => (status = s),
				onSignedOut: (kept, w) => signedOut.push([kept, w]),
				setTimer: manualTimers().setTimer,
				clearTimer: () => {}
			});
			a.change('1', 'first');
			a.change('2', 'second');
			server.status = 401;
			await a.flushOne('1');
			expect(signedOut).toEqual([[2, why]]);
			expect(status!.stopped).toContain(text);
			// Stopped: nothing more is sent, so the page is not told again.
			await a.flushAll();
			expect(signedOut).toEqual([[2, why]]);
			expect(Object.keys(JSON.parse(storage.getItem('exam-outbox:att-1')!))).toEqual(['1', '2']);
		});
	}

	it('a 413 is a problem with this answer, not a reason to retry', async () => {
		const server = fakeServer();
		const timers = manualTimers();
		const { a, status } = make(new MemoryStorage(), server, timers);
		server.status = 413;
		a.change('1', 'x');
		await timers.fireAll();
		expect(status().problem).toBe('refused');
		expect(timers.count()).toBe(0);
	});
});

describe('display helpers', () => {
	it('count words and format durations', () => {
		expect(wordCount('  one two\nthree ')).toBe(3);
		expect(wordCount('')).toBe(0);
		expect(formatDuration(65_000)).toBe('01:05');
		expect(formatDuration(3_725_000)).toBe('1:02:05');
		expect(formatDuration(-5)).toBe('00:00');
	});
});
