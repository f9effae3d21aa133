import type { Kysely } from 'kysely';

import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import { importBank } from '../../src/lib/server/bank/import.js';
import { loadBank } from '../../src/lib/server/bank/load.js';
import { registerCandidate } from '../../src/lib/server/centres/candidates.js';
import type { Database } from '../../src/lib/server/db/schema.js';
import { markAttendance } from '../../src/lib/server/invigilation/attendance.js';
import { startSitting } from '../../src/lib/server/invigilation/start.js';
import { bookSitting } from '../../src/lib/server/sittings/booking.js';
import { validPaper, writeBank } from './bank-fixture.js';
import { makeCentre, makeStaff } from './fixtures.js';
import { registerCandidates } from './registration-fixture.js';

/** A candidate's access arrangements as the register takes them (e.g. `{ rest_breaks: 'yes' }`). */
export type Arrangements = { extra_time_percent?: string; rest_breaks?: string };

/**
 * A centre with an invigilator, `n` candidates registered for 8992-11 (unit 8992-111) and a sitting
 * of the fixture paper, live (60 + 5 minutes, items 1, 2, 3.a, 3.b), booked for `scheduledAt` (now;
 * a test that starts the sitting a few minutes ago books it then, so both fall on the same day
 * even just after midnight).
 */
export async function makeSitting(
	db: Kysely<Database>,
	n = 2,
	arrangements: Arrangements[] = [],
	{ scheduledAt = new Date() }: { scheduledAt?: Date } = {}
) {
	// Only a live paper can be booked for an examination.
	const bankRoot = writeBank({ papers: [{ ...validPaper(), kind: 'live' }] });
	await importBank(db, loadBank(bankRoot), SYSTEM_ACTOR);
	const centre = await makeCentre(db);
	const invigilator = await makeStaff(db, 'invigilator', centre.id);
	const candidates = [];
	for (let i = 0; i < n; i++) {
		candidates.push(
			await registerCandidate(db, SYSTEM_ACTOR, centre.id, {
				candidate_number: String(i + 1).padStart(4, '0'),
				first_name: `Cand${i + 1}`,
				last_name: 'Test',
				...(arrangements[i] ?? {})
			})
		);
	}
	await registerCandidates(
		db,
		centre.id,
		candidates.map((c) => c.id)
	);
	const actor = { userId: invigilator.id, label: invigilator.email };
	const sitting = await bookSitting(db, actor, centre.id, {
		paper_code: '8992-111-T',
		scheduled_at: scheduledAt.toISOString(),
		room: 'Room 1',
		invigilator_ids: [invigilator.id],
		candidate_ids: candidates.map((c) => c.id)
	});
	const attempts = await db
		.selectFrom('attempt')
		.selectAll()
		.where('sitting_id', '=', sitting.id)
		.execute();
	const attemptOf = (candidateId: string) =>
		attempts.find((a) => a.candidate_id === candidateId)!.id;
	return {
		centre,
		invigilator,
		candidates,
		sitting,
		ctx: { actor, centreId: centre.id },
		attemptOf
	};
}

/**
 * A sitting of `n` candidates, everyone marked present and the sitting started at `t0` (now):
 * reading until t0 + 5 min, then answering; `answering` is t0 + 6 min.
 */
export async function startedSitting(
	db: Kysely<Database>,
	n = 2,
	arrangements: Arrangements[] = []
) {
	const f = await makeSitting(db, n, arrangements);
	const t0 = new Date();
	for (const c of f.candidates)
		await markAttendance(db, { ...f.ctx, now: t0 }, f.sitting.id, f.attemptOf(c.id), true);
	await startSitting(db, { ...f.ctx, now: t0 }, f.sitting.id);
	return { ...f, t0, answering: new Date(t0.getTime() + 6 * 60_000) };
}
