import { request, type APIRequestContext } from 'playwright-core';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { e2e } from './browser.js';

/*
 * The exam API over real HTTP with real cookies: every refusal DESIGN.md section 4 lists. Uses the
 * demo sitting that npm start created (not started yet) and its candidates 0004 and 0005.
 */
let anon: APIRequestContext;
let c4: APIRequestContext;
let c5: APIRequestContext;
let attempt4 = '';
let attempt5 = '';

async function signIn(candidate: string): Promise<{ ctx: APIRequestContext; attemptId: string }> {
	const ctx = await request.newContext({ baseURL: e2e().baseURL });
	const res = await ctx.post('/candidate/signin', {
		form: { centre_number: '900001', candidate_number: candidate, keycode: e2e().demoKeycode },
		headers: { origin: e2e().baseURL, accept: 'text/html' }
	});
	expect(res.url()).toMatch(/\/candidate\/exam$/);
	// The exam page renders in the browser: its data (as the page fetches it) holds the attempt id.
	const data = await (await ctx.get('/candidate/exam/__data.json')).text();
	const attemptId = /"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"/.exec(
		data
	)?.[1];
	if (!attemptId) throw new Error('No attempt id in the exam page data');
	return { ctx, attemptId };
}

beforeAll(async () => {
	anon = await request.newContext({ baseURL: e2e().baseURL });
	({ ctx: c4, attemptId: attempt4 } = await signIn('0004'));
	({ ctx: c5, attemptId: attempt5 } = await signIn('0005'));
});
afterAll(async () => {
	await Promise.all([anon?.dispose(), c4?.dispose(), c5?.dispose()]);
});

const put = (ctx: APIRequestContext, attempt: string, item: string, data: string) =>
	ctx.put(`/api/attempts/${attempt}/responses/${item}`, {
		data,
		headers: { 'content-type': 'application/json' }
	});

describe('exam API refusals', () => {
	it('401 without a candidate session, on every endpoint', async () => {
		expect((await put(anon, attempt4, '1', '{"seq":1,"text":"x"}')).status()).toBe(401);
		expect((await anon.get(`/api/attempts/${attempt4}/clock`)).status()).toBe(401);
		expect((await anon.post(`/api/attempts/${attempt4}/submit`)).status()).toBe(401);
	});
	it("404 for another candidate's attempt, on every endpoint", async () => {
		const r = await put(c4, attempt5, '1', '{"seq":1,"text":"x"}');
		expect(r.status()).toBe(404);
		expect((await r.json()).error).toBe('No such attempt');
		expect((await c4.get(`/api/attempts/${attempt5}/clock`)).status()).toBe(404);
		expect((await c4.post(`/api/attempts/${attempt5}/submit`)).status()).toBe(404);
	});
	it('404 for a question not in the paper', async () => {
		const r = await put(c4, attempt4, '999', '{"seq":1,"text":"x"}');
		expect(r.status()).toBe(404);
		expect((await r.json()).error).toContain('999');
	});
	it('409 with the state before the sitting starts (save and submit)', async () => {
		const r = await put(c4, attempt4, '1', '{"seq":1,"text":"x"}');
		expect(r.status()).toBe(409);
		expect(await r.json()).toMatchObject({ state: 'not_started' });
		const s = await c4.post(`/api/attempts/${attempt4}/submit`);
		expect(s.status()).toBe(409);
		expect(await s.json()).toMatchObject({ state: 'not_started' });
	});
	it('413 for an answer over the size limit', async () => {
		const r = await put(c4, attempt4, '1', JSON.stringify({ seq: 1, text: 'x'.repeat(20_001) }));
		expect(r.status()).toBe(413);
	});
	it('400 for malformed JSON, a body of the wrong shape, and an oversized body', async () => {
		expect((await put(c4, attempt4, '1', '{"seq":1,')).status()).toBe(400);
		expect((await put(c4, attempt4, '1', '{"seq":"one","text":"x"}')).status()).toBe(400);
		expect((await put(c4, attempt4, '1', '{"seq":-1,"text":"x"}')).status()).toBe(400);
		expect(
			(await put(c4, attempt4, '1', JSON.stringify({ seq: 1, text: 'x'.repeat(300_000) }))).status()
		).toBe(400);
	});
	it('the clock answers the state and the server time', async () => {
		const r = await c4.get(`/api/attempts/${attempt4}/clock`);
		expect(r.status()).toBe(200);
		const body = await r.json();
		expect(body).toMatchObject({ state: 'not_started', deadlineAt: null, readingEndsAt: null });
		expect(Math.abs(Date.parse(body.serverNow) - Date.now())).toBeLessThan(60_000);
	});
	it('before the start, signing in on a second computer takes over: the first is signed out', async () => {
		const ctx = await request.newContext({ baseURL: e2e().baseURL });
		const res = await ctx.post('/candidate/signin', {
			form: { centre_number: '900001', candidate_number: '0004', keycode: e2e().demoKeycode },
			headers: { origin: e2e().baseURL, accept: 'text/html' }
		});
		expect(res.url()).toMatch(/\/candidate\/exam$/);
		expect((await ctx.get(`/api/attempts/${attempt4}/clock`)).status()).toBe(200);
		// Two computers never hold one script; once it runs, moving needs the invigilator (integration and browser tests).
		expect((await c4.get(`/api/attempts/${attempt4}/clock`)).status()).toBe(401);
		await ctx.dispose();
	});
	it('a request refused before its body was read leaves the connection fit for the next ones', async () => {
		// One keep-alive connection, as a browser or a load balancer reuses it. The app answered a large
		// body it never read, and the body's unread rest stayed in the connection: the second request
		// after it was reset (found by the authorisation matrix's fuzzing, FUZZ_SEED=1305170883).
		const agent = new Agent({ connections: 1, pipelining: 1 });
		const base = e2e().baseURL;
		const send = async (path: string, body: string) => {
			const res = await undiciFetch(`${base}${path}`, {
				method: 'PUT',
				body,
				headers: { origin: base, 'content-type': 'application/json' },
				dispatcher: agent
			});
			return { status: res.status, body: await res.text() };
		};
		const big = JSON.stringify({ seq: 1, text: 'é'.repeat(70_000) });
		expect((await send('/api/attempts/not-an-attempt/responses/1', big)).status).toBe(404);
		for (let i = 0; i < 3; i++)
			expect(
				(await send(`/api/attempts/${attempt4}/responses/1`, '{"seq":"one"}')).status
			).toBeLessThan(500);
		await agent.close();
	});
});
