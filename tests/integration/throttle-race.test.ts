import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
	ACCOUNT_AT_ADDRESS_THROTTLE,
	ADDRESS_THROTTLE,
	CANDIDATE_AT_ADDRESS_THROTTLE,
	CANDIDATE_THROTTLE,
	ROOM_THROTTLE
} from '../../src/lib/domain/throttle.js';
import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import { signInStaff, WRONG_CREDENTIALS } from '../../src/lib/server/auth/sign-in.js';
import {
	pruneSignInThrottles,
	SIGN_IN_THROTTLE_RETENTION_MS
} from '../../src/lib/server/auth/throttle.js';
import { registerCandidate } from '../../src/lib/server/centres/candidates.js';
import type { Database } from '../../src/lib/server/db/schema.js';
import { unlockCandidateSignIn } from '../../src/lib/server/delivery/sign-in-unlock.js';
import {
	NO_MATCHING_SITTING,
	NOT_ON_THE_LIST,
	signInCandidate
} from '../../src/lib/server/delivery/sign-in.js';
import {
	NotFoundError,
	TooManyRequestsError,
	ValidationError
} from '../../src/lib/server/errors.js';
import { markAttendance } from '../../src/lib/server/invigilation/attendance.js';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/db.js';
import { makeStaff, PASSWORD } from '../helpers/fixtures.js';
import { makeSitting } from '../helpers/sitting-fixture.js';

let h: TestDatabase;
/** On PostgreSQL, several pools (of 5 connections each), so parallel calls really run at once. */
let pools: Kysely<Database>[];
beforeAll(async () => {
	h = await createTestDatabase();
	pools = onPostgres ? [h.db, ...Array.from({ length: 5 }, () => h.connect(h.role).db)] : [h.db];
});
afterAll(() => h.close());
const dbFor = (i: number) => pools[i % pools.length]!;

const N = 150;

/** How the parallel calls ended: answered (the secret was judged), refused by the throttle, or something else. */
async function outcomes(calls: Promise<unknown>[]) {
	const settled = await Promise.allSettled(calls);
	const reasons = settled.map((s) =>
		s.status === 'rejected' ? (s.reason as unknown) : 'signed in'
	);
	return {
		judged: reasons.filter((r) => r instanceof ValidationError),
		refused: reasons.filter((r) => r instanceof TooManyRequestsError).length,
		other: reasons.filter(
			(r) => !(r instanceof ValidationError) && !(r instanceof TooManyRequestsError)
		)
	};
}

/** The failures a throttle key holds now. */
async function failuresOf(
	kind: 'account' | 'address' | 'candidate' | 'account_at_address' | 'candidate_at_address',
	key: string
): Promise<number> {
	const row = await h.db
		.selectFrom('sign_in_throttle')
		.select('failures')
		.where('key_kind', '=', kind)
		.where('key', '=', key)
		.executeTakeFirst();
	return row?.failures.length ?? 0;
}

const wrongKeycode = (keycode: string) => (keycode === 'ABCDEF' ? 'ABCDEG' : 'ABCDEF');

describe('parallel guesses cannot race past the limits', () => {
	it(`of ${N} parallel wrong passwords for one account from one address, at most 5 are judged`, async () => {
		const staff = await makeStaff(h.db, 'marker');
		const ip = '198.51.100.1';
		const r = await outcomes(
			Array.from({ length: N }, (_, i) =>
				signInStaff(dbFor(i), { email: staff.email, password: 'wrong wrong wrong', ip })
			)
		);
		expect(r.other).toEqual([]);
		expect(r.judged.length).toBeLessThanOrEqual(ACCOUNT_AT_ADDRESS_THROTTLE.maxFailures);
		expect(r.judged.length).toBeGreaterThan(0);
		expect(r.judged.every((e) => (e as Error).message === WRONG_CREDENTIALS)).toBe(true);
		expect(r.refused).toBe(N - r.judged.length);
		// Each judged attempt is in the history once; the refused ones count nowhere.
		const history = await h.db
			.selectFrom('sign_in_attempt')
			.select('id')
			.where('key_kind', '=', 'account')
			.where('key', '=', staff.email)
			.execute();
		expect(history.length).toBe(r.judged.length);
		expect(await failuresOf('account', staff.email)).toBe(r.judged.length);
		expect(await failuresOf('address', ip)).toBe(r.judged.length);
	});

	it(`of ${N} parallel wrong passwords for as many accounts from one address, at most 30 are judged`, async () => {
		const ip = '198.51.100.2';
		const r = await outcomes(
			Array.from({ length: N }, (_, i) =>
				signInStaff(dbFor(i), { email: `race${i}@example.test`, password: 'wrong wrong wrong', ip })
			)
		);
		expect(r.other).toEqual([]);
		expect(r.judged.length).toBeLessThanOrEqual(ADDRESS_THROTTLE.maxFailures);
		expect(r.refused).toBe(N - r.judged.length);
		expect(await failuresOf('address', ip)).toBe(r.judged.length);
	});

	it(`of ${N} parallel wrong keycodes for one candidate from one room, at most 10 are judged`, async () => {
		const f = await makeSitting(h.db, 2);
		const room = '198.51.100.3';
		const input = {
			centreNumber: f.centre.number,
			candidateNumber: '0001',
			keycode: wrongKeycode(f.sitting.keycode),
			ip: room
		};
		const r = await outcomes(Array.from({ length: N }, (_, i) => signInCandidate(dbFor(i), input)));
		expect(r.other).toEqual([]);
		expect(r.judged.length).toBeLessThanOrEqual(CANDIDATE_AT_ADDRESS_THROTTLE.maxFailures);
		expect(r.judged.length).toBeGreaterThan(0);
		expect(r.refused).toBe(N - r.judged.length);
		expect(await failuresOf('address', `candidate:${room}`)).toBe(r.judged.length);
		// The room is not locked for the others in it.
		const other = await signInCandidate(h.db, {
			...input,
			candidateNumber: '0002',
			keycode: f.sitting.keycode
		});
		expect(other.attemptId).toBe(f.attemptOf(f.candidates[1]!.id));
	});

	it(`of ${N} parallel wrong keycodes for one candidate from ${N} addresses, at most 30 are judged`, async () => {
		const f = await makeSitting(h.db, 1);
		const keycode = wrongKeycode(f.sitting.keycode);
		const r = await outcomes(
			Array.from({ length: N }, (_, i) =>
				signInCandidate(dbFor(i), {
					centreNumber: f.centre.number,
					candidateNumber: '0001',
					keycode,
					ip: `198.51.101.${i}`
				})
			)
		);
		expect(r.other).toEqual([]);
		expect(r.judged.length).toBeLessThanOrEqual(CANDIDATE_THROTTLE.maxFailures);
		expect(r.refused).toBe(N - r.judged.length);
		expect(await failuresOf('candidate', `${f.centre.number}:0001`)).toBe(r.judged.length);
	});

	it('a right password among parallel wrong ones is judged like any other, and clears only its own pair', async () => {
		const staff = await makeStaff(h.db, 'marker');
		const ip = '198.51.100.4';
		const calls = Array.from({ length: 20 }, (_, i) =>
			signInStaff(dbFor(i), {
				email: staff.email,
				password: i === 0 ? PASSWORD : 'wrong wrong wrong',
				ip
			})
		);
		const settled = await Promise.allSettled(calls);
		const judged = settled.filter(
			(s) => s.status === 'fulfilled' || !(s.reason instanceof TooManyRequestsError)
		).length;
		// A success forgives its pair's failures, so at most one more limit's worth may follow it.
		expect(judged).toBeLessThanOrEqual(2 * ACCOUNT_AT_ADDRESS_THROTTLE.maxFailures);
		// Nothing is left reserved: the counts are exactly the wrong answers judged.
		const wrong = settled.filter(
			(s) => s.status === 'rejected' && s.reason instanceof ValidationError
		).length;
		expect(await failuresOf('address', ip)).toBe(wrong);
		expect(await failuresOf('account', staff.email)).toBe(wrong);
	});

	it('attempts crossing many accounts and addresses at once never deadlock, and leave nothing reserved', async () => {
		const f = await makeSitting(h.db, 4);
		const calls = Array.from({ length: 240 }, (_, i) => {
			const ip = `198.51.102.${i % 7}`;
			const candidateNumber = String((i % 4) + 1).padStart(4, '0');
			// Every sixth is right, so successes settle while others reserve.
			const keycode = i % 6 === 0 ? f.sitting.keycode : wrongKeycode(f.sitting.keycode);
			return signInCandidate(dbFor(i), {
				centreNumber: f.centre.number,
				candidateNumber,
				keycode,
				ip
			});
		});
		const settled = await Promise.allSettled(calls);
		const unexpected = settled.filter(
			(s) =>
				s.status === 'rejected' &&
				!(s.reason instanceof ValidationError) &&
				!(s.reason instanceof TooManyRequestsError)
		);
		expect(unexpected.map((s) => String((s as PromiseRejectedResult).reason))).toEqual([]);
		const wrong = settled.filter(
			(s) => s.status === 'rejected' && s.reason instanceof ValidationError
		).length;
		let roomTotal = 0;
		for (let a = 0; a < 7; a++)
			roomTotal += await failuresOf('address', `candidate:198.51.102.${a}`);
		expect(roomTotal).toBe(wrong);
	});
});

describe('a whole room signing in at once', () => {
	it(`${N} candidates of one room (more than the room's limit of ${ROOM_THROTTLE.maxFailures}) all sign in at once through the app's pool`, async () => {
		// Every sign-in holds a reservation on the room's address until it proves right. Taken and
		// settled on one connection, at most a pool's worth are ever held at once; interleaved with the
		// others in the pool's queue, a storm's reservations piled up past the room's limit and the
		// rest of the room was refused for ten minutes.
		const f = await makeSitting(h.db, N);
		const ip = '198.51.100.77';
		const settled = await Promise.allSettled(
			f.candidates.map((c) =>
				signInCandidate(h.db, {
					centreNumber: f.centre.number,
					candidateNumber: c.candidate_number,
					keycode: f.sitting.keycode,
					ip
				})
			)
		);
		const refused = settled
			.filter((s) => s.status === 'rejected')
			.map((s) => String((s as PromiseRejectedResult).reason));
		expect(refused).toEqual([]);
		expect(await failuresOf('address', `candidate:${ip}`)).toBe(0);
	});
});

describe('a stranger cannot lock the real user out', () => {
	it('10 wrong passwords from one address do not stop the right one from another', async () => {
		const staff = await makeStaff(h.db, 'marker');
		for (let i = 0; i < 10; i++) {
			await signInStaff(h.db, {
				email: staff.email,
				password: 'wrong wrong wrong',
				ip: '203.0.113.1'
			}).catch(() => undefined);
		}
		await expect(
			signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '203.0.113.1' })
		).rejects.toBeInstanceOf(TooManyRequestsError);
		await expect(
			signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '203.0.113.2' })
		).resolves.toHaveProperty('token');
		// Only the 5 judged guesses count against the account's ceiling; the 5 refused count nowhere.
		expect(await failuresOf('account', staff.email)).toBe(ACCOUNT_AT_ADDRESS_THROTTLE.maxFailures);
	});

	it('a locked address gives back what its refused attempts took from the pair', async () => {
		const ip = '203.0.113.3';
		for (let i = 0; i < ADDRESS_THROTTLE.maxFailures; i++) {
			await signInStaff(h.db, { email: `spray.${i}@example.test`, password: 'x', ip }).catch(
				() => undefined
			);
		}
		const staff = await makeStaff(h.db, 'marker');
		for (let i = 0; i < 3; i++)
			await expect(
				signInStaff(h.db, { email: staff.email, password: 'x', ip })
			).rejects.toBeInstanceOf(TooManyRequestsError);
		expect(await failuresOf('account_at_address', JSON.stringify([staff.email, ip]))).toBe(0);
		expect(await failuresOf('account', staff.email)).toBe(0);
	});

	it('wrong keycodes typed elsewhere do not lock a candidate out of their room; the room is not filled by a locked-out candidate', async () => {
		const f = await makeSitting(h.db, 2);
		const input = {
			centreNumber: f.centre.number,
			candidateNumber: '0001',
			keycode: wrongKeycode(f.sitting.keycode)
		};
		for (let i = 0; i < 12; i++)
			await signInCandidate(h.db, { ...input, ip: '203.0.113.10' }).catch(() => undefined);
		// Locked at that address, and pressing on adds nothing to that room's count.
		for (let i = 0; i < 20; i++)
			await expect(signInCandidate(h.db, { ...input, ip: '203.0.113.10' })).rejects.toBeInstanceOf(
				TooManyRequestsError
			);
		expect(await failuresOf('address', 'candidate:203.0.113.10')).toBe(
			CANDIDATE_AT_ADDRESS_THROTTLE.maxFailures
		);
		const r = await signInCandidate(h.db, {
			...input,
			keycode: f.sitting.keycode,
			ip: '203.0.113.11'
		});
		expect(r.attemptId).toBe(f.attemptOf(f.candidates[0]!.id));
	});
});

describe('an invigilator can unlock a candidate', () => {
	it('clears the lock, lets the candidate sign in, and is in the sitting log and the audit log', async () => {
		const f = await makeSitting(h.db, 2);
		const room = '203.0.113.20';
		const attemptId = f.attemptOf(f.candidates[0]!.id);
		const input = { centreNumber: f.centre.number, candidateNumber: '0001', ip: room };
		for (let i = 0; i < CANDIDATE_AT_ADDRESS_THROTTLE.maxFailures; i++) {
			await expect(
				signInCandidate(h.db, { ...input, keycode: wrongKeycode(f.sitting.keycode) })
			).rejects.toThrow(NO_MATCHING_SITTING);
		}
		await expect(
			signInCandidate(h.db, { ...input, keycode: f.sitting.keycode })
		).rejects.toBeInstanceOf(TooManyRequestsError);

		await unlockCandidateSignIn(h.db, f.ctx, f.sitting.id, attemptId);
		const r = await signInCandidate(h.db, { ...input, keycode: f.sitting.keycode });
		expect(r.attemptId).toBe(attemptId);

		const audit = await h.db
			.selectFrom('audit_log')
			.selectAll()
			.where('action', '=', 'sitting.unlock_sign_in')
			.where('subject_id', '=', attemptId)
			.execute();
		expect(audit).toHaveLength(1);
		expect(audit[0]).toMatchObject({
			actor_user_id: f.invigilator.id,
			centre_id: f.centre.id,
			subject_type: 'attempt'
		});
		const events = await h.db
			.selectFrom('sitting_event')
			.select(['kind', 'actor_user_id'])
			.where('attempt_id', '=', attemptId)
			.where('kind', '=', 'unlock_sign_in')
			.execute();
		expect(events).toEqual([{ kind: 'unlock_sign_in', actor_user_id: f.invigilator.id }]);
		// The room keeps its count: it is other candidates' failures too.
		expect(await failuresOf('address', `candidate:${room}`)).toBe(
			CANDIDATE_AT_ADDRESS_THROTTLE.maxFailures
		);
	});

	it('refuses an attempt of another sitting', async () => {
		const f = await makeSitting(h.db, 1);
		const g = await makeSitting(h.db, 1);
		await expect(
			unlockCandidateSignIn(h.db, f.ctx, f.sitting.id, g.attemptOf(g.candidates[0]!.id))
		).rejects.toBeInstanceOf(NotFoundError);
		await expect(
			unlockCandidateSignIn(h.db, f.ctx, f.sitting.id, 'not-a-uuid')
		).rejects.toBeInstanceOf(NotFoundError);
	});
});

describe('candidate numbers cannot be enumerated', () => {
	it('an unknown candidate number and a wrong keycode get the same message', async () => {
		const f = await makeSitting(h.db, 1);
		const ip = '203.0.113.30';
		const unknown = await signInCandidate(h.db, {
			centreNumber: f.centre.number,
			candidateNumber: 'NOBODY',
			keycode: f.sitting.keycode,
			ip
		}).catch((e: unknown) => e);
		const wrong = await signInCandidate(h.db, {
			centreNumber: f.centre.number,
			candidateNumber: '0001',
			keycode: wrongKeycode(f.sitting.keycode),
			ip
		}).catch((e: unknown) => e);
		const badCentre = await signInCandidate(h.db, {
			centreNumber: '000000',
			candidateNumber: '0001',
			keycode: f.sitting.keycode,
			ip
		}).catch((e: unknown) => e);
		const malformed = await signInCandidate(h.db, {
			centreNumber: f.centre.number,
			candidateNumber: '0001',
			keycode: '!!',
			ip
		}).catch((e: unknown) => e);
		for (const e of [unknown, wrong, badCentre, malformed]) {
			expect(e).toBeInstanceOf(ValidationError);
			expect((e as Error).message).toBe(NO_MATCHING_SITTING);
		}
	});

	it('an absent candidate with a wrong keycode is not told they are absent', async () => {
		const f = await makeSitting(h.db, 1);
		await markAttendance(h.db, f.ctx, f.sitting.id, f.attemptOf(f.candidates[0]!.id), false);
		const input = { centreNumber: f.centre.number, candidateNumber: '0001', ip: '203.0.113.31' };
		await expect(
			signInCandidate(h.db, { ...input, keycode: wrongKeycode(f.sitting.keycode) })
		).rejects.toThrow(NO_MATCHING_SITTING);
		await expect(signInCandidate(h.db, { ...input, keycode: f.sitting.keycode })).rejects.toThrow(
			'marked absent'
		);
	});

	it('a registered candidate with the right keycode of a sitting they are not booked on is told so', async () => {
		const f = await makeSitting(h.db, 1);
		await registerCandidate(h.db, SYSTEM_ACTOR, f.centre.id, {
			candidate_number: '0007',
			first_name: 'Late',
			last_name: 'Booking'
		});
		const ip = '203.0.113.32';
		await expect(
			signInCandidate(h.db, {
				centreNumber: f.centre.number,
				candidateNumber: '0007',
				keycode: f.sitting.keycode,
				ip
			})
		).rejects.toThrow(NOT_ON_THE_LIST);
		await expect(
			signInCandidate(h.db, {
				centreNumber: f.centre.number,
				candidateNumber: '0007',
				keycode: wrongKeycode(f.sitting.keycode),
				ip
			})
		).rejects.toThrow(NO_MATCHING_SITTING);
		// The keycode of a sitting at another centre proves nothing about this one.
		const other = await makeSitting(h.db, 1);
		await expect(
			signInCandidate(h.db, {
				centreNumber: f.centre.number,
				candidateNumber: '0007',
				keycode: other.sitting.keycode,
				ip
			})
		).rejects.toThrow(NO_MATCHING_SITTING);
	});
});

describe('pruning throttle rows', () => {
	it('deletes rows untouched for longer than any window, and keeps the rest', async () => {
		const now = new Date();
		const old = new Date(now.getTime() - SIGN_IN_THROTTLE_RETENTION_MS - 1000);
		await h.db
			.insertInto('sign_in_throttle')
			.values([
				{ key_kind: 'account', key: 'prune-old@example.test', updated_at: old },
				{ key_kind: 'account', key: 'prune-new@example.test', updated_at: now }
			])
			.execute();
		expect(await pruneSignInThrottles(h.db, now)).toBeGreaterThanOrEqual(1);
		const left = await h.db
			.selectFrom('sign_in_throttle')
			.select('key')
			.where('key', 'like', 'prune-%')
			.execute();
		expect(left.map((r) => r.key)).toEqual(['prune-new@example.test']);
	});
});
