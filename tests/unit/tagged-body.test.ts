import { describe, expect, it } from 'vitest';

import { acceptedCodings, taggedBodyResponse } from '../../src/lib/server/http/tagged-body.js';

const body = {
	tag: 'abc',
	json: Buffer.from('{"a":1}'),
	gzip: Buffer.from('GZ'),
	br: Buffer.from('BR')
};
const get = (headers: Record<string, string>) =>
	taggedBodyResponse(new Request('http://x/p.json', { headers }), body, 'private, no-cache');

describe('a tagged body: encoding by Accept-Encoding, 304 by If-None-Match', () => {
	it('reads Accept-Encoding with its q-values and *', () => {
		expect([...acceptedCodings(null)]).toEqual(['identity']);
		expect(acceptedCodings('gzip, deflate, br')).toEqual(new Set(['identity', 'gzip', 'br']));
		expect(acceptedCodings('br;q=0, gzip;q=0.5')).toEqual(new Set(['identity', 'gzip']));
		expect(acceptedCodings('*')).toEqual(new Set(['identity', 'gzip', 'br']));
		expect(acceptedCodings('*;q=0.1, br;q=0')).toEqual(new Set(['identity', 'gzip']));
		expect(acceptedCodings('x-gzip')).toEqual(new Set(['identity', 'gzip']));
		expect(acceptedCodings('GZIP;Q=1')).toEqual(new Set(['identity', 'gzip']));
	});

	it('sends brotli, then gzip, then the plain text, each with its own strong ETag', async () => {
		const br = get({ 'accept-encoding': 'gzip, br' });
		expect([br.headers.get('content-encoding'), br.headers.get('etag'), await br.text()]).toEqual([
			'br',
			'"abc.br"',
			'BR'
		]);
		const gz = get({ 'accept-encoding': 'gzip' });
		expect([
			gz.headers.get('content-encoding'),
			gz.headers.get('etag'),
			gz.headers.get('content-length')
		]).toEqual(['gzip', '"abc.gz"', '2']);
		const plain = get({});
		expect([
			plain.headers.get('content-encoding'),
			plain.headers.get('etag'),
			await plain.text()
		]).toEqual([null, '"abc"', '{"a":1}']);
		for (const r of [br, gz, plain]) {
			expect(r.headers.get('vary')).toBe('Accept-Encoding');
			expect(r.headers.get('cache-control')).toBe('private, no-cache');
		}
	});

	it('answers 304 for any of its tags (weak comparison, lists), and the full body for another tag', async () => {
		for (const inm of ['"abc.br"', 'W/"abc.gz"', '"old", "abc"', '*']) {
			const r = get({ 'accept-encoding': 'br', 'if-none-match': inm });
			expect(r.status, inm).toBe(304);
			expect(await r.text()).toBe('');
		}
		expect(get({ 'if-none-match': '"abd"' }).status).toBe(200);
		expect(get({ 'if-none-match': '"abc.zz"' }).status).toBe(200);
	});
});
