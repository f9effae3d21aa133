/**
 * One server-sent event stream (text/event-stream) with bounded memory: a client that stops
 * reading is dropped rather than buffered for (a reconnect costs it nothing).
 */
const encoder = new TextEncoder();

/** Chunks a stream may have queued unread before it is closed as a stalled client. */
const MAX_QUEUED_CHUNKS = 64;

/** The bytes of one event, encoded once and written to as many streams as hear it. */
export function sseEvent(event: string, data: unknown): Uint8Array {
	return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export const SSE_HEADERS = {
	'content-type': 'text/event-stream; charset=utf-8',
	'cache-control': 'no-cache, no-store, no-transform',
	// nginx and similar proxies would otherwise hold events back until a buffer fills.
	'x-accel-buffering': 'no'
} as const;

export class SseStream {
	readonly openedAt = Date.now();
	private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
	private ended = false;
	readonly body: ReadableStream<Uint8Array>;

	constructor(
		/** The session that opened it (the cap per session counts these). */
		readonly sessionKey: string,
		private readonly onClosed: (s: SseStream) => void,
		/** How long the browser waits before reconnecting a stream that ends (EventSource's `retry`). */
		retryMs = 2000
	) {
		this.body = new ReadableStream<Uint8Array>({
			start: (controller) => {
				this.controller = controller;
				controller.enqueue(encoder.encode(`retry: ${retryMs}\n\n`));
			},
			cancel: () => this.finish(false)
		});
	}

	get closed(): boolean {
		return this.ended;
	}

	response(): Response {
		return new Response(this.body, { headers: SSE_HEADERS });
	}

	write(chunk: Uint8Array): void {
		const c = this.controller;
		if (this.ended || !c) return;
		if ((c.desiredSize ?? 0) <= -MAX_QUEUED_CHUNKS) {
			this.close();
			return;
		}
		try {
			c.enqueue(chunk);
		} catch {
			this.finish(false);
		}
	}

	send(event: string, data: unknown): void {
		this.write(sseEvent(event, data));
	}

	/** Ends the stream from the server's side. */
	close(): void {
		this.finish(true);
	}

	private finish(closeBody: boolean): void {
		if (this.ended) return;
		this.ended = true;
		if (closeBody) {
			try {
				this.controller?.close();
			} catch {
				/* already closed by the client */
			}
		}
		this.controller = null;
		this.onClosed(this);
	}
}
