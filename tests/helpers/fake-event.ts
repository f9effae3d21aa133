import type { RequestEvent } from '@sveltejs/kit';
import type { Kysely } from 'kysely';

import type { SessionUser } from '../../src/lib/server/auth/sessions.js';
import type { Database } from '../../src/lib/server/db/schema.js';

export const APP = 'http://exams.test';

export interface FakeRequest {
	method?: string;
	path: string;
	routeId?: string | null;
	params?: Record<string, string>;
	form?: Record<string, string | string[]>;
	/** A JSON body (sent with content-type application/json). */
	json?: unknown;
	headers?: Record<string, string>;
	cookies?: Record<string, string>;
	user?: SessionUser | null;
	request?: Request;
	isDataRequest?: boolean;
}

/**
 * A request event as SvelteKit builds one, for calling a route's load, action or endpoint (or the
 * hook) directly against a test's own database. Typed as whatever the caller expects.
 */
export function fakeEvent<E = RequestEvent>(db: Kysely<Database>, r: FakeRequest): E {
	const url = new URL(r.path, APP);
	const method = r.method ?? (r.form || r.json !== undefined ? 'POST' : 'GET');
	let body: FormData | string | undefined;
	const headers = { ...r.headers };
	if (r.form) {
		body = new FormData();
		for (const [k, v] of Object.entries(r.form))
			for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
	} else if (r.json !== undefined) {
		body = JSON.stringify(r.json);
		headers['content-type'] = 'application/json';
	}
	const jar = new Map(Object.entries(r.cookies ?? {}));
	const cookies = {
		get: (name: string) => jar.get(name),
		getAll: () => [...jar].map(([name, value]) => ({ name, value })),
		set: (name: string, value: string) => void jar.set(name, value),
		delete: (name: string) => void jar.delete(name),
		serialize: () => ''
	};
	return {
		url,
		params: r.params ?? {},
		route: { id: r.routeId ?? null },
		request: r.request ?? new Request(url, { method, body, headers }),
		locals: { db, user: r.user ?? null, session: null, candidate: null, candidateSignedOut: null },
		cookies,
		getClientAddress: () => '192.0.2.1',
		isDataRequest: r.isDataRequest ?? false,
		isSubRequest: false,
		setHeaders: () => {},
		fetch
	} as unknown as E;
}

/** Runs a load or action the way SvelteKit does: its result, or what it threw (redirect, error, or anything else). */
export async function outcome(run: () => unknown): Promise<{ result?: unknown; thrown?: unknown }> {
	try {
		return { result: await run() };
	} catch (thrown) {
		return { thrown };
	}
}
