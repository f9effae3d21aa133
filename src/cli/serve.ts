import cluster from 'node:cluster';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

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
export async function serveBuild(opts: { port: number; host: string; workers?: number }): Promise<void> {
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
		const stop = () => {
			for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
			process.exit(0);
		};
		process.once('SIGINT', stop);
		process.once('SIGTERM', stop);
		return;
	}
	if (!process.env.ORIGIN) {
		process.env.PROTOCOL_HEADER ??= 'x-forwarded-proto';
		process.env.HOST_HEADER ??= 'host';
	}
	const mod = (await import(pathToFileURL(resolve('build/handler.js')).href)) as { handler: Handler };
	const server = createServer((req, res) => {
		if (!process.env.ORIGIN && !req.headers['x-forwarded-proto']) req.headers['x-forwarded-proto'] = 'http';
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
	const stop = () => server.close(() => process.exit(0));
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
}
