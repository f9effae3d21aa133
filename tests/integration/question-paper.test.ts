import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { RequestEvent } from '@sveltejs/kit';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import { importBank } from '../../src/lib/server/bank/import.js';
import { loadBank } from '../../src/lib/server/bank/load.js';
import { registerCandidate } from '../../src/lib/server/centres/candidates.js';
import type { Database } from '../../src/lib/server/db/schema.js';
import { checkCandidateToken } from '../../src/lib/server/delivery/candidate-session.js';
import {
	builtQuestionPaper,
	questionPaperCacheStats
} from '../../src/lib/server/delivery/question-paper.js';
import { signInCandidate } from '../../src/lib/server/delivery/sign-in.js';
import { markAttendance } from '../../src/lib/server/invigilation/attendance.js';
import { startSitting } from '../../src/lib/server/invigilation/start.js';
import { voidAttempt } from '../../src/lib/server/invigilation/voiding.js';
import { bookSitting } from '../../src/lib/server/sittings/booking.js';
import { validPaper, writeBank } from '../helpers/bank-fixture.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { fakeEvent } from '../helpers/fake-event.js';
import { callHandle } from '../helpers/hook.js';
import { registerCandidates } from '../helpers/registration-fixture.js';
import { makeSitting, startedSitting } from '../helpers/sitting-fixture.js';

/*
 * The question paper served once per paper version (issue 13): through the hook and the route as
 * SvelteKit runs them, on a real database. Built once and then served from memory, compressed as
 * the client accepts, 304 for a copy the browser holds; refused to anyone whose sitting has not
 * started, is on another paper, or is voided; a new paper version has a new address and tag.
 */
const shared = vi.hoisted(() => ({ db: null as unknown }));
vi.mock('$lib/server/ops/database', () => ({ getDatabase: async () => ({ db: shared.db }) }));

let h: TestDatabase;
let db: Kysely<Database>;
beforeAll(async () => {
	h = await createTestDatabase();
	db = h.db;
	shared.db = db;
});
afterAll(() => h.close());

const ROUTE = '/api/papers/[paperVersionId]/[tag].json';
let ip = 0;

async function signIn(
	centreNumber: string,
	candidateNumber: string,
	keycode: string
): Promise<string> {
	return (
		await signInCandidate(db, { centreNumber, candidateNumber, keycode, ip: `192.0.2.${++ip}` })
	).token;
}

/** A GET of a paper address with the candidate's cookie, through the hook and the route. */
async function getPaper(
	url: string,
	token: string | null,
	headers: Record<string, string> = {}
): Promise<Response> {
	const { handle } = await import('../../src/hooks.server.js');
	const { GET } =
		await import('../../src/routes/api/papers/[paperVersionId]/[tag].json/+server.js');
	const [, paperVersionId, tag] = /^\/api\/papers\/([^/]+)\/([^/]+)\.json$/.exec(url) ?? [];
	const event = fakeEvent<RequestEvent>(db, {
		path: url,
		routeId: ROUTE,
		params: { paperVersionId: paperVersionId!, tag: tag! },
		headers,
		cookies: token ? { exam_candidate: token } : {}
	});
	return callHandle(handle, {
		event,
		resolve: (e) => GET(e as Parameters<typeof GET>[0]) as Promise<Response>
	});
}

/** The exam page's server load for a candidate: where its data says the paper is (null before the start). */
async function paperUrlOf(token: string): Promise<string | null> {
	const checked = await checkCandidateToken(db, token);
	if (!checked.ok) throw new Error('not signed in');
	const { load } = await import('../../src/routes/candidate/exam/+page.server.js');
	const event = fakeEvent<Parameters<typeof load>[0]>(db, {
		path: '/candidate/exam',
		routeId: '/candidate/exam'
	});
	event.locals.candidate = checked.session;
	const data = (await load(event)) as { paperUrl: string | null };
	return data.paperUrl;
}

const decode = async (res: Response): Promise<string> => {
	const bytes = Buffer.from(await res.arrayBuffer());
	const enc = res.headers.get('content-encoding');
	return (
		enc === 'br' ? brotliDecompressSync(bytes) : enc === 'gzip' ? gunzipSync(bytes) : bytes
	).toString('utf8');
};

describe('the question paper, served once per paper version', () => {
	let started: Awaited<ReturnType<typeof startedSitting>>;
	let tokenA: string;
	let urlA: string;

	beforeAll(async () => {
		started = await startedSitting(db, 1);
		tokenA = await signIn(started.centre.number, '0001', started.sitting.keycode);
		urlA = (await paperUrlOf(tokenA))!;
	});

	it('is built once: later requests come from memory with the same strong ETag, compressed as accepted, and 304 for a copy the browser holds', async () => {
		expect(urlA).toBe(`/api/papers/${started.sitting.paper_version_id}/${urlA.split('/').at(-1)}`);
		const before = questionPaperCacheStats();
		const br = await getPaper(urlA, tokenA, { 'accept-encoding': 'gzip, deflate, br' });
		expect(br.status).toBe(200);
		expect(br.headers.get('content-encoding')).toBe('br');
		expect(br.headers.get('cache-control')).toBe('private, no-cache');
		expect(br.headers.get('vary')).toBe('Accept-Encoding');
		const etag = br.headers.get('etag')!;
		expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}\.br"$/);
		const text = await decode(br);
		const paper = JSON.parse(text) as { title: string; items: { key: string }[] };
		expect(paper.title).toBe('Test paper');
		expect(paper.items.map((i) => i.key)).toEqual(['1', '2', '3.a', '3.b']);
		expect(text).toContain('Identify two types of customer.');
		// The question paper only: no grid, boundaries or rules reach the browser.
		expect(text).not.toMatch(/grid|boundaries|first_class|criteria|rules/);

		const gz = await getPaper(urlA, tokenA, { 'accept-encoding': 'gzip' });
		expect(gz.headers.get('content-encoding')).toBe('gzip');
		expect(await decode(gz)).toBe(text);
		const plain = await getPaper(urlA, tokenA, { 'accept-encoding': 'gzip;q=0, br;q=0' });
		expect(plain.headers.get('content-encoding')).toBeNull();
		expect(await plain.text()).toBe(text);
		const again = await getPaper(urlA, tokenA, { 'accept-encoding': 'br' });
		expect(again.headers.get('etag')).toBe(etag);

		const held = await getPaper(urlA, tokenA, { 'accept-encoding': 'br', 'if-none-match': etag });
		expect(held.status).toBe(304);
		expect(held.headers.get('etag')).toBe(etag);
		expect(await held.text()).toBe('');
		// Built when the page first gave its address, not since: every request above came from memory.
		const after = questionPaperCacheStats();
		expect(after.builds).toBe(before.builds);
		expect(after.hits - before.hits).toBe(5);
	});

	it('a candidate in another sitting of the same paper version gets the same address, served from memory', async () => {
		const other = await startedSitting(db, 1);
		const token = await signIn(other.centre.number, '0001', other.sitting.keycode);
		expect(await paperUrlOf(token)).toBe(urlA);
		const before = questionPaperCacheStats();
		const all = await Promise.all(
			Array.from({ length: 20 }, () => getPaper(urlA, token, { 'accept-encoding': 'gzip' }))
		);
		expect(all.map((r) => r.status)).toEqual(Array(20).fill(200));
		expect(new Set(all.map((r) => r.headers.get('etag'))).size).toBe(1);
		expect(questionPaperCacheStats().builds).toBe(before.builds);
	});

	it('is refused before the sitting starts (403 with the reason), without a session (401), and on a voided attempt (403)', async () => {
		const waiting = await makeSitting(db, 2);
		const token = await signIn(waiting.centre.number, '0001', waiting.sitting.keycode);
		// Same paper version, so the address is known: the server still refuses it until the start.
		expect(waiting.sitting.paper_version_id).toBe(started.sitting.paper_version_id);
		expect(await paperUrlOf(token)).toBeNull();
		const early = await getPaper(urlA, token, { 'accept-encoding': 'gzip' });
		expect(early.status).toBe(403);
		expect((await early.json()).error).toBe(
			'The question paper is released when your sitting starts.'
		);
		expect(early.headers.get('cache-control')).toBe('private, no-store');

		const anonymous = await getPaper(urlA, null);
		expect(anonymous.status).toBe(401);
		expect((await anonymous.json()).error).toMatch(/Not signed in/);

		// Started, then the invigilator voids the attempt: the paper is withdrawn from that computer.
		const id = waiting.attemptOf(waiting.candidates[0]!.id);
		await markAttendance(db, waiting.ctx, waiting.sitting.id, id, true);
		await startSitting(db, waiting.ctx, waiting.sitting.id);
		expect(await paperUrlOf(token)).toBe(urlA);
		expect((await getPaper(urlA, token)).status).toBe(200);
		await voidAttempt(db, waiting.ctx, waiting.sitting.id, id, 'Notes found in a pocket');
		const voided = await getPaper(urlA, token);
		expect(voided.status).toBe(403);
		expect((await voided.json()).error).toBe('This exam has been closed by the invigilator.');
	});

	it('a new paper version gets a new address and tag; a candidate on one paper is refused another (404)', async () => {
		// The paper edited and imported again: a new version, now the current one.
		const edited = validPaper();
		edited.sections[0].questions[0].stem = 'Identify three types of customer.';
		await importBank(db, loadBank(writeBank({ papers: [edited] })), SYSTEM_ACTOR);
		const candidate = await registerCandidate(db, SYSTEM_ACTOR, started.centre.id, {
			candidate_number: '0777',
			first_name: 'New',
			last_name: 'Version'
		});
		await registerCandidates(db, started.centre.id, [candidate.id]);
		const actor = { userId: started.invigilator.id, label: started.invigilator.email };
		const sitting = await bookSitting(db, actor, started.centre.id, {
			paper_code: '8992-111-T',
			scheduled_at: new Date().toISOString(),
			room: 'Room 2',
			invigilator_ids: [started.invigilator.id],
			candidate_ids: [candidate.id]
		});
		expect(sitting.paper_version_id).not.toBe(started.sitting.paper_version_id);
		const attempt = await db
			.selectFrom('attempt')
			.select('id')
			.where('sitting_id', '=', sitting.id)
			.executeTakeFirstOrThrow();
		await markAttendance(db, { actor, centreId: started.centre.id }, sitting.id, attempt.id, true);
		await startSitting(db, { actor, centreId: started.centre.id }, sitting.id);
		const token = await signIn(started.centre.number, '0777', sitting.keycode);

		// The hall's first requests all at once: one build, shared.
		const before = questionPaperCacheStats();
		const first = await Promise.all(
			Array.from({ length: 20 }, () => builtQuestionPaper(db, sitting.paper_version_id))
		);
		expect(questionPaperCacheStats().builds - before.builds).toBe(1);
		expect(new Set(first).size).toBe(1);

		const urlB = (await paperUrlOf(token))!;
		const [tagA, tagB] = [urlA, urlB].map((u) =>
			u
				.split('/')
				.at(-1)!
				.replace(/\.json$/, '')
		);
		expect(urlB).toBe(`/api/papers/${sitting.paper_version_id}/${tagB}.json`);
		expect(tagB).not.toBe(tagA);
		const res = await getPaper(urlB, token, { 'accept-encoding': 'br' });
		expect(res.status).toBe(200);
		expect(res.headers.get('etag')).toBe(`"${tagB}.br"`);
		expect(await decode(res)).toContain('Identify three types of customer.');

		// Each candidate only their own sitting's paper; an old tag of their own paper is not served either.
		for (const [url, t] of [
			[urlB, tokenA],
			[urlA, token]
		] as const) {
			const refused = await getPaper(url, t);
			expect(refused.status).toBe(404);
			expect((await refused.json()).error).toBe('No such paper');
		}
		const stale = await getPaper(urlB.replace(tagB!, tagA!), token);
		expect(stale.status).toBe(404);
		expect((await stale.json()).error).toMatch(/out of date/);
	});
});
