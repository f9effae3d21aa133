/*
 * Prepares the authorisation matrix's own app database (run by authz-app.ts in a process of its own,
 * before the app starts on the same database): what `npm start` prepares (migrations, the question
 * bank, the demo), then the people and records the matrix needs beyond the demo, made through the
 * services. Prints one line `AUTHZ_FIXTURES {json}` with every id and sign-in.
 */
import type { Kysely } from 'kysely';

import { bankImport } from '../../src/cli/bank.js';
import { seedDemo } from '../../src/cli/demo/index.js';
import { qualificationOfUnit } from '../../src/lib/domain/qualifications.js';
import { issuePasswordToken } from '../../src/lib/server/accounts/password-tokens.js';
import { createStaffAccount } from '../../src/lib/server/accounts/staff.js';
import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import { registerCandidate } from '../../src/lib/server/centres/candidates.js';
import { createCentre } from '../../src/lib/server/centres/centres.js';
import { claimCertificates } from '../../src/lib/server/certificates/index.js';
import { databaseConfigFromEnv, openDatabase } from '../../src/lib/server/db/index.js';
import { migrateToLatest } from '../../src/lib/server/db/migrate.js';
import type { Database } from '../../src/lib/server/db/schema.js';
import { assignReviewer } from '../../src/lib/server/reviews/assignment.js';
import { requestReview } from '../../src/lib/server/reviews/requests.js';
import { bookSitting } from '../../src/lib/server/sittings/booking.js';
import { registerCandidates } from '../helpers/registration-fixture.js';

export const FIXTURE_PASSWORD = 'matrix horse battery staple';

export interface AuthzFixtures {
	/** Sign-ins by principal name (authz-matrix.ts's PRINCIPALS): email and password. */
	staff: Record<string, { email: string; password: string }>;
	centreNumber: string;
	keycode: string;
	/** Candidate numbers signed in to the demo sitting: the candidate (0004 has rest breaks), and another one. */
	candidateNumber: string;
	otherCandidateNumber: string;
	ids: Record<string, string>;
}

async function idOfUser(db: Kysely<Database>, email: string): Promise<string> {
	return (
		await db
			.selectFrom('app_user')
			.select('id')
			.where('email', '=', email)
			.executeTakeFirstOrThrow()
	).id;
}

async function seed(db: Kysely<Database>): Promise<AuthzFixtures> {
	const demo = await seedDemo(db);
	if (!demo.sitting || !demo.finished || !demo.results)
		throw new Error('The demo needs the bank of questions/ (8992-111-A and its results paper)');
	const centreA = demo.centreId;
	const staff: AuthzFixtures['staff'] = {};
	for (const a of demo.accounts) staff[a.role] = { email: a.email, password: a.password };
	const newStaff = async (
		key: string,
		role: 'centre_admin' | 'invigilator' | 'marker',
		centreId: string
	) => {
		const email = `${key.toLowerCase()}@matrix.test`;
		const u = await createStaffAccount(db, SYSTEM_ACTOR, {
			email,
			display_name: `Matrix ${key}`,
			password: FIXTURE_PASSWORD,
			role,
			centre_id: centreId
		});
		staff[key] = { email, password: FIXTURE_PASSWORD };
		return u.id;
	};
	const centreB = await createCentre(db, SYSTEM_ACTOR, {
		number: '900777',
		name: 'Another Centre'
	});
	await newStaff('otherCentreAdmin', 'centre_admin', centreB.id);
	await newStaff('otherCentreInvigilator', 'invigilator', centreB.id);
	const unassignedInvigilatorId = await newStaff('unassignedInvigilator', 'invigilator', centreA);
	await newStaff('unallocatedMarker', 'marker', centreA);

	const invigilatorId = await idOfUser(db, 'invigilator@demo.test');
	const markerId = await idOfUser(db, 'marker@demo.test');
	const moderatorId = await idOfUser(db, 'moderator@demo.test');
	const adminActor = { userId: await idOfUser(db, 'admin@demo.test'), label: 'admin@demo.test' };
	const centreActor = { userId: await idOfUser(db, 'centre@demo.test'), label: 'centre@demo.test' };

	// The demo sitting the candidates sign in to (not started: their saves and submits answer 409).
	const demoSitting = await db
		.selectFrom('sitting')
		.select('id')
		.where('keycode', '=', demo.sitting.keycode)
		.executeTakeFirstOrThrow();
	const attemptOf = async (candidateNumber: string) =>
		(
			await db
				.selectFrom('attempt as a')
				.innerJoin('candidate as c', 'c.id', 'a.candidate_id')
				.select('a.id')
				.where('a.sitting_id', '=', demoSitting.id)
				.where('c.candidate_number', '=', candidateNumber)
				.executeTakeFirstOrThrow()
		).id;

	// A sitting of the matrix's own for the console's and the booking page's actions (some of which
	// succeed on an empty form, e.g. "mark everyone present"): invigilator A is booked on it,
	// the unassigned invigilator of the same centre is not.
	const spare = [];
	for (const n of ['0901', '0902'])
		spare.push(
			(
				await registerCandidate(db, SYSTEM_ACTOR, centreA, {
					candidate_number: n,
					first_name: `Spare${n}`,
					last_name: 'Matrix'
				})
			).id
		);
	// Registered for the demo paper's qualification, as a booking needs.
	const unit = await db
		.selectFrom('paper')
		.select('unit_code')
		.where('code', '=', demo.sitting.paperCode)
		.executeTakeFirstOrThrow();
	await registerCandidates(
		db,
		centreA,
		spare,
		`${qualificationOfUnit(unit.unit_code)!.qualification.number}:${unit.unit_code}`
	);
	const consoleSitting = await bookSitting(db, centreActor, centreA, {
		paper_code: demo.sitting.paperCode,
		scheduled_at: new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString(),
		room: 'Matrix room',
		invigilator_ids: [invigilatorId],
		candidate_ids: spare
	});
	const [consoleAttempt, consoleAttempt2] = (
		await db
			.selectFrom('attempt')
			.select('id')
			.where('sitting_id', '=', consoleSitting.id)
			.orderBy('id')
			.execute()
	).map((a) => a.id);
	// A mock of a practice paper (its marking pages are the centre's), with a candidate of its own.
	const practice = await db
		.selectFrom('paper')
		.select('code')
		.where('kind', '=', 'practice')
		.orderBy('code')
		.executeTakeFirstOrThrow();
	const mockCandidate = await registerCandidate(db, SYSTEM_ACTOR, centreA, {
		candidate_number: '0904',
		first_name: 'Mock',
		last_name: 'Matrix'
	});
	const mockSitting = await bookSitting(db, centreActor, centreA, {
		paper_code: practice.code,
		purpose: 'mock',
		scheduled_at: new Date(Math.floor(Date.now() / 60_000) * 60_000 + 3_600_000).toISOString(),
		room: 'Matrix mock room',
		invigilator_ids: [invigilatorId],
		candidate_ids: [mockCandidate.id]
	});
	const mockAttempt = await db
		.selectFrom('attempt')
		.select('id')
		.where('sitting_id', '=', mockSitting.id)
		.executeTakeFirstOrThrow();
	const demoPaperVersion = await db
		.selectFrom('sitting')
		.select('paper_version_id')
		.where('id', '=', demoSitting.id)
		.executeTakeFirstOrThrow();
	// The demo's candidates ready for certification, claimed: a certificate for its download.
	await claimCertificates(db, centreActor, centreA);
	const certificate = await db
		.selectFrom('certificate')
		.select('id')
		.orderBy('id')
		.executeTakeFirstOrThrow();
	// A candidate with no sitting, whose record page's actions (withdraw, delete…) may do their work.
	const loneCandidate = await registerCandidate(db, SYSTEM_ACTOR, centreA, {
		candidate_number: '0903',
		first_name: 'Lone',
		last_name: 'Matrix'
	});

	// A released result (the demo's sitting of a week ago) and its attempt, for the results pages and downloads.
	const released = await db
		.selectFrom('sitting_results as sr')
		.innerJoin('sitting as s', 's.id', 'sr.sitting_id')
		.innerJoin('attempt as a', 'a.sitting_id', 's.id')
		.innerJoin('result as r', 'r.attempt_id', 'a.id')
		.select(['s.id as sittingId', 'a.id as attemptId'])
		.where('sr.released_at', 'is not', null)
		.where('r.grade', 'is not', null)
		.where('s.centre_id', '=', centreA)
		.orderBy('a.id')
		.executeTakeFirstOrThrow();

	// A script allocated to marker A (the demo's finished sitting), and one of its allocations.
	const allocation = await db
		.selectFrom('allocation as al')
		.innerJoin('script as sc', 'sc.id', 'al.script_id')
		.select(['al.id', 'al.script_id', 'sc.paper_version_id', 'sc.script_number'])
		.where('al.marker_id', '=', markerId)
		.where('al.purpose', '=', 'first')
		.where('al.withdrawn_at', 'is', null)
		.orderBy('al.id')
		.executeTakeFirstOrThrow();
	const paper = await db
		.selectFrom('paper_version as v')
		.innerJoin('paper as p', 'p.id', 'v.paper_id')
		.select(['p.code', 'p.id'])
		.where('v.id', '=', allocation.paper_version_id)
		.executeTakeFirstOrThrow();

	// A script referred to a moderator (second marking out of tolerance), for the moderation page.
	const referred = await db
		.selectFrom('script')
		.select(['id', 'paper_version_id'])
		.where('kind', '=', 'live')
		.where('id', '!=', allocation.script_id)
		// One quality control has not considered yet (a considered one's row may hold no second total).
		.where((eb) =>
			eb.not(
				eb.exists(
					eb
						.selectFrom('second_marking as sm')
						.select('sm.script_id')
						.whereRef('sm.script_id', '=', 'script.id')
				)
			)
		)
		.orderBy('id')
		.executeTakeFirstOrThrow();
	await db
		.insertInto('second_marking')
		.values({
			script_id: referred.id,
			paper_version_id: referred.paper_version_id,
			reason: 'sample',
			state: 'referred',
			considered_at: new Date(),
			first_total: 10,
			second_total: 20,
			second_marked_at: new Date(),
			referred_at: new Date()
		})
		.execute();

	// A review of marking of the released result, assigned to the demo moderator.
	const review = await requestReview(db, centreActor, {
		centreId: centreA,
		attemptId: released.attemptId,
		reason: 'The matrix asks for a review.'
	});
	await assignReviewer(db, adminActor, review.reviewId, moderatorId);

	// An account of no one's, for the user administration page (its actions may disable it), and a
	// password link of its own.
	const spareUser = await createStaffAccount(db, SYSTEM_ACTOR, {
		email: 'spare@matrix.test',
		display_name: 'Spare Matrix',
		password: FIXTURE_PASSWORD,
		role: 'invigilator',
		centre_id: centreA
	});
	const link = await issuePasswordToken(db, spareUser.id, 'set');
	const spareMembership = await db
		.selectFrom('membership')
		.select('id')
		.where('user_id', '=', spareUser.id)
		.executeTakeFirstOrThrow();

	return {
		staff,
		centreNumber: '900001',
		keycode: demo.sitting.keycode,
		candidateNumber: '0004',
		otherCandidateNumber: '0002',
		ids: {
			centreA,
			centreB: centreB.id,
			demoSitting: demoSitting.id,
			candidateAttempt: await attemptOf('0004'),
			otherCandidateAttempt: await attemptOf('0002'),
			consoleSitting: consoleSitting.id,
			consoleAttempt: consoleAttempt!,
			consoleAttempt2: consoleAttempt2!,
			loneCandidate: loneCandidate.id,
			releasedSitting: released.sittingId,
			releasedAttempt: released.attemptId,
			script: allocation.script_id,
			allocation: allocation.id,
			paperVersion: allocation.paper_version_id,
			paperCode: paper.code,
			paperId: paper.id,
			item1: '1',
			scriptNumber: allocation.script_number,
			referredScript: referred.id,
			review: review.reviewId,
			marker: markerId,
			unassignedInvigilator: unassignedInvigilatorId,
			spareUser: spareUser.id,
			spareMembership: String(spareMembership.id),
			passwordToken: link.token,
			mockSitting: mockSitting.id,
			mockAttempt: mockAttempt.id,
			practiceCode: practice.code,
			demoPaperVersion: demoPaperVersion.paper_version_id,
			certificate: certificate.id
		}
	};
}

const handle = await openDatabase(databaseConfigFromEnv(), 'owner');
try {
	await migrateToLatest(handle.db);
	await bankImport(handle);
	const fixtures = await seed(handle.db);
	console.log(`AUTHZ_FIXTURES ${JSON.stringify(fixtures)}`);
} finally {
	await handle.close();
}
