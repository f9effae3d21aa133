import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
	ACCOUNT_AT_ADDRESS_THROTTLE,
	ACCOUNT_THROTTLE,
	ADDRESS_THROTTLE
} from '../../src/lib/domain/throttle.js';
import {
	createSession,
	invalidateAllUserSessions,
	invalidateSession,
	pruneExpired,
	SIGN_IN_ATTEMPT_RETENTION_MS,
	validateSessionToken
} from '../../src/lib/server/auth/sessions.js';
import { signInStaff, WRONG_CREDENTIALS } from '../../src/lib/server/auth/sign-in.js';
import { hashSecret } from '../../src/lib/server/auth/tokens.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { TooManyRequestsError, ValidationError } from '../../src/lib/server/errors.js';
import { createTestDatabase } from '../helpers/db.js';
import { makeCentre, makeStaff, PASSWORD } from '../helpers/fixtures.js';

let h: DatabaseHandle;
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

describe('staff sign-in and sign-out', () => {
	it('signs in with the right password, and the token validates to the user and roles', async () => {
		const centre = await makeCentre(h.db);
		const staff = await makeStaff(h.db, 'centre_admin', centre.id);
		const { token, userId } = await signInStaff(h.db, {
			email: staff.email.toUpperCase(),
			password: PASSWORD,
			ip: '10.0.0.1'
		});
		expect(userId).toBe(staff.id);
		const v = await validateSessionToken(h.db, token);
		expect(v?.user.email).toBe(staff.email);
		expect(v?.user.grants).toEqual([{ role: 'centre_admin', centreId: centre.id }]);
	});
	it('stores only the hash of the secret', async () => {
		const staff = await makeStaff(h.db, 'marker');
		const { token } = await signInStaff(h.db, {
			email: staff.email,
			password: PASSWORD,
			ip: '10.0.0.2'
		});
		const [id, secret] = token.split('.') as [string, string];
		const row = await h.db
			.selectFrom('auth_session')
			.selectAll()
			.where('id', '=', id)
			.executeTakeFirstOrThrow();
		expect(new Uint8Array(row.secret_hash)).toEqual(hashSecret(secret));
		expect(JSON.stringify(row)).not.toContain(secret);
	});
	it('gives the same message for a wrong password and an unknown email, and creates no session', async () => {
		const staff = await makeStaff(h.db, 'marker');
		const before = await h.db.selectFrom('auth_session').select('id').execute();
		await expect(
			signInStaff(h.db, { email: staff.email, password: 'wrong password!!', ip: '10.0.0.3' })
		).rejects.toThrow(WRONG_CREDENTIALS);
		await expect(
			signInStaff(h.db, { email: 'nobody@example.test', password: PASSWORD, ip: '10.0.0.3' })
		).rejects.toThrow(WRONG_CREDENTIALS);
		const after = await h.db.selectFrom('auth_session').select('id').execute();
		expect(after.length).toBe(before.length);
	});
	it('refuses a token with the right id but the wrong secret', async () => {
		const staff = await makeStaff(h.db, 'marker');
		const { token } = await createSession(h.db, staff.id);
		const [id] = token.split('.');
		expect(await validateSessionToken(h.db, `${id}.${'a'.repeat(24)}`)).toBeNull();
		expect(await validateSessionToken(h.db, token)).not.toBeNull();
	});
	it('signs out one session, and signs out of all sessions', async () => {
		const staff = await makeStaff(h.db, 'moderator');
		const a = await createSession(h.db, staff.id);
		const b = await createSession(h.db, staff.id);
		const c = await createSession(h.db, staff.id);
		await invalidateSession(h.db, a.session.id);
		expect(await validateSessionToken(h.db, a.token)).toBeNull();
		expect(await validateSessionToken(h.db, b.token)).not.toBeNull();
		expect(await invalidateAllUserSessions(h.db, staff.id)).toBe(2);
		expect(await validateSessionToken(h.db, b.token)).toBeNull();
		expect(await validateSessionToken(h.db, c.token)).toBeNull();
	});
	it('expires an idle session and deletes it; refreshes last-verified at most hourly', async () => {
		const staff = await makeStaff(h.db, 'marker');
		const t0 = new Date('2026-11-24T08:00:00Z');
		const { token, session } = await createSession(h.db, staff.id, {}, t0);
		const halfHour = await validateSessionToken(h.db, token, new Date(t0.getTime() + 30 * 60_000));
		expect(halfHour?.session.lastVerifiedAt).toEqual(t0);
		const twoHours = new Date(t0.getTime() + 2 * 3600_000);
		expect((await validateSessionToken(h.db, token, twoHours))?.session.lastVerifiedAt).toEqual(
			twoHours
		);
		// Idle for 8 hours since the last refresh: gone.
		expect(
			await validateSessionToken(h.db, token, new Date(twoHours.getTime() + 8 * 3600_000))
		).toBeNull();
		expect(
			await h.db
				.selectFrom('auth_session')
				.select('id')
				.where('id', '=', session.id)
				.executeTakeFirst()
		).toBeUndefined();
	});
	it('writes an audit entry for each sign-in', async () => {
		const staff = await makeStaff(h.db, 'marker');
		await signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '10.0.0.9' });
		const entry = await h.db
			.selectFrom('audit_log')
			.selectAll()
			.where('action', '=', 'auth.sign_in')
			.where('subject_id', '=', staff.id)
			.executeTakeFirst();
		expect(entry?.ip).toBe('10.0.0.9');
	});
});

describe('sign-in throttling (kept in the database)', () => {
	it('a guesser with many addresses reaches the account ceiling; an administrator can unlock the account at once (audited)', async () => {
		const { unlockStaffSignIn } = await import('../../src/lib/server/auth/sign-in.js');
		const staff = await makeStaff(h.db, 'marker');
		const now = new Date();
		for (let i = 0; i < ACCOUNT_THROTTLE.maxFailures; i++) {
			await signInStaff(
				h.db,
				{ email: staff.email, password: 'nope nope nope', ip: `10.7.${Math.floor(i / 5)}.1` },
				now
			).catch(() => undefined);
		}
		await expect(
			signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '10.8.0.1' }, now)
		).rejects.toBeInstanceOf(TooManyRequestsError);
		await unlockStaffSignIn(
			h.db,
			{ userId: null, label: 'admin', ip: '127.0.0.1' },
			staff.email,
			now
		);
		await expect(
			signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '10.8.0.1' }, now)
		).resolves.toHaveProperty('token');
		const audit = await h.db
			.selectFrom('audit_log')
			.select(['action', 'subject_id'])
			.where('action', '=', 'user.unlock_sign_in')
			.execute();
		expect(audit).toContainEqual({ action: 'user.unlock_sign_in', subject_id: staff.id });
	});
	it('locks an account at an address after repeated failures, even with the right password, with a clear message', async () => {
		const staff = await makeStaff(h.db, 'marker');
		const now = new Date();
		for (let i = 0; i < ACCOUNT_AT_ADDRESS_THROTTLE.maxFailures; i++) {
			await expect(
				signInStaff(h.db, { email: staff.email, password: 'nope nope nope', ip: '10.1.0.1' }, now)
			).rejects.toBeInstanceOf(ValidationError);
		}
		const err = await signInStaff(
			h.db,
			{ email: staff.email, password: PASSWORD, ip: '10.1.0.1' },
			now
		).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(TooManyRequestsError);
		expect((err as Error).message).toBe(
			'Too many failed sign-in attempts. Try again in 15 minutes.'
		);
		// After the window the right password works again.
		const later = new Date(now.getTime() + ACCOUNT_AT_ADDRESS_THROTTLE.windowMs + 1000);
		await expect(
			signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '10.1.0.1' }, later)
		).resolves.toHaveProperty('token');
	});
	it('guesses from one address do not lock the account out from another', async () => {
		const staff = await makeStaff(h.db, 'marker');
		const now = new Date();
		for (let i = 0; i < 2 * ACCOUNT_AT_ADDRESS_THROTTLE.maxFailures; i++) {
			await signInStaff(
				h.db,
				{ email: staff.email, password: 'nope nope nope', ip: '10.1.2.1' },
				now
			).catch(() => undefined);
		}
		await expect(
			signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '10.1.2.1' }, now)
		).rejects.toBeInstanceOf(TooManyRequestsError);
		await expect(
			signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '10.1.2.2' }, now)
		).resolves.toHaveProperty('token');
	});
	it('still caps guesses at one account spread over many addresses', async () => {
		const staff = await makeStaff(h.db, 'marker');
		const now = new Date();
		const perAddress = ACCOUNT_AT_ADDRESS_THROTTLE.maxFailures;
		for (let i = 0; i < ACCOUNT_THROTTLE.maxFailures; i++) {
			const ip = `10.1.3.${Math.floor(i / perAddress)}`;
			await expect(
				signInStaff(h.db, { email: staff.email, password: 'nope nope nope', ip }, now)
			).rejects.toBeInstanceOf(ValidationError);
		}
		await expect(
			signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '10.1.4.1' }, now)
		).rejects.toBeInstanceOf(TooManyRequestsError);
	});
	it('a success clears the count of the account at that address', async () => {
		const staff = await makeStaff(h.db, 'marker');
		const now = new Date();
		for (let i = 0; i < ACCOUNT_AT_ADDRESS_THROTTLE.maxFailures - 1; i++) {
			await signInStaff(
				h.db,
				{ email: staff.email, password: 'nope nope nope', ip: '10.2.0.1' },
				now
			).catch(() => undefined);
		}
		await signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '10.2.0.1' }, now);
		await signInStaff(
			h.db,
			{ email: staff.email, password: 'nope nope nope', ip: '10.2.0.1' },
			now
		).catch(() => undefined);
		await expect(
			signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '10.2.0.1' }, now)
		).resolves.toHaveProperty('token');
	});
	it('locks an address that tries many accounts', async () => {
		const now = new Date();
		for (let i = 0; i < ADDRESS_THROTTLE.maxFailures; i++) {
			await signInStaff(
				h.db,
				{ email: `guess${i}@example.test`, password: 'x', ip: '192.0.2.77' },
				now
			).catch(() => undefined);
		}
		const staff = await makeStaff(h.db, 'marker');
		await expect(
			signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '192.0.2.77' }, now)
		).rejects.toBeInstanceOf(TooManyRequestsError);
		await expect(
			signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '192.0.2.78' }, now)
		).resolves.toHaveProperty('token');
	});
	it('a valid account signing in between guesses does not reset its address', async () => {
		const now = new Date();
		const staff = await makeStaff(h.db, 'marker');
		for (let i = 0; i < ADDRESS_THROTTLE.maxFailures; i++) {
			await signInStaff(
				h.db,
				{ email: `spray${i}@example.test`, password: 'x', ip: '192.0.2.90' },
				now
			).catch(() => undefined);
			if (i % 4 === 3 && i < ADDRESS_THROTTLE.maxFailures - 1)
				await signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '192.0.2.90' }, now);
		}
		await expect(
			signInStaff(h.db, { email: 'spray-next@example.test', password: 'x', ip: '192.0.2.90' }, now)
		).rejects.toBeInstanceOf(TooManyRequestsError);
	});
});

describe('pruning', () => {
	it('deletes only sessions that can no longer be used and sign-in attempts past their retention', async () => {
		const staff = await makeStaff(h.db, 'marker');
		const now = new Date();
		const hours = (n: number) => new Date(now.getTime() - n * 3600_000);
		const fresh = await createSession(h.db, staff.id, {}, hours(1));
		const idle = await createSession(h.db, staff.id, {}, hours(9));
		await h.db
			.insertInto('sign_in_attempt')
			.values([
				{
					key_kind: 'account',
					key: 'old@example.test',
					succeeded: false,
					attempted_at: new Date(now.getTime() - SIGN_IN_ATTEMPT_RETENTION_MS - 1000)
				},
				{
					key_kind: 'account',
					key: 'recent@example.test',
					succeeded: false,
					attempted_at: hours(1)
				}
			])
			.execute();
		const pruned = await pruneExpired(h.db, now);
		expect(pruned.sessions).toBeGreaterThanOrEqual(1);
		const left = await h.db
			.selectFrom('auth_session')
			.select('id')
			.where('user_id', '=', staff.id)
			.execute();
		expect(left.map((r) => r.id)).toEqual([fresh.session.id]);
		expect(idle.session.id).not.toBe(fresh.session.id);
		const keys = await h.db
			.selectFrom('sign_in_attempt')
			.select('key')
			.where('key', 'in', ['old@example.test', 'recent@example.test'])
			.execute();
		expect(keys.map((k) => k.key)).toEqual(['recent@example.test']);
	});
});
