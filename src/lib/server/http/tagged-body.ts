/**
 * Answers a GET for a body built once and held in memory in three encodings (identity, gzip,
 * brotli), tagged by a hash of its content: the encoding the client accepts (brotli, then gzip,
 * then none), and 304 Not Modified when the client already holds it (If-None-Match). Each encoding
 * has its own strong ETag (`"<tag>"`, `"<tag>.gz"`, `"<tag>.br"`), as a strong validator must
 * change with the bytes; any of them proves the client holds this content.
 */
export interface TaggedBody {
	tag: string;
	json: Uint8Array;
	gzip: Uint8Array;
	br: Uint8Array;
}

type Coding = 'br' | 'gzip' | 'identity';

/** The codings an Accept-Encoding header allows (q > 0), `*` included; identity is always acceptable here. */
export function acceptedCodings(header: string | null): Set<Coding> {
	const out = new Set<Coding>(['identity']);
	if (!header) return out;
	const q = new Map<string, number>();
	for (const part of header.split(',')) {
		const [name, ...params] = part.trim().toLowerCase().split(';');
		if (!name) continue;
		const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
		const value = qp ? Number(qp.slice(2)) : 1;
		q.set(name, Number.isFinite(value) ? value : 0);
	}
	for (const c of ['br', 'gzip'] as const) {
		const v = q.get(c) ?? (c === 'gzip' ? q.get('x-gzip') : undefined) ?? q.get('*');
		if (v !== undefined && v > 0) out.add(c);
	}
	return out;
}

const etagOf = (tag: string, coding: Coding) =>
	`"${tag}${coding === 'identity' ? '' : coding === 'gzip' ? '.gz' : '.br'}"`;

/** Whether If-None-Match names this content (weak comparison, as RFC 9110 has it for If-None-Match). */
function holds(ifNoneMatch: string | null, tag: string): string | null {
	if (!ifNoneMatch) return null;
	const mine = (['identity', 'gzip', 'br'] as const).map((c) => etagOf(tag, c));
	for (const raw of ifNoneMatch.split(',')) {
		const t = raw.trim().replace(/^W\//, '');
		if (t === '*') return mine[0]!;
		if (mine.includes(t)) return t;
	}
	return null;
}

export function taggedBodyResponse(
	request: Request,
	body: TaggedBody,
	cacheControl: string
): Response {
	const accepted = acceptedCodings(request.headers.get('accept-encoding'));
	const coding: Coding = accepted.has('br') ? 'br' : accepted.has('gzip') ? 'gzip' : 'identity';
	const headers = new Headers({ 'cache-control': cacheControl, vary: 'Accept-Encoding' });
	const held = holds(request.headers.get('if-none-match'), body.tag);
	if (held) {
		headers.set('etag', held);
		return new Response(null, { status: 304, headers });
	}
	const bytes = coding === 'br' ? body.br : coding === 'gzip' ? body.gzip : body.json;
	headers.set('etag', etagOf(body.tag, coding));
	headers.set('content-type', 'application/json; charset=utf-8');
	headers.set('content-length', String(bytes.byteLength));
	if (coding !== 'identity') headers.set('content-encoding', coding);
	return new Response(bytes as BodyInit, { status: 200, headers });
}
