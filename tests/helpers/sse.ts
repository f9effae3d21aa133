/** Reads a text/event-stream response as its events, for tests: wait for the one you expect, with a timeout. */
export interface SseMessage {
	event: string;
	data: unknown;
}

export class SseReader {
	private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
	private readonly decoder = new TextDecoder();
	private buffer = '';
	private readonly queue: SseMessage[] = [];
	ended = false;

	constructor(response: Response) {
		if (!response.body) throw new Error(`No stream (status ${response.status})`);
		this.reader = response.body.getReader();
	}

	/** The next event matching `match` (earlier ones are passed over), or a rejection after `timeoutMs`. */
	async next(match: (m: SseMessage) => boolean, timeoutMs = 5000): Promise<SseMessage> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const i = this.queue.findIndex(match);
			if (i >= 0) return this.queue.splice(0, i + 1).pop()!;
			this.queue.length = 0;
			if (this.ended) throw new Error('The stream ended');
			const left = deadline - Date.now();
			if (left <= 0) throw new Error('No matching event in time');
			let timer: ReturnType<typeof setTimeout> | undefined;
			const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), left)));
			const read = await Promise.race([this.reader.read(), timeout]);
			clearTimeout(timer);
			if (read === 'timeout') throw new Error('No matching event in time');
			if (read.done) {
				this.ended = true;
				continue;
			}
			this.buffer += this.decoder.decode(read.value, { stream: true });
			let cut: number;
			while ((cut = this.buffer.indexOf('\n\n')) >= 0) {
				const block = this.buffer.slice(0, cut);
				this.buffer = this.buffer.slice(cut + 2);
				const event = /^event: (.*)$/m.exec(block)?.[1];
				const data = /^data: (.*)$/m.exec(block)?.[1];
				if (event && data !== undefined) this.queue.push({ event, data: JSON.parse(data) });
			}
		}
	}

	/** Resolves once the server has ended the stream (events before the end are passed over). */
	async end(timeoutMs = 5000): Promise<void> {
		await this.next(() => false, timeoutMs).catch((err: Error) => {
			if (err.message !== 'The stream ended') throw err;
		});
	}

	cancel(): Promise<void> {
		return this.reader.cancel().catch(() => undefined);
	}
}
