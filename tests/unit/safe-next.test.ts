import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { NEXT_AREAS, safeNext } from '../../src/lib/server/http/auth.js';

/*
 * ?next= after sign-in must only ever lead to one of the app's own pages. Each refused value is
 * one a browser (or the Location header) would turn into another site or a 500.
 */
describe('safeNext', () => {
	it("follows paths inside the app's areas, with their queries", () => {
		for (const next of [
			'/',
			'/admin',
			'/admin/papers/8992-111-A',
			'/centre/0b7c1f52-6d0e-4a43-9f7e-2b1d3c4e5f60/sittings?tab=past',
			'/invigilate/0b7c1f52-6d0e-4a43-9f7e-2b1d3c4e5f60',
			'/mark/grids/8992-112-B',
			'/account',
			'/candidate',
			'/admin/audit?q=a%20b&page=2',
			'/admin/users?name=Zo%C3%AB'
		]) {
			expect(safeNext(next), next).toBe(next);
		}
	});

	it('refuses other sites, however the URL is written', () => {
		for (const next of [
			'https://evil.example',
			'http://evil.example/admin',
			'//evil.example',
			'///evil.example',
			'/\\evil.example',
			'\\\\evil.example',
			'/%09/evil.example',
			'/\t/evil.example',
			'/admin\t//evil.example',
			'/%2F/evil.example',
			'/%2f/evil.example',
			'/%5C/evil.example',
			'/%5cevil.example',
			'/admin/%2F%2Fevil.example',
			'/admin/%252F%252Fevil.example',
			'/admin/../..//evil.example',
			'/admin/%2E%2E/%2E%2E//evil.example',
			'javascript:alert(1)',
			' /admin',
			'evil.example'
		]) {
			expect(safeNext(next), JSON.stringify(next)).toBeNull();
		}
	});

	it('refuses control characters, raw or percent-encoded (CR/LF would split the Location header)', () => {
		for (const next of [
			'/admin\r\nSet-Cookie: x=1',
			'/admin\n',
			'/admin\r',
			'/admin\0',
			'/admin%0d%0aSet-Cookie:%20x=1',
			'/admin%00',
			'/admin%7F',
			'/admin%1b',
			'/admin%0A'
		]) {
			expect(safeNext(next), JSON.stringify(next)).toBeNull();
		}
	});

	it("refuses paths outside the app's page areas, malformed escapes and absurd lengths", () => {
		for (const next of [
			'/api/attempts/x/submit',
			'/signout',
			'/signin?next=/admin',
			'/adminx',
			'/evil.example',
			'/admin%',
			'/admin%G0',
			'/admin%2',
			`/admin/${'a'.repeat(3000)}`,
			'',
			null
		]) {
			expect(safeNext(next), JSON.stringify(next)).toBeNull();
		}
	});

	it('keeps its list of areas in step with the folders under src/routes', () => {
		const folders = readdirSync('src/routes', { withFileTypes: true })
			.filter((d) => d.isDirectory())
			.map((d) => d.name)
			.filter(
				(name) =>
					![
						'api',
						'signin',
						'signout',
						'set-password',
						'results',
						'verify',
						'healthz',
						'readyz',
						'metrics'
					].includes(name)
			)
			.sort();
		expect([...NEXT_AREAS].sort()).toEqual(folders);
	});
});
