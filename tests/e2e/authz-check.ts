import {
	expected,
	MATRIX,
	PARAMS,
	PRINCIPALS,
	requestOf,
	type Outcome,
	type Principal,
	type RouteEntry
} from './authz-matrix.js';
import { pathFor, type Operation } from './authz-routes.js';
import type { AuthzFixtures } from './authz-seed.js';

/*
 * Sends every operation as every principal over real HTTP and classifies each answer the way
 * authz-matrix.ts describes ('ok', 'signin', 403, 404, or the status itself when it is none of those).
 */

export type Sessions = Record<Principal, string>;

function cookiesFrom(res: Response): string[] {
	return res.headers
		.getSetCookie()
		.map((c) => c.split(';')[0]!)
		.filter((c) => !c.endsWith('='));
}

async function post(
	baseURL: string,
	path: string,
	form: Record<string, string>
): Promise<Response> {
	return fetch(`${baseURL}${path}`, {
		method: 'POST',
		redirect: 'manual',
		headers: {
			origin: baseURL,
			accept: 'text/html',
			'content-type': 'application/x-www-form-urlencoded'
		},
		body: new URLSearchParams(form)
	});
}

/** One session (a cookie header) per principal: staff through /signin, candidates through /candidate/signin. */
export async function signInEveryone(baseURL: string, f: AuthzFixtures): Promise<Sessions> {
	const sessions = { anon: '' } as Sessions;
	const signedIn = async (p: Principal, res: Response) => {
		const cookies = cookiesFrom(res);
		if (res.status !== 303 || cookies.length === 0)
			throw new Error(`${p} could not sign in (${res.status}): ${await res.text()}`);
		sessions[p] = cookies.join('; ');
	};
	for (const [p, number] of [
		['candidate', f.candidateNumber],
		['otherCandidate', f.otherCandidateNumber]
	] as const) {
		await signedIn(
			p,
			await post(baseURL, '/candidate/signin', {
				centre_number: f.centreNumber,
				candidate_number: number,
				keycode: f.keycode
			})
		);
	}
	for (const p of PRINCIPALS) {
		const account = f.staff[p];
		if (account)
			await signedIn(
				p,
				await post(baseURL, '/signin', { email: account.email, password: account.password })
			);
	}
	for (const p of PRINCIPALS) if (sessions[p] === undefined) throw new Error(`No session for ${p}`);
	return sessions;
}

/** What an answer means for authorisation, or its status when it is neither allowed nor a refusal of the caller. */
export type Seen = Outcome | number;

const PASSED = new Set([400, 409, 410, 413, 422]);

function fromStatus(status: number): Seen {
	if (status >= 200 && status < 300) return 'ok';
	if (status === 401) return 'signin';
	if (PASSED.has(status)) return 'ok';
	return status;
}

/**
 * A redirect to a sign-in page is 'signin': the staff guard's (/signin?next=…) or the candidate
 * pages' (/candidate/signin). Signing out sends to plain /signin: that is the action done.
 */
function fromRedirect(location: string): Seen {
	const path = location.replace(/^https?:\/\/[^/]+/, '');
	if (path.startsWith('/signin?next=') || path.startsWith('/candidate/signin')) return 'signin';
	return 'ok';
}

async function classify(
	res: Response,
	kind: 'html' | 'data' | 'action' | 'endpoint'
): Promise<{ seen: Seen; detail: string }> {
	if (res.status >= 300 && res.status < 400) {
		const location = res.headers.get('location') ?? '';
		return { seen: fromRedirect(location), detail: `${res.status} → ${location}` };
	}
	// An event stream stays open: its status and type are the answer; the body is not waited for.
	if (res.ok && (res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
		await res.body?.cancel();
		return { seen: fromStatus(res.status), detail: `${res.status} event stream` };
	}
	const text = await res.text();
	const detail = `${res.status} ${text.slice(0, 160).replace(/\s+/g, ' ')}`;
	if (res.status !== 200 || (kind !== 'data' && kind !== 'action'))
		return { seen: fromStatus(res.status), detail };
	// Page data and action results come back as 200 with the outcome inside (SvelteKit's own JSON).
	let body: {
		type?: string;
		status?: number;
		location?: string;
		nodes?: ({ type?: string; status?: number } | null)[];
	};
	try {
		body = JSON.parse(kind === 'data' ? (text.split('\n')[0] ?? '') : text);
	} catch {
		return { seen: fromStatus(res.status), detail };
	}
	if (body.type === 'redirect')
		return { seen: fromRedirect(body.location ?? ''), detail: `redirect → ${body.location}` };
	if (body.type === 'failure' || body.type === 'error')
		return { seen: fromStatus(body.status ?? 500), detail };
	const failed = body.nodes?.find((n) => n?.type === 'error');
	if (failed) return { seen: fromStatus(failed.status ?? 500), detail };
	return { seen: 'ok', detail };
}

export interface Check {
	op: Operation;
	principal: Principal;
	what: string;
	expected: Outcome;
	seen: Seen;
	detail: string;
}

export function entryFor(op: Operation): RouteEntry | undefined {
	return MATRIX[op.routeId];
}

/** Sends one operation as every principal (at once: the guard answers before any work). */
export async function checkOperation(
	baseURL: string,
	f: AuthzFixtures,
	sessions: Sessions,
	op: Operation
): Promise<Check[]> {
	const entry = entryFor(op)!;
	const spec =
		op.kind === 'page'
			? entry.page
			: op.kind === 'action'
				? entry.actions?.[op.name]
				: entry[op.method as 'GET'];
	const req = requestOf(spec!);
	const ids: Record<string, string> = { ...f.ids };
	const params = Object.fromEntries(
		Object.entries({ ...PARAMS, ...entry.params }).map(([name, fixture]) => [
			name,
			ids[fixture] ?? ''
		])
	);
	const path = pathFor(op.routeId, params);
	const query = req.query ? req.query(ids) : '';
	const checks: Promise<Check[]>[] = PRINCIPALS.map(async (principal) => {
		const headers: Record<string, string> = { origin: baseURL };
		if (sessions[principal]) headers.cookie = sessions[principal];
		const out: Check[] = [];
		const record = async (
			what: string,
			res: Response,
			kind: 'html' | 'data' | 'action' | 'endpoint'
		) => {
			const { seen, detail } = await classify(res, kind);
			const access = kind === 'html' && req.shell ? req.shell : req.access;
			out.push({ op, principal, what, expected: expected(access, principal), seen, detail });
		};
		if (op.kind === 'page') {
			const url = `${baseURL}${path}${query ? `?${query}` : ''}`;
			await record(
				`GET ${path}`,
				await fetch(url, { headers: { ...headers, accept: 'text/html' }, redirect: 'manual' }),
				'html'
			);
			// The page's data as the browser asks after an invalidation: only the page's own load runs.
			const invalidated = `${'0'.repeat(op.layoutDepth)}1`;
			const data = `${baseURL}${path === '/' ? '' : path}/__data.json?${query ? `${query}&` : ''}x-sveltekit-invalidated=${invalidated}`;
			await record(
				`GET ${path}/__data.json`,
				await fetch(data, { headers, redirect: 'manual' }),
				'data'
			);
		} else if (op.kind === 'action') {
			const search = [op.name === 'default' ? '' : `/${op.name}`, query].filter(Boolean);
			const url = `${baseURL}${path}${op.name === 'default' ? (query ? `?${query}` : '') : `?${search.join('&')}`}`;
			const res = await fetch(url, {
				method: 'POST',
				redirect: 'manual',
				headers: {
					...headers,
					accept: 'application/json',
					'x-sveltekit-action': 'true',
					'content-type': 'application/x-www-form-urlencoded'
				},
				body: new URLSearchParams(req.form ? req.form(ids) : {})
			});
			await record(`POST ${path}?/${op.name}`, res, 'action');
		} else {
			const json = req.json?.(ids);
			const res = await fetch(`${baseURL}${path}${query ? `?${query}` : ''}`, {
				method: op.method,
				redirect: 'manual',
				headers: json === undefined ? headers : { ...headers, 'content-type': 'application/json' },
				body: json === undefined ? undefined : JSON.stringify(json)
			});
			await record(`${op.method} ${path}`, res, 'endpoint');
		}
		return out;
	});
	return (await Promise.all(checks)).flat();
}

/** The operations in the order they are sent: those that end a session last. */
export function sendingOrder(ops: Operation[]): Operation[] {
	const ends = (op: Operation) => {
		const entry = entryFor(op);
		const spec =
			op.kind === 'page'
				? entry?.page
				: op.kind === 'action'
					? entry?.actions?.[op.name]
					: entry?.[op.method as 'GET'];
		return spec ? requestOf(spec).endsSession === true : false;
	};
	return [...ops.filter((o) => !ends(o)), ...ops.filter(ends)];
}

export function describeMismatch(c: Check): string {
	return `${c.what} as ${c.principal}: expected ${c.expected}, got ${c.seen} (${c.detail})`;
}
