import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { isActionFailure, isHttpError, isRedirect, type RequestEvent } from '@sveltejs/kit';
import { getRequest } from '@sveltejs/kit/node';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import {
	createSession,
	SESSION_COOKIE,
	type SessionUser
} from '../../src/lib/server/auth/sessions.js';
import { updateBoundaries } from '../../src/lib/server/awarding/boundary-changes.js';
import { getMarkingGrid, getPaperVersion, listVersions } from '../../src/lib/server/bank/papers.js';
import { importCandidates } from '../../src/lib/server/centres/candidate-import.js';
import {
	getCandidate,
	listCandidates,
	registerCandidate
} from '../../src/lib/server/centres/candidates.js';
import { createCentre, getCentre } from '../../src/lib/server/centres/centres.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import type { Database } from '../../src/lib/server/db/schema.js';
import { signInCandidate } from '../../src/lib/server/delivery/sign-in.js';
import { NotFoundError, ValidationError } from '../../src/lib/server/errors.js';
import { markAttendance } from '../../src/lib/server/invigilation/attendance.js';
import { startSitting } from '../../src/lib/server/invigilation/start.js';
import { bookSitting } from '../../src/lib/server/sittings/booking.js';
import {
	getSitting,
	listCentreSittings,
	sittingRegister
} from '../../src/lib/server/sittings/queries.js';
import { isUuid, parseDateTime } from '../../src/lib/server/validation.js';
import { createTestDatabase } from '../helpers/db.js';
import {
	APP,
	outcome,
	fakeEvent as sharedFakeEvent,
	type FakeRequest
} from '../helpers/fake-event.js';
import { makeCentre, makeStaff, PASSWORD } from '../helpers/fixtures.js';
import { callHandle } from '../helpers/hook.js';
import { makeSitting } from '../helpers/sitting-fixture.js';

/*
 * Bad input must get a 4xx with a reason and change nothing (never a 500 from a query PostgreSQL
 * refuses). The services are tested directly; the routes and the hook are called as SvelteKit
 * calls them, with a request event, against the same real database.
 *
 * `$lib` resolves to src/lib in the unit-test config; only the hook's database (the test's own)
 * and its logger (to see what is logged) are replaced.
 */
const shared = vi.hoisted(() => ({
	db: null as unknown,
	log: { warn: vi.fn(), error: vi.fn(), info: vi.fn(), debug: vi.fn() }
}));
vi.mock('$lib/server/ops/database', () => ({ getDatabase: async () => ({ db: shared.db }) }));
vi.mock('$lib/server/log', () => ({ logger: shared.log }));

const DASHES = '-'.repeat(36);

let h: DatabaseHandle;
let db: Kysely<Database>;
beforeAll(async () => {
	h = await createTestDatabase();
	db = h.db;
	shared.db = db;
});
afterAll(() => h.close());
beforeEach(() => {
	for (const f of Object.values(shared.log)) f.mockClear();
});

/* ---------- a request event as SvelteKit builds one ---------- */

/** A request event for a route or the hook, on this file's database (typed as whatever the caller expects). */
const fakeEvent = <E = RequestEvent>(r: FakeRequest): E => sharedFakeEvent<E>(db, r);

const centreAdmin = (id: string, email: string, centreId: string): SessionUser => ({
	id,
	email,
	displayName: 'Centre admin',
	grants: [{ role: 'centre_admin', centreId }]
});
const adminUser: SessionUser = {
	id: '00000000-0000-4000-8000-000000000001',
	email: 'a@example.test',
	displayName: 'Admin',
	grants: [{ role: 'awarding_admin', centreId: null }]
};

const count = async (
	table: 'sitting' | 'candidate' | 'auth_session' | 'sign_in_attempt' | 'audit_log' | 'centre'
) =>
	Number(
		(
			await db
				.selectFrom(table)
				.select((eb) => eb.fn.countAll<number>().as('n'))
				.executeTakeFirstOrThrow()
		).n
	);

/* ---------- services ---------- */

describe('the validation module', () => {
	it('takes only a real uuid, never 36 dashes', () => {
		expect(isUuid('0b7c1f52-6d0e-4a43-9f7e-2b1d3c4e5f60')).toBe(true);
		for (const bad of [
			DASHES,
			'0b7c1f52-6d0e-4a43-9f7e-2b1d3c4e5f6',
			'0b7c1f526d0e4a439f7e2b1d3c4e5f60',
			'zb7c1f52-6d0e-4a43-9f7e-2b1d3c4e5f60',
			'',
			42
		]) {
			expect(isUuid(bad), String(bad)).toBe(false);
		}
	});
	it('reads a date and time only when it is a real one in range', () => {
		expect(parseDateTime('2026-11-24T10:00')?.getTime()).toBe(
			new Date('2026-11-24T10:00').getTime()
		);
		expect(parseDateTime('2026-11-24T10:00:00.000Z')?.toISOString()).toBe(
			'2026-11-24T10:00:00.000Z'
		);
		for (const bad of [
			'-000001-01-01T10:00',
			'0000-01-01T10:00',
			'0001-01-01T10:00',
			'+275760-09-13T00:00',
			'2026-02-31T10:00',
			'2026-13-01T10:00',
			'2026-11-24T25:00',
			'2100-01-01T00:00Z',
			'Tue 24 Nov 2026',
			'2026-11-24',
			''
		]) {
			expect(parseDateTime(bad), bad).toBeNull();
		}
	});
});

describe('sittings: ids and dates from outside', () => {
	it('finds no sitting for a malformed id (36 dashes) instead of failing the query', async () => {
		const f = await makeSitting(db, 1);
		await expect(getSitting(db, DASHES)).rejects.toBeInstanceOf(NotFoundError);
		await expect(getSitting(db, DASHES, f.centre.id)).rejects.toBeInstanceOf(NotFoundError);
		await expect(getSitting(db, f.sitting.id, DASHES)).rejects.toBeInstanceOf(NotFoundError);
		expect(await sittingRegister(db, DASHES)).toEqual([]);
		expect(await listCentreSittings(db, DASHES)).toEqual([]);
		expect((await getSitting(db, f.sitting.id, f.centre.id)).id).toBe(f.sitting.id);
	});

	it('refuses a booking with malformed ids, a NUL byte or an impossible date, naming the field, and books nothing', async () => {
		const f = await makeSitting(db, 1);
		const good = {
			paper_code: '8992-111-T',
			scheduled_at: '2030-11-25T10:00',
			room: 'Room 2',
			invigilator_ids: [f.invigilator.id],
			candidate_ids: [f.candidates[0]!.id]
		};
		const before = await count('sitting');
		const cases: [Record<string, unknown>, string][] = [
			[{ candidate_ids: [DASHES] }, 'candidate_ids.0'],
			[{ candidate_ids: ['not-a-uuid'] }, 'candidate_ids.0'],
			[{ invigilator_ids: ["1' or '1'='1"] }, 'invigilator_ids.0'],
			[{ paper_code: '8992-111-T\0' }, 'paper_code'],
			[{ room: 'Room\0 2' }, 'room'],
			[{ scheduled_at: '-000001-01-01T10:00' }, 'scheduled_at'],
			[{ scheduled_at: '0000-01-01T10:00' }, 'scheduled_at'],
			[{ scheduled_at: '+275760-09-13T00:00' }, 'scheduled_at'],
			[{ scheduled_at: '2026-02-31T10:00' }, 'scheduled_at']
		];
		for (const [change, field] of cases) {
			const err = await bookSitting(db, SYSTEM_ACTOR, f.centre.id, { ...good, ...change }).catch(
				(e: unknown) => e
			);
			expect(err, JSON.stringify(change)).toBeInstanceOf(ValidationError);
			expect(
				(err as ValidationError).issues.map((i) => i.field),
				JSON.stringify(change)
			).toContain(field);
		}
		await expect(bookSitting(db, SYSTEM_ACTOR, DASHES, good)).rejects.toBeInstanceOf(NotFoundError);
		expect(await count('sitting')).toBe(before);
		// The same booking, well formed, goes through.
		await bookSitting(db, SYSTEM_ACTOR, f.centre.id, good);
		expect(await count('sitting')).toBe(before + 1);
	});
});

describe('centres: text, ids and dates from outside', () => {
	it('refuses a NUL byte in any field of a form, naming it, and saves nothing', async () => {
		const c = await makeCentre(db);
		const before = await count('candidate');
		const err = await registerCandidate(db, SYSTEM_ACTOR, c.id, {
			candidate_number: '0091',
			first_name: 'A\0',
			last_name: 'B'
		}).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(ValidationError);
		expect((err as ValidationError).issues).toEqual([
			{ field: 'first_name', message: expect.stringContaining('NUL') }
		]);
		await expect(
			createCentre(db, SYSTEM_ACTOR, { number: '654321', name: 'Bad\0Centre' })
		).rejects.toBeInstanceOf(ValidationError);
		expect(await count('candidate')).toBe(before);
	});

	it('refuses a date of birth in year 0 (PostgreSQL has none), before 1900 or in the future', async () => {
		const c = await makeCentre(db);
		for (const dob of ['0000-01-01', '1899-12-31', '2999-01-01']) {
			const err = await registerCandidate(db, SYSTEM_ACTOR, c.id, {
				candidate_number: '0092',
				first_name: 'A',
				last_name: 'B',
				date_of_birth: dob
			}).catch((e: unknown) => e);
			expect(err, dob).toBeInstanceOf(ValidationError);
			expect((err as ValidationError).issues[0]?.field).toBe('date_of_birth');
		}
		expect(await listCandidates(db, c.id)).toEqual([]);
		const ok = await registerCandidate(db, SYSTEM_ACTOR, c.id, {
			candidate_number: '0092',
			first_name: 'A',
			last_name: 'B',
			date_of_birth: '2008-02-29'
		});
		expect(ok.date_of_birth).toBeTruthy();
	});

	it('names the CSV row with a NUL byte or an impossible birth date, and saves none of the file', async () => {
		const c = await makeCentre(db);
		const nul = await importCandidates(
			db,
			SYSTEM_ACTOR,
			c.id,
			[
				{ candidate_number: '1', first_name: 'A', last_name: 'B' },
				{ candidate_number: '2', first_name: 'C\0', last_name: 'D' }
			],
			'class\0.csv',
			[2, 3]
		);
		expect(nul).toEqual({
			ok: false,
			errors: [{ row: 3, column: 'first_name', message: expect.stringContaining('first_name') }]
		});
		const dob = await importCandidates(
			db,
			SYSTEM_ACTOR,
			c.id,
			[{ candidate_number: '1', first_name: 'A', last_name: 'B', date_of_birth: '0000-01-01' }],
			'class.csv'
		);
		expect(dob).toEqual({
			ok: false,
			errors: [
				{ row: 2, column: 'date_of_birth', message: expect.stringContaining('Date of birth') }
			]
		});
		expect(await listCandidates(db, c.id)).toEqual([]);
		// A NUL in the file's own name is dropped from the audit entry, not a 500.
		expect(
			await importCandidates(
				db,
				SYSTEM_ACTOR,
				c.id,
				[{ candidate_number: '1', first_name: 'A', last_name: 'B' }],
				'class\0.csv'
			)
		).toEqual({
			ok: true,
			count: 1
		});
	});

	it('finds no centre or candidate for a malformed id', async () => {
		const c = await makeCentre(db);
		await expect(getCentre(db, DASHES)).rejects.toBeInstanceOf(NotFoundError);
		await expect(getCandidate(db, DASHES, DASHES)).rejects.toBeInstanceOf(NotFoundError);
		await expect(getCandidate(db, c.id, DASHES)).rejects.toBeInstanceOf(NotFoundError);
		await expect(
			registerCandidate(db, SYSTEM_ACTOR, DASHES, {
				candidate_number: '1',
				first_name: 'A',
				last_name: 'B'
			})
		).rejects.toBeInstanceOf(NotFoundError);
		expect(await listCandidates(db, DASHES)).toEqual([]);
	});
});

describe('the bank: paper codes and version ids from outside', () => {
	it('finds no paper for a code with a NUL byte, and refuses a NUL in the boundaries form', async () => {
		await makeSitting(db, 1); // imports the fixture bank (8992-111-T)
		await expect(getPaperVersion(db, '8992-111-T\0')).rejects.toBeInstanceOf(NotFoundError);
		await expect(getPaperVersion(db, '8992-111-T', 2 ** 40)).rejects.toBeInstanceOf(NotFoundError);
		await expect(getMarkingGrid(db, '\0')).rejects.toBeInstanceOf(NotFoundError);
		expect(await listVersions(db, '\0')).toEqual([]);
		const v = await getPaperVersion(db, '8992-111-T');
		await expect(
			updateBoundaries(db, SYSTEM_ACTOR, v.versionId, { pass: '10\0', first_class: '20' })
		).rejects.toBeInstanceOf(ValidationError);
		await expect(
			updateBoundaries(db, SYSTEM_ACTOR, DASHES, { pass: '10', first_class: '20' })
		).rejects.toBeInstanceOf(NotFoundError);
		expect((await getPaperVersion(db, '8992-111-T')).pass).toBe(v.pass);
	});
});

/* ---------- routes ---------- */

describe('sign-in forms', () => {
	it('staff sign-in: a NUL byte in the email or password is a 400 with a reason, and nothing is looked up or recorded', async () => {
		const { actions } = await import('../../src/routes/signin/+page.server.js');
		const before = [await count('sign_in_attempt'), await count('auth_session')];
		for (const form of [
			{ email: 'x\0@example.test', password: 'whatever it is' },
			{ email: 'x@example.test', password: 'pass\0word' }
		]) {
			const { result, thrown } = await outcome(() =>
				actions.default!(fakeEvent({ path: '/signin', form }))
			);
			expect(thrown, JSON.stringify(form)).toBeUndefined();
			expect(isActionFailure(result)).toBe(true);
			const failure = result as { status: number; data: { message: string } };
			expect(failure.status).toBe(400);
			expect(failure.data.message).toContain('NUL');
		}
		expect([await count('sign_in_attempt'), await count('auth_session')]).toEqual(before);
	});

	it('staff sign-in: ?next= with CR/LF, a tab or another site goes to the home page instead', async () => {
		const { actions } = await import('../../src/routes/signin/+page.server.js');
		const staff = await makeStaff(db, 'marker');
		for (const next of [
			'/mark\r\nSet-Cookie: x=1',
			'/%09/evil.example',
			'/\\evil.example',
			'https://evil.example',
			'/mark%0d%0a'
		]) {
			const { thrown } = await outcome(() =>
				actions.default!(
					fakeEvent({
						path: `/signin?next=${encodeURIComponent(next)}`,
						form: { email: staff.email, password: PASSWORD }
					})
				)
			);
			expect(isRedirect(thrown), JSON.stringify(next)).toBe(true);
			expect((thrown as { location: string }).location, JSON.stringify(next)).toBe('/mark');
		}
		const { thrown } = await outcome(() =>
			actions.default!(
				fakeEvent({
					path: '/signin?next=%2Fmark%2Fgrids%2F8992-111-T',
					form: { email: staff.email, password: PASSWORD }
				})
			)
		);
		expect((thrown as { location: string }).location).toBe('/mark/grids/8992-111-T');
	});

	it('candidate sign-in: a NUL byte in any field is a 400 with a reason, and nothing is recorded', async () => {
		const { actions } = await import('../../src/routes/candidate/signin/+page.server.js');
		const before = [await count('sign_in_attempt'), await count('auth_session')];
		for (const form of [
			{ centre_number: '900001\0', candidate_number: '0001', keycode: 'ABCDEF' },
			{ centre_number: '900001', candidate_number: '00\x0001', keycode: 'ABCDEF' },
			{ centre_number: '900001', candidate_number: '0001', keycode: 'ABC\0EF' }
		]) {
			const { result, thrown } = await outcome(() =>
				actions.default!(fakeEvent({ path: '/candidate/signin', form }))
			);
			expect(thrown, JSON.stringify(form)).toBeUndefined();
			expect((result as { status: number }).status).toBe(400);
			expect((result as { data: { message: string } }).data.message).toContain('NUL');
		}
		expect([await count('sign_in_attempt'), await count('auth_session')]).toEqual(before);
	});
});

describe("a centre's pages", () => {
	it('booking form: malformed ids and a year −1 date are form errors (400) naming the field; nothing is booked', async () => {
		const { actions } = await import('../../src/routes/centre/[centreId]/sittings/+page.server.js');
		const f = await makeSitting(db, 1);
		const admin = await makeStaff(db, 'centre_admin', f.centre.id);
		const user = centreAdmin(admin.id, admin.email, f.centre.id);
		const form = {
			paper_code: '8992-111-T',
			scheduled_at: '2030-11-25T10:00',
			room: 'Hall',
			invigilator_ids: [f.invigilator.id],
			candidate_ids: [f.candidates[0]!.id]
		};
		const before = await count('sitting');
		const cases: [Record<string, string | string[]>, string][] = [
			[{ candidate_ids: [DASHES] }, 'candidate_ids.0'],
			[{ invigilator_ids: ['x'] }, 'invigilator_ids.0'],
			[{ scheduled_at: '-000001-01-01T10:00' }, 'scheduled_at'],
			[{ room: 'Hall\0' }, 'room']
		];
		for (const [change, field] of cases) {
			const { result, thrown } = await outcome(() =>
				actions.book!(
					fakeEvent({
						path: `/centre/${f.centre.id}/sittings?/book`,
						params: { centreId: f.centre.id },
						form: { ...form, ...change },
						user
					})
				)
			);
			expect(thrown, JSON.stringify(change)).toBeUndefined();
			const failure = result as { status: number; data: { issues: { field?: string }[] } };
			expect(failure.status).toBe(400);
			expect(failure.data.issues.map((i) => i.field)).toContain(field);
		}
		expect(await count('sitting')).toBe(before);
	});

	it('a sitting page or document for 36 dashes is a 404', async () => {
		const f = await makeSitting(db, 1);
		const page =
			await import('../../src/routes/centre/[centreId]/sittings/[sittingId]/+page.server.js');
		const { thrown } = await outcome(() =>
			page.load(
				fakeEvent({
					path: `/centre/${f.centre.id}/sittings/${DASHES}`,
					params: { centreId: f.centre.id, sittingId: DASHES }
				})
			)
		);
		expect(isHttpError(thrown, 404)).toBe(true);
	});

	it('the awarding administrator: a paper code with a NUL byte is a 404', async () => {
		const page = await import('../../src/routes/admin/papers/[code]/+page.server.js');
		const { thrown } = await outcome(() =>
			page.load(fakeEvent({ path: '/admin/papers/%00', params: { code: '\0' }, user: adminUser }))
		);
		expect(isHttpError(thrown, 404)).toBe(true);
	});
});

/* ---------- the hook ---------- */

describe('hooks.server.ts', () => {
	async function runningAttempt() {
		const t0 = new Date(Date.now() - 6 * 60_000); // reading time over
		const f = await makeSitting(db, 1, [], { scheduledAt: t0 });
		const attemptId = f.attemptOf(f.candidates[0]!.id);
		await markAttendance(db, { ...f.ctx, now: t0 }, f.sitting.id, attemptId, true);
		await startSitting(db, { ...f.ctx, now: t0 }, f.sitting.id);
		const centre = await db
			.selectFrom('centre')
			.select('number')
			.where('id', '=', f.centre.id)
			.executeTakeFirstOrThrow();
		const { token } = await signInCandidate(db, {
			centreNumber: centre.number,
			candidateNumber: '0001',
			keycode: f.sitting.keycode,
			ip: '192.0.2.9'
		});
		return { attemptId, token };
	}
	const submitEvent = (attemptId: string, token: string, headers: Record<string, string>) =>
		fakeEvent({
			method: 'POST',
			path: `/api/attempts/${attemptId}/submit`,
			routeId: '/api/attempts/[attemptId]/submit',
			params: { attemptId },
			headers,
			cookies: { exam_candidate: token }
		});

	it('refuses a submit from a foreign Origin (403 with the reason) and the attempt is not submitted', async () => {
		const { handle } = await import('../../src/hooks.server.js');
		const { POST } = await import('../../src/routes/api/attempts/[attemptId]/submit/+server.js');
		const { attemptId, token } = await runningAttempt();
		const resolve = vi.fn((event: RequestEvent) => POST(event));
		const state = async () =>
			(
				await db
					.selectFrom('attempt')
					.select('state')
					.where('id', '=', attemptId)
					.executeTakeFirstOrThrow()
			).state;
		const before = await state();

		const foreign: Record<string, string>[] = [
			{ origin: 'https://evil.example' },
			{ origin: 'null' },
			{ 'sec-fetch-site': 'cross-site' },
			{ origin: APP, 'sec-fetch-site': 'same-site' }
		];
		for (const headers of foreign) {
			const res = await callHandle(handle, {
				event: submitEvent(attemptId, token, headers),
				resolve
			});
			expect(res.status, JSON.stringify(headers)).toBe(403);
			expect((await res.json()).error).toMatch(/refused/);
		}
		expect(resolve).not.toHaveBeenCalled();
		expect(await state()).toBe(before);
		expect(shared.log.warn).toHaveBeenCalled();
		expect(shared.log.error).not.toHaveBeenCalled();

		// From the app's own page it goes through.
		const ok = await callHandle(handle, {
			event: submitEvent(attemptId, token, { origin: APP, 'sec-fetch-site': 'same-origin' }),
			resolve
		});
		expect(ok.status).toBe(200);
		expect(await ok.json()).toMatchObject({ state: 'submitted' });
		expect(await state()).toBe('submitted');
	});

	it('a client that is not a browser (no Origin, no Sec-Fetch-Site) is not refused', async () => {
		const { handle } = await import('../../src/hooks.server.js');
		const resolve = vi.fn(async () => new Response('ok'));
		const res = await callHandle(handle, {
			event: fakeEvent({ method: 'POST', path: '/api/attempts/x/submit', routeId: null }),
			resolve
		});
		expect(res.status).toBe(200);
		expect(resolve).toHaveBeenCalledOnce();
	});

	it('sets the security headers, Permissions-Policy included, on answers and refusals', async () => {
		const { handle } = await import('../../src/hooks.server.js');
		const ok = await callHandle(handle, {
			event: fakeEvent({ path: '/' }),
			resolve: async () => new Response('ok')
		});
		const refused = await callHandle(handle, {
			event: fakeEvent({
				method: 'DELETE',
				path: '/api/x',
				headers: { origin: 'https://evil.example' }
			}),
			resolve: async () => new Response('ok')
		});
		for (const res of [ok, refused]) {
			expect(res.headers.get('permissions-policy')).toContain('camera=()');
			expect(res.headers.get('permissions-policy')).toContain('microphone=()');
			expect(res.headers.get('permissions-policy')).toContain('geolocation=()');
			expect(res.headers.get('x-frame-options')).toBe('DENY');
			expect(res.headers.get('x-content-type-options')).toBe('nosniff');
		}
	});

	it("says when to try again (Retry-After) on every 429: a form's and the API's", async () => {
		const { handle } = await import('../../src/hooks.server.js');
		const { actions } = await import('../../src/routes/signin/+page.server.js');
		const { apiErrorFrom } = await import('../../src/lib/server/http/responses.js');
		const { TooManyRequestsError } = await import('../../src/lib/server/errors.js');
		// The staff sign-in form, guessed at until the throttle refuses: the action's failure becomes
		// the response as SvelteKit makes it, and the hook adds the header.
		const email = `guess-${Date.now()}@example.test`;
		let refused: Response | null = null;
		for (let i = 0; i < 30 && !refused; i++) {
			const res = await callHandle(handle, {
				event: fakeEvent({
					path: '/signin',
					routeId: '/signin',
					form: { email, password: 'not the password' }
				}),
				resolve: async (event) => {
					const signIn = actions.default!;
					const failure = await signIn(event as Parameters<typeof signIn>[0]);
					if (!isActionFailure(failure)) throw new Error('the sign-in did not fail');
					return new Response(JSON.stringify(failure.data), { status: failure.status });
				}
			});
			if (res.status === 429) refused = res;
		}
		expect(refused, 'the throttle refused a guesser').not.toBeNull();
		expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
		// The exam API's refusal carries it itself.
		const api = apiErrorFrom(new TooManyRequestsError('Too many tries: wait a minute', 60));
		expect(api.status).toBe(429);
		expect(api.headers.get('retry-after')).toBe('60');
	});

	it('refuses a malformed id or a control character in a route parameter with a 404 before any service runs', async () => {
		const { handle } = await import('../../src/hooks.server.js');
		const resolve = vi.fn(async () => new Response('ok'));
		const put = await callHandle(handle, {
			event: fakeEvent({
				method: 'PUT',
				path: `/api/attempts/${DASHES}/responses/1`,
				routeId: '/api/attempts/[attemptId]/responses/[itemKey]',
				params: { attemptId: DASHES, itemKey: '1' }
			}),
			resolve
		});
		expect(put.status).toBe(404);
		expect((await put.json()).error).toBe('No such attempt');
		const nul = await callHandle(handle, {
			event: fakeEvent({
				method: 'PUT',
				path: '/api/attempts/0b7c1f52-6d0e-4a43-9f7e-2b1d3c4e5f60/responses/%00',
				routeId: '/api/attempts/[attemptId]/responses/[itemKey]',
				params: { attemptId: '0b7c1f52-6d0e-4a43-9f7e-2b1d3c4e5f60', itemKey: '\0' }
			}),
			resolve
		});
		expect(nul.status).toBe(404);
		// A signed-in centre administrator's page data for their own centre, with a sitting id of 36 dashes.
		const f = await makeSitting(db, 1);
		const admin = await makeStaff(db, 'centre_admin', f.centre.id);
		const { token } = await createSession(db, admin.id);
		const { thrown } = await outcome(() =>
			callHandle(handle, {
				event: fakeEvent({
					path: `/centre/${f.centre.id}/sittings/${DASHES}/__data.json`,
					routeId: '/centre/[centreId]/sittings/[sittingId]',
					params: { centreId: f.centre.id, sittingId: DASHES },
					isDataRequest: true,
					cookies: { [SESSION_COOKIE]: token }
				}),
				resolve
			})
		);
		expect(isHttpError(thrown, 404)).toBe(true);
		expect(resolve).not.toHaveBeenCalled();
	});

	it('handleError: a 413 keeps its reason and is only a warning; a 5xx is logged and says no more', async () => {
		const { handleError } = await import('../../src/hooks.server.js');
		// The request adapter-node builds for a 10 MB form post, with the default 512 KB limit.
		const incoming = Object.assign(Readable.from([]), {
			method: 'POST',
			url: '/signin',
			httpVersionMajor: 1,
			headers: {
				host: 'exams.test',
				'content-type': 'application/x-www-form-urlencoded',
				'content-length': String(10 * 1024 * 1024)
			}
		}) as unknown as IncomingMessage;
		const request = await getRequest({ request: incoming, base: APP, bodySizeLimit: 512 * 1024 });
		const { actions } = await import('../../src/routes/signin/+page.server.js');
		const { thrown } = await outcome(() =>
			actions.default!(fakeEvent({ path: '/signin', request }))
		);
		const status = (thrown as { status?: number }).status;
		expect(status).toBe(413);
		const event = fakeEvent({ method: 'POST', path: '/signin' });
		const body = await handleError({
			error: thrown,
			event,
			status: 413,
			message: 'Payload Too Large'
		});
		expect(body?.message).toMatch(/^Request body too large/);
		expect(body?.message).toContain('524288');
		expect(shared.log.warn).toHaveBeenCalledOnce();
		expect(shared.log.error).not.toHaveBeenCalled();

		const crash = await handleError({
			error: new Error('relation "x" does not exist'),
			event,
			status: 500,
			message: 'Internal Error'
		});
		expect(crash?.message).toBe('Something went wrong on our side. Please try again.');
		expect(shared.log.error).toHaveBeenCalledOnce();
	});
});

describe('grade boundaries in plain words', () => {
	it('"abc" as a pass mark is "Pass mark must be a whole number", not zod’s NaN message', async () => {
		await makeSitting(db, 1); // imports the fixture bank (8992-111-T)
		const v = await getPaperVersion(db, '8992-111-T');
		const err = await updateBoundaries(db, SYSTEM_ACTOR, v.versionId, {
			pass: 'abc',
			first_class: '20'
		}).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(ValidationError);
		expect((err as ValidationError).message).toBe('Pass mark must be a whole number');
	});
});
