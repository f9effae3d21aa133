import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Actor } from '../../src/lib/server/audit/index.js';
import {
	CANDIDATE_HAS_ATTEMPTS,
	correctCandidate,
	deleteCandidate,
	getCandidate,
	registerCandidate,
	setCandidateWithdrawn
} from '../../src/lib/server/centres/candidates.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../../src/lib/server/errors.js';
import { bookSitting } from '../../src/lib/server/sittings/booking.js';
import { createTestDatabase } from '../helpers/db.js';
import { makeCentre } from '../helpers/fixtures.js';
import { registerCandidates } from '../helpers/registration-fixture.js';
import { makeSitting } from '../helpers/sitting-fixture.js';

let h: DatabaseHandle;
const actor: Actor = { userId: null, label: 'centre-admin', ip: '127.0.0.1' };
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

const auditOf = (subjectId: string, action: string) =>
	h.db
		.selectFrom('audit_log')
		.selectAll()
		.where('subject_id', '=', subjectId)
		.where('action', '=', action)
		.orderBy('id')
		.execute();

describe('correcting a candidate', () => {
	it('changes number, name and date of birth, keeping the old values in the audit entry', async () => {
		const c = await makeCentre(h.db);
		const cand = await registerCandidate(h.db, actor, c.id, {
			candidate_number: '0003',
			first_name: 'Ann',
			last_name: 'Le',
			date_of_birth: '2008-01-02'
		});
		await correctCandidate(h.db, actor, c.id, cand.id, {
			candidate_number: '31',
			first_name: 'Ann',
			last_name: 'Lee',
			date_of_birth: '2008-02-01'
		});
		const after = await getCandidate(h.db, c.id, cand.id);
		expect([
			after.candidate_number,
			after.first_name,
			after.last_name,
			after.date_of_birth
		]).toEqual(['0031', 'Ann', 'Lee', '2008-02-01']);
		const [entry] = await auditOf(cand.id, 'candidate.correct');
		expect(entry!.details).toEqual({
			before: { candidate_number: '0003', last_name: 'Le', date_of_birth: '2008-01-02' },
			after: { candidate_number: '0031', last_name: 'Lee', date_of_birth: '2008-02-01' }
		});
	});

	it('refuses a number that does not fit or is taken, naming the field, and changes nothing', async () => {
		const c = await makeCentre(h.db);
		await registerCandidate(h.db, actor, c.id, {
			candidate_number: '0001',
			first_name: 'A',
			last_name: 'One'
		});
		const cand = await registerCandidate(h.db, actor, c.id, {
			candidate_number: '0002',
			first_name: 'B',
			last_name: 'Two'
		});
		for (const [number, message] of [
			['ABC', 'Candidate number must be four digits, e.g. 0042'],
			['0001', 'Already registered']
		] as const) {
			const err = await correctCandidate(h.db, actor, c.id, cand.id, {
				candidate_number: number,
				first_name: 'B',
				last_name: 'Two'
			}).catch((e: unknown) => e);
			expect(err, number).toBeInstanceOf(ValidationError);
			expect((err as ValidationError).issues).toEqual([{ field: 'candidate_number', message }]);
		}
		expect((await getCandidate(h.db, c.id, cand.id)).candidate_number).toBe('0002');
		expect(await auditOf(cand.id, 'candidate.correct')).toEqual([]);
	});

	it("cannot reach another centre's candidate", async () => {
		const [a, b] = [await makeCentre(h.db), await makeCentre(h.db)];
		const cand = await registerCandidate(h.db, actor, a.id, {
			candidate_number: '0001',
			first_name: 'A',
			last_name: 'B'
		});
		await expect(
			correctCandidate(h.db, actor, b.id, cand.id, {
				candidate_number: '0009',
				first_name: 'X',
				last_name: 'Y'
			})
		).rejects.toBeInstanceOf(NotFoundError);
		await expect(deleteCandidate(h.db, actor, b.id, cand.id)).rejects.toBeInstanceOf(NotFoundError);
		await expect(setCandidateWithdrawn(h.db, actor, b.id, cand.id, true)).rejects.toBeInstanceOf(
			NotFoundError
		);
	});
});

describe('withdrawing and deleting', () => {
	it('a withdrawn candidate is kept but cannot be booked; reinstated, they can', async () => {
		const f = await makeSitting(h.db, 1);
		const late = await registerCandidate(h.db, actor, f.centre.id, {
			candidate_number: '0050',
			first_name: 'Late',
			last_name: 'Withdrawn'
		});
		await registerCandidates(h.db, f.centre.id, [late.id]);
		await setCandidateWithdrawn(h.db, actor, f.centre.id, late.id, true);
		expect((await getCandidate(h.db, f.centre.id, late.id)).withdrawn_at).not.toBeNull();
		const booking = {
			paper_code: '8992-111-T',
			scheduled_at: new Date().toISOString(),
			room: 'Room 2',
			invigilator_ids: [f.invigilator.id],
			candidate_ids: [late.id]
		};
		const err = await bookSitting(h.db, actor, f.centre.id, booking).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(ValidationError);
		expect((err as ValidationError).message).toContain('withdrawn');
		await setCandidateWithdrawn(h.db, actor, f.centre.id, late.id, false);
		await expect(bookSitting(h.db, actor, f.centre.id, booking)).resolves.toBeTruthy();
		expect((await auditOf(late.id, 'candidate.withdraw'))[0]!.details).toMatchObject({
			before: { withdrawn: false },
			after: { withdrawn: true }
		});
		expect(await auditOf(late.id, 'candidate.reinstate')).toHaveLength(1);
	});

	it('deletes a record with no attempts (audited with what it held); refuses one booked on a sitting', async () => {
		const f = await makeSitting(h.db, 1);
		const mistake = await registerCandidate(h.db, actor, f.centre.id, {
			candidate_number: '0099',
			first_name: 'Typo',
			last_name: 'Entry'
		});
		await deleteCandidate(h.db, actor, f.centre.id, mistake.id);
		await expect(getCandidate(h.db, f.centre.id, mistake.id)).rejects.toBeInstanceOf(NotFoundError);
		expect((await auditOf(mistake.id, 'candidate.delete'))[0]!.details).toMatchObject({
			candidate_number: '0099',
			first_name: 'Typo',
			last_name: 'Entry'
		});

		const booked = f.candidates[0]!;
		const err = await deleteCandidate(h.db, actor, f.centre.id, booked.id).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(ConflictError);
		expect((err as ConflictError).message).toBe(CANDIDATE_HAS_ATTEMPTS);
		expect((await getCandidate(h.db, f.centre.id, booked.id)).id).toBe(booked.id);
		expect(await auditOf(booked.id, 'candidate.delete')).toEqual([]);
	});

	it('a delete racing a booking: either the booking lands and the delete is refused, or the delete wins and the booking finds no candidate', async () => {
		const f = await makeSitting(h.db, 1);
		const c = await registerCandidate(h.db, actor, f.centre.id, {
			candidate_number: '0077',
			first_name: 'Race',
			last_name: 'Case'
		});
		const [del, book] = await Promise.allSettled([
			deleteCandidate(h.db, actor, f.centre.id, c.id),
			bookSitting(h.db, actor, f.centre.id, {
				paper_code: '8992-111-T',
				scheduled_at: new Date().toISOString(),
				room: 'Room 3',
				invigilator_ids: [f.invigilator.id],
				candidate_ids: [c.id]
			})
		]);
		expect([del.status, book.status].sort()).toEqual(['fulfilled', 'rejected']);
		const attempts = await h.db
			.selectFrom('attempt')
			.select('id')
			.where('candidate_id', '=', c.id)
			.execute();
		const exists = await h.db.selectFrom('candidate').select('id').where('id', '=', c.id).execute();
		expect(attempts.length).toBe(book.status === 'fulfilled' ? 1 : 0);
		expect(exists.length).toBe(del.status === 'fulfilled' ? 0 : 1);
	});
});
