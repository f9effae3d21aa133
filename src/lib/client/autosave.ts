/**
 * The candidate's autosave outbox. Every change gets a per-answer sequence number that only grows;
 * unsent changes live in localStorage (they survive a reload or a crashed tab) until the server
 * acknowledges that sequence. Sends retry with back-off; nothing is dropped until acknowledged.
 */
import type {
	ApiErrorBody,
	AttemptStateName,
	SaveBody,
	SaveResult,
	SignedOut
} from '../exam-api.js';

/** An answer with its sequence number: the save's body, and what the outbox keeps. */
export type StoredAnswer = SaveBody;

export interface AutosaveStatus {
	pending: number;
	offline: boolean;
	lastSavedAt: Date | null;
	/** The exam has ended or the session is gone: stop typing, tell the candidate. */
	stopped: string | null;
	/** A save was refused for a reason the candidate should see (too long, not in the paper). */
	problem: string | null;
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface AutosaveOptions {
	attemptId: string;
	/** Answers as the server has them, with their sequence numbers. */
	server: Record<string, StoredAnswer>;
	storage: Storage;
	fetch: Fetch;
	onStatus: (s: AutosaveStatus) => void;
	/** Called when a reply says the attempt's state changed (paused, submitted…). */
	onState?: (state: AttemptStateName) => void;
	onServerNow?: (serverNow: string) => void;
	/**
	 * Called when the server says this computer's session is gone (a 401), with why: the exam moved
	 * to another computer, or the session ended (expired, signed out).
	 */
	onSignedOut?: (pending: number, why: SignedOut) => void;
	debounceMs?: number;
	setTimer?: (fn: () => void, ms: number) => unknown;
	clearTimer?: (t: unknown) => void;
}

const MAX_BACKOFF_MS = 15_000;

export class Autosave {
	private outbox: Record<string, StoredAnswer>;
	private seqs: Record<string, number>;
	private status: AutosaveStatus = {
		pending: 0,
		offline: false,
		lastSavedAt: null,
		stopped: null,
		problem: null
	};
	private debounce = new Map<string, unknown>();
	private retryTimer: unknown = null;
	private backoff = 1000;
	private inFlight = new Set<string>();
	private readonly o: Required<Omit<AutosaveOptions, 'onState' | 'onServerNow' | 'onSignedOut'>> &
		Pick<AutosaveOptions, 'onState' | 'onServerNow' | 'onSignedOut'>;

	constructor(options: AutosaveOptions) {
		this.o = {
			debounceMs: 700,
			setTimer: (fn, ms) => setTimeout(fn, ms),
			clearTimer: (t) => clearTimeout(t as number),
			...options
		};
		this.outbox = this.read('outbox');
		this.seqs = this.read('seqs');
		// Whatever the server already has is acknowledged; drop outbox entries it has caught up with.
		for (const [key, a] of Object.entries(this.o.server)) {
			this.seqs[key] = Math.max(this.seqs[key] ?? 0, a.seq);
			if (this.outbox[key] && this.outbox[key]!.seq <= a.seq) delete this.outbox[key];
		}
		this.persist();
		this.emit();
	}

	private key(kind: string) {
		return `exam-${kind}:${this.o.attemptId}`;
	}
	private read(kind: string): Record<string, never> {
		try {
			return JSON.parse(this.o.storage.getItem(this.key(kind)) ?? '{}');
		} catch {
			return {};
		}
	}
	private persist() {
		this.o.storage.setItem(this.key('outbox'), JSON.stringify(this.outbox));
		this.o.storage.setItem(this.key('seqs'), JSON.stringify(this.seqs));
	}
	private emit() {
		this.status = { ...this.status, pending: Object.keys(this.outbox).length };
		this.o.onStatus(this.status);
	}

	/** The text to show for an answer: an unsent local change wins over the server's copy. */
	textFor(key: string): string {
		return this.outbox[key]?.text ?? this.o.server[key]?.text ?? '';
	}

	pendingCount(): number {
		return Object.keys(this.outbox).length;
	}

	/** Record a change now (nothing typed is lost even if the tab dies), send it shortly. */
	change(key: string, text: string): void {
		if (this.status.stopped) return;
		const seq = (this.seqs[key] ?? 0) + 1;
		this.seqs[key] = seq;
		this.outbox[key] = { seq, text };
		this.persist();
		this.emit();
		const t = this.debounce.get(key);
		if (t !== undefined) this.o.clearTimer(t);
		this.debounce.set(
			key,
			this.o.setTimer(() => void this.send(key), this.o.debounceMs)
		);
	}

	/** Send one answer now (on leaving the box). */
	flushOne(key: string): Promise<void> {
		const t = this.debounce.get(key);
		if (t !== undefined) this.o.clearTimer(t);
		return this.send(key);
	}

	/** Send everything pending; resolves true when the outbox is empty. */
	async flushAll(): Promise<boolean> {
		await Promise.all(Object.keys(this.outbox).map((k) => this.send(k)));
		return this.pendingCount() === 0;
	}

	private scheduleRetry() {
		if (this.retryTimer !== null) return;
		const wait = this.backoff;
		this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
		this.retryTimer = this.o.setTimer(() => {
			this.retryTimer = null;
			void this.flushAll();
		}, wait);
	}

	/** Called when the browser says it is back online, or the clock poll says the attempt changed. */
	retryNow(): void {
		if (this.retryTimer !== null) this.o.clearTimer(this.retryTimer);
		this.retryTimer = null;
		this.backoff = 1000;
		void this.flushAll();
	}

	private async send(key: string): Promise<void> {
		const entry = this.outbox[key];
		if (!entry || this.inFlight.has(key) || this.status.stopped) return;
		this.inFlight.add(key);
		try {
			const res = await this.o.fetch(
				`/api/attempts/${this.o.attemptId}/responses/${encodeURIComponent(key)}`,
				{
					method: 'PUT',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify(entry)
				}
			);
			const body = (await res.json().catch(() => ({}))) as Partial<SaveResult & ApiErrorBody>;
			if (body.serverNow) this.o.onServerNow?.(body.serverNow);
			if (res.ok) {
				// Acknowledged up to body.seq: drop the entry unless the candidate typed more meanwhile.
				if (this.outbox[key] && this.outbox[key]!.seq <= (body.seq ?? entry.seq))
					delete this.outbox[key];
				this.seqs[key] = Math.max(this.seqs[key] ?? 0, body.seq ?? entry.seq);
				this.persist();
				this.backoff = 1000;
				this.status = { ...this.status, offline: false, lastSavedAt: new Date(), problem: null };
				this.emit();
				if (this.outbox[key]) void this.send(key);
				return;
			}
			if (res.status === 409) {
				// Not taking answers right now (reading time, paused): keep it, try again later.
				if (body.state) this.o.onState?.(body.state);
				this.status = { ...this.status, offline: false };
				this.emit();
				this.scheduleRetry();
				return;
			}
			if (res.status === 410) {
				this.status = { ...this.status, stopped: body.error ?? 'The exam has ended.' };
				this.emit();
				this.o.onState?.('submitted');
				return;
			}
			if (res.status === 401) {
				// This computer no longer holds the exam (moved to another, or the session ended). What it
				// has not sent stays in this browser's storage; the candidate is told to fetch the invigilator.
				const why = signedOutWhy(body);
				this.status = { ...this.status, stopped: signedOutText(this.pendingCount(), why) };
				this.emit();
				this.o.onSignedOut?.(this.pendingCount(), why);
				return;
			}
			if (res.status === 400 || res.status === 404 || res.status === 413) {
				// This answer cannot be saved as it is; keep it locally and say why.
				this.status = {
					...this.status,
					problem: body.error ?? 'This answer could not be saved. It is kept on this computer.'
				};
				this.emit();
				return;
			}
			// 429, 5xx, a proxy's error page: the server is busy or restarting. Keep it and try again.
			// A 503 with a reason (the database restarting or refusing writes) is shown as it is, so the
			// candidate knows the answer is not yet stored and is kept on this computer.
			const reason = res.status === 503 && typeof body.error === 'string' ? body.error : null;
			this.status = { ...this.status, offline: false, problem: reason };
			this.emit();
			this.scheduleRetry();
		} catch {
			this.status = { ...this.status, offline: true };
			this.emit();
			this.scheduleRetry();
		} finally {
			this.inFlight.delete(key);
		}
	}
}

/** Why a 401 came, from its body: 'moved' only when the server says so; anything else is an ended session. */
export function signedOutWhy(body: Partial<ApiErrorBody>): SignedOut {
	return body.signedOut === 'moved' ? 'moved' : 'ended';
}

/** What a computer that is no longer signed in to the exam tells the candidate. */
export function signedOutText(pending: number, why: SignedOut): string {
	const kept =
		pending > 0
			? ` ${pending} answer${pending === 1 ? '' : 's'} not yet saved ${pending === 1 ? 'is' : 'are'} kept on this computer.`
			: '';
	const what =
		why === 'moved' ? 'Your exam has moved to another computer.' : 'Your session has ended.';
	return `${what}${kept} Please tell your invigilator.`;
}

export function statusText(s: AutosaveStatus, fmt: (d: Date) => string): string {
	if (s.stopped) return s.stopped;
	if (s.offline && s.pending > 0)
		return `Offline – ${s.pending} answer${s.pending === 1 ? '' : 's'} kept on this computer`;
	if (s.pending > 0) return `Saving… ${s.pending} answer${s.pending === 1 ? '' : 's'} waiting`;
	return s.lastSavedAt ? `All answers saved ${fmt(s.lastSavedAt)}` : 'All answers saved';
}

export function wordCount(text: string): number {
	const t = text.trim();
	return t ? t.split(/\s+/).length : 0;
}

export function formatDuration(ms: number): string {
	const total = Math.max(0, Math.ceil(ms / 1000));
	const h = Math.floor(total / 3600);
	const m = Math.floor((total % 3600) / 60);
	const s = total % 60;
	const mm = String(m).padStart(2, '0');
	const ss = String(s).padStart(2, '0');
	return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
