import cluster from 'node:cluster';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { logger } from '../lib/server/log.js';
import { beginStopping, isStopping, runShutdownHooks } from '../lib/server/ops/lifecycle.js';

type Handler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * Serves the built app (build/handler.js from adapter-node) on HOST:PORT.
 *
 * SvelteKit refuses cross-site form posts by comparing the browser's Origin with the request's own
 * origin. Without an ORIGIN setting, adapter-node takes the protocol from PROTOCOL_HEADER and falls
 * back to https, which would refuse every form served over plain http on a centre's own network. So
 * when ORIGIN is unset we name x-forwarded-proto as that header and fill it with "http" when no
 * proxy sent it; behind a TLS proxy, the proxy's value (https) stands and cookies become Secure.
 */
export async function serveBuild(opts: {
	port: number;
	host: string;
	workers?: number;
}): Promise<void> {
	// Several processes share the port (node:cluster). Only with PostgreSQL: the app keeps no state
	// in memory, but embedded PGlite belongs to one process.
	const workers = opts.workers ?? 1;
	if (workers > 1 && cluster.isPrimary) {
		for (let i = 0; i < workers; i++) cluster.fork();
		let listening = 0;
		cluster.on('listening', () => {
			if (++listening === workers) {
				const shown = opts.host === '0.0.0.0' || opts.host === '::' ? 'localhost' : opts.host;
				console.log(`Listening on http://${shown}:${opts.port} (${workers} processes)`);
			}
		});
		cluster.on('exit', (w, code) => {
			if (code !== 0) console.error(`App process ${w.process.pid} exited with ${code}`);
		});
		// Each app process stops itself gracefully (below); the primary waits for them all, then exits.
		let stopping = false;
		const stop = (signal: NodeJS.Signals) => {
			if (stopping) return;
			stopping = true;
			const alive = Object.values(cluster.workers ?? {}).filter(
				(w) => w !== undefined && !w.isDead()
			);
			let failed = false;
			let left = alive.length;
			if (left === 0) process.exit(0);
			for (const w of alive) {
				w!.once('exit', (code) => {
					if (code !== 0) failed = true;
					if (--left === 0) process.exit(failed ? 1 : 0);
				});
				w!.kill(signal);
			}
			// Each worker forces its own exit after SHUTDOWN_TIMEOUT_MS; a little more here, then force them.
			setTimeout(() => {
				for (const w of alive) w!.process.kill('SIGKILL');
				process.exit(1);
			}, shutdownTimeoutMs() + 2000).unref();
		};
		process.on('SIGINT', stop);
		process.on('SIGTERM', stop);
		return;
	}
	if (!process.env.ORIGIN) {
		process.env.PROTOCOL_HEADER ??= 'x-forwarded-proto';
		process.env.HOST_HEADER ??= 'host';
	}
	const mod = (await import(pathToFileURL(resolve('build/handler.js')).href)) as {
		handler: Handler;
	};
	const server = createServer((req, res) => {
		if (isStopping()) {
			// Finish this one, then let the connection go: a keep-alive client must not hold the stop open.
			res.setHeader('Connection', 'close');
			res.once('finish', () => server.closeIdleConnections());
		}
		// SvelteKit pauses a request body nobody reads (a save refused before its body is parsed), and a
		// paused request pauses its socket: the next request on that keep-alive connection would wait
		// until the connection timed out. Once the answer is sent, the unread rest is discarded, as
		// Node does for a body no one touched.
		res.once('finish', () => discardUnreadBody(req));
		if (!process.env.ORIGIN && !req.headers['x-forwarded-proto'])
			req.headers['x-forwarded-proto'] = 'http';
		mod.handler(req, res, () => {
			res.statusCode = 404;
			res.end('Not found');
		});
	});
	server.keepAliveTimeout = 65_000;
	await new Promise<void>((ok, fail) => {
		server.once('error', fail);
		server.listen(opts.port, opts.host, () => ok());
	});
	if (workers <= 1) {
		const shown = opts.host === '0.0.0.0' || opts.host === '::' ? 'localhost' : opts.host;
		console.log(`Listening on http://${shown}:${opts.port}`);
	}
	let stopping = false;
	const stop = (signal: NodeJS.Signals) => {
		if (stopping) {
			// A second Ctrl+C: the operator will not wait.
			process.exit(1);
		}
		stopping = true;
		void gracefulStop(server, signal).then((code) => process.exit(code));
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

/** Reads and drops what is left of a request's body (nothing if it was read to the end). */
export function discardUnreadBody(req: IncomingMessage): void {
	if (req.complete || req.destroyed) return;
	req.removeAllListeners('data');
	req.resume();
}

/** How long a stop may take before it is forced (SHUTDOWN_TIMEOUT_MS, default 10 s). */
export function shutdownTimeoutMs(): number {
	const n = Number(process.env.SHUTDOWN_TIMEOUT_MS);
	return Number.isFinite(n) && n > 0 ? n : 10_000;
}

/**
 * The orderly stop (SIGTERM from a service manager, Ctrl+C): /readyz turns 503 and the listening
 * socket closes, so no new request arrives; idle keep-alive connections close; event streams end
 * (the 'streams' shutdown hooks), so their pages reconnect to another process; requests in flight
 * finish; then the timers stop and the database closes (PGlite writes its shutdown checkpoint, so
 * the next start needs no recovery; the PostgreSQL pool ends its connections). Bounded: after
 * SHUTDOWN_TIMEOUT_MS the remaining connections are cut and the process exits with 1.
 */
export async function gracefulStop(server: Server, signal: string): Promise<number> {
	const started = Date.now();
	logger.info({ signal }, 'stopping: no new requests; finishing those in flight');
	beginStopping();
	const drained = new Promise<void>((resolve) => server.close(() => resolve()));
	server.closeIdleConnections();
	let forced = false;
	const deadline = new Promise<void>((resolve) =>
		setTimeout(() => {
			forced = true;
			resolve();
		}, shutdownTimeoutMs()).unref()
	);
	const failures = await runShutdownHooks(['streams']);
	await Promise.race([drained, deadline]);
	if (forced) {
		logger.error(
			{ timeoutMs: shutdownTimeoutMs() },
			'stopping: requests still running at the time limit; cutting their connections'
		);
		server.closeAllConnections();
	}
	failures.push(
		...(await Promise.race([
			runShutdownHooks(['timers', 'database']),
			deadline.then(() => [{ name: 'database', error: new Error('not closed in time') }])
		]))
	);
	for (const f of failures)
		logger.error({ err: f.error, hook: f.name }, 'stopping: a shutdown step failed');
	const ok = !forced && failures.length === 0;
	logger.info(
		{ ms: Date.now() - started, clean: ok },
		ok ? 'stopped cleanly' : 'stopped, not cleanly'
	);
	return ok ? 0 : 1;
}
