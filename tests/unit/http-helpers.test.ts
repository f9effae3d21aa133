import { isActionFailure, isHttpError } from '@sveltejs/kit';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { ConflictError, ForbiddenError, ValidationError } from '../../src/lib/server/errors.js';
import { formAction } from '../../src/lib/server/http/form-action.js';
import { MALFORMED_JSON, readJson } from '../../src/lib/server/http/read-json.js';
import { apiErrorFrom } from '../../src/lib/server/http/responses.js';

const post = (body: BodyInit) => new Request('http://localhost/x', { method: 'POST', body });
const form = (fields: Record<string, string>) => {
	const d = new FormData();
	for (const [k, v] of Object.entries(fields)) d.set(k, v);
	return { request: post(d) };
};

/** What readJson's refusal becomes at an endpoint (apiErrorFrom, the one mapping): status and reason. */
async function refusal(p: Promise<unknown>): Promise<{ status: number; error: unknown }> {
	const err = await p.then(
		() => null,
		(e: unknown) => e
	);
	expect(err).toBeInstanceOf(ValidationError);
	const res = apiErrorFrom(err);
	return { status: res.status, error: ((await res.json()) as { error: unknown }).error };
}

describe('readJson', () => {
	const schema = z.object({ seq: z.number().int(), text: z.string() });

	it('gives the body as the schema reads it', async () => {
		expect(await readJson(post('{"seq": 3, "text": "hi", "extra": 1}'), schema)).toEqual({
			seq: 3,
			text: 'hi'
		});
	});
	it('refuses a body that is not JSON with 400 "Malformed JSON", or the reason asked for', async () => {
		expect(await refusal(readJson(post('{"seq": 3,'), schema))).toEqual({
			status: 400,
			error: MALFORMED_JSON
		});
		expect(MALFORMED_JSON).toBe('Malformed JSON');
		expect(await refusal(readJson(post(''), schema, { malformed: 'Send JSON' }))).toEqual({
			status: 400,
			error: 'Send JSON'
		});
	});
	it('refuses JSON of the wrong shape with 400 and the schema’s reason, or the one asked for', async () => {
		const wrong = await refusal(readJson(post('{"seq": "3", "text": "hi"}'), schema));
		expect(wrong.status).toBe(400);
		expect(wrong.error).toMatch(/number/);
		expect(
			await refusal(readJson(post('null'), schema, { invalid: () => 'Body must be {…}' }))
		).toEqual({ status: 400, error: 'Body must be {…}' });
		// The issues reach the reason function: it can pick one.
		const picked = await refusal(
			readJson(post('{"seq": 1}'), schema, {
				invalid: (issues) => issues.map((i) => i.path.join('.')).join(',')
			})
		);
		expect(picked.error).toBe('text');
	});
	it('refuses a body over the size limit before parsing it, saying the limit', async () => {
		const body = JSON.stringify({ seq: 1, text: 'x'.repeat(100) });
		expect(await refusal(readJson(post(body), schema, { maxBytes: 50 }))).toEqual({
			status: 400,
			error: 'Request body over 50 bytes'
		});
		expect(await readJson(post(body), schema, { maxBytes: body.length })).toMatchObject({ seq: 1 });
	});
});

describe('formAction', () => {
	const guardOk = () => ({ sitting: 's1' });

	it('runs the handler with the guard’s value, the form and its values; tags the result with the form', async () => {
		const act = formAction(
			{ guard: guardOk, form: 'rename', values: (d) => ({ name: String(d.get('name') ?? '') }) },
			async ({ guarded, values, data }) => ({
				done: `${guarded.sitting}: ${values.name} (${String(data.get('other'))})`
			})
		);
		expect(await act(form({ name: 'Room 4', other: 'x' }))).toEqual({
			form: 'rename',
			done: 's1: Room 4 (x)'
		});
	});
	it('adds no form tag when the action names no form', async () => {
		const act = formAction({ guard: guardOk }, async () => ({ ok: true }));
		expect(await act(form({}))).toEqual({ ok: true });
	});
	it('turns a service’s error into a failure with its status, message, issues and the values sent', async () => {
		const act = formAction(
			{ guard: guardOk, form: 'book', values: (d) => ({ room: String(d.get('room') ?? '') }) },
			async (): Promise<{ done: string }> => {
				throw new ValidationError('Give a room', [{ field: 'room', message: 'Give a room' }]);
			}
		);
		const r = await act(form({ room: '' }));
		expect(isActionFailure(r)).toBe(true);
		if (!isActionFailure(r)) return;
		expect(r.status).toBe(400);
		expect(r.data).toEqual({
			message: 'Give a room',
			issues: [{ field: 'room', message: 'Give a room' }],
			values: { room: '', form: 'book' }
		});
		const conflict = await formAction({ guard: guardOk }, async () => {
			throw new ConflictError('Already started');
		})(form({}));
		expect(conflict).toMatchObject({ status: 409, data: { message: 'Already started' } });
	});
	it('a 403 from the service is the error page, not a form failure; other errors are not swallowed', async () => {
		const forbidden = formAction({ guard: guardOk }, async () => {
			throw new ForbiddenError('Not yours');
		});
		const thrown = await forbidden(form({})).then(
			() => null,
			(e: unknown) => e
		);
		expect(isHttpError(thrown, 403)).toBe(true);
		const boom = formAction({ guard: guardOk }, async () => {
			throw new Error('boom');
		});
		await expect(boom(form({}))).rejects.toThrow('boom');
	});
	it('the guard runs first: refused, the form is not read and the handler not run', async () => {
		let ran = false;
		const act = formAction(
			{
				guard: () => {
					throw new ForbiddenError('No');
				}
			},
			async () => ((ran = true), {})
		);
		const request = post(new FormData());
		await expect(act({ request })).rejects.toThrow('No');
		expect(ran).toBe(false);
		expect(request.bodyUsed).toBe(false);
	});
});
