import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import { validateSessionToken } from '../../src/lib/server/auth/sessions.js';
import { approveResults, releaseResults } from '../../src/lib/server/awarding/approval.js';
import { computeSittingResults } from '../../src/lib/server/awarding/compute.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { validateCandidateToken } from '../../src/lib/server/delivery/candidate-session.js';
import { recordMark } from '../../src/lib/server/marking/marks.js';
import {
	issueResultsAccessCode,
	RESULTS_SIGN_IN_REFUSED,
	resultsForCandidate,
	signInForResults,
	validateResultsToken
} from '../../src/lib/server/reports/candidate-access.js';
import { assignReviewer, eligibleModerators } from '../../src/lib/server/reviews/assignment.js';
import { decideReview, reviewForModerator } from '../../src/lib/server/reviews/decision.js';
import { requestReview, withdrawReview } from '../../src/lib/server/reviews/requests.js';
import { updateReviewSettings } from '../../src/lib/server/reviews/settings.js';
import { createTestDatabase } from '../helpers/db.js';
import { makeCentre, makeStaff } from '../helpers/fixtures.js';
import { giveMarks, makeScripts } from '../helpers/marking-fixture.js';

let h: DatabaseHandle;
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

// The fixture paper: items 1 (FL), 2 (FN), 3.a (FM), 3.b (FO), 5 marks each; pass 12, first class 16.
const FULL = {
	'1': 'Members of the public and businesses',
	'2': 'Phone and email',
	'3.a': 'Trust',
	'3.b': 'Listen, apologise, put it right'
};
const DAY = 24 * 3600_000;

/** A released sitting: candidate 0 failed (11 of 20), candidate 1 passed; marked by one marker. */
async function released(opts: { release?: boolean } = {}) {
	const f = await makeScripts(h.db, [FULL, FULL]);
	const marker = await makeStaff(h.db, 'marker');
	await giveMarks(h.db, f.scriptOf(0)!.id, marker.id, { '1': 4, '2': 4, '3.a': 2, '3.b': 1 });
	await giveMarks(h.db, f.scriptOf(1)!.id, marker.id, { '1': 4, '2': 4, '3.a': 4, '3.b': 1 });
	await computeSittingResults(h.db, SYSTEM_ACTOR, f.sitting.id, 'computed');
	await approveResults(h.db, SYSTEM_ACTOR, f.paperVersionId);
	if (opts.release !== false) await releaseResults(h.db, SYSTEM_ACTOR, f.paperVersionId);
	const centreAdmin = await makeStaff(h.db, 'centre_admin', f.centre.id);
	const admin = await makeStaff(h.db, 'awarding_admin');
	const actorOf = (u: { id: string; email: string }) => ({ userId: u.id, label: u.email });
	const failing = f.attemptOf(f.candidates[0]!.id);
	return { ...f, marker, centreAdmin, admin, actorOf, failing };
}

async function versions(attemptId: string) {
	return h.db
		.selectFrom('result')
		.select(['version', 'grade', 'total', 'cause'])
		.where('attempt_id', '=', attemptId)
		.orderBy('version')
		.execute();
}

/** The moderator re-marks every item through the marking screen's own path (recordMark). */
async function remark(moderatorId: string, reviewId: string, marks: Record<string, number>) {
	const view = await reviewForModerator(h.db, moderatorId, reviewId);
	for (const item of view.items) {
		await recordMark(h.db, {
			markerId: moderatorId,
			allocationId: item.allocationId!,
			award: { kind: 'mark', mark: marks[item.key]! }
		});
	}
}

describe('reviews of marking', () => {
	it('a review makes a new result version and keeps the old; the centre and the candidate see the outcome', async () => {
		const f = await released();
		expect(await versions(f.failing)).toEqual([
			{ version: 1, grade: 'Fail', total: 11, cause: 'computed' }
		]);
		const { reviewId, stage } = await requestReview(h.db, f.actorOf(f.centreAdmin), {
			centreId: f.centre.id,
			attemptId: f.failing,
			reason: 'Question 3(b) answer covers apology and remedy'
		});
		expect(stage).toBe(1);
		// One open review per result.
		await expect(
			requestReview(h.db, f.actorOf(f.centreAdmin), {
				centreId: f.centre.id,
				attemptId: f.failing,
				reason: 'again'
			})
		).rejects.toThrow(/already under way/);

		const moderator = await makeStaff(h.db, 'moderator');
		expect((await eligibleModerators(h.db, reviewId)).map((m) => m.id)).toContain(moderator.id);
		await assignReviewer(h.db, f.actorOf(f.admin), reviewId, moderator.id);
		// Issuing before every item is re-marked is refused.
		await expect(decideReview(h.db, f.actorOf(moderator), reviewId)).rejects.toThrow(
			/Re-mark every question/
		);
		// Another moderator cannot decide it, nor see it.
		const other = await makeStaff(h.db, 'moderator');
		await expect(decideReview(h.db, f.actorOf(other), reviewId)).rejects.toThrow(/No such review/);
		await expect(reviewForModerator(h.db, other.id, reviewId)).rejects.toMatchObject({
			status: 404
		});
		// What the moderator sees names neither the candidate nor the centre.
		const view = JSON.stringify(await reviewForModerator(h.db, moderator.id, reviewId));
		expect(view).not.toContain(f.candidates[0]!.first_name);
		expect(view).not.toContain(f.centre.number);

		await remark(moderator.id, reviewId, { '1': 4, '2': 4, '3.a': 2, '3.b': 3 });
		expect(await decideReview(h.db, f.actorOf(moderator), reviewId)).toEqual({
			outcome: 'grade_changed',
			version: 2
		});
		expect(await versions(f.failing)).toEqual([
			{ version: 1, grade: 'Fail', total: 11, cause: 'computed' },
			{ version: 2, grade: 'Pass', total: 13, cause: 'review' }
		]);
		const review = await h.db
			.selectFrom('review')
			.selectAll()
			.where('id', '=', reviewId)
			.executeTakeFirstOrThrow();
		expect(review).toMatchObject({
			state: 'informed',
			outcome: 'grade_changed',
			moderator_id: moderator.id
		});
		const events = await h.db
			.selectFrom('review_event')
			.select(['from_state', 'to_state'])
			.where('review_id', '=', reviewId)
			.orderBy('id')
			.execute();
		expect(events).toEqual([
			{ from_state: null, to_state: 'requested' },
			{ from_state: 'requested', to_state: 'in_review' },
			{ from_state: 'in_review', to_state: 'decided' },
			{ from_state: 'decided', to_state: 'informed' }
		]);
		const audit = await h.db
			.selectFrom('audit_log')
			.select('action')
			.where('subject_id', '=', reviewId)
			.execute();
		expect(audit.map((a) => a.action)).toEqual(
			expect.arrayContaining([
				'review.requested',
				'review.assigned',
				'review.decided',
				'review.informed'
			])
		);
		// The event log is append-only.
		await expect(
			h.db
				.updateTable('review_event')
				.set({ actor_label: 'x' })
				.where('review_id', '=', reviewId)
				.execute()
		).rejects.toThrow();

		// What the candidate (and the centre's page) is shown: the latest version, the history, the review.
		const seen = await resultsForCandidate(h.db, f.candidates[0]!.id);
		expect(seen).toHaveLength(1);
		expect(seen[0]!.latest).toMatchObject({ version: 2, grade: 'Pass' });
		expect(seen[0]!.history.map((v) => v.version)).toEqual([1]);
		expect(seen[0]!.reviews[0]).toMatchObject({
			state: 'informed',
			outcome: 'grade_changed',
			new_version: 2
		});

		// Stage 2 only after stage 1 finished; stage 1's moderator has now marked the script, so cannot take it.
		const second = await requestReview(h.db, f.actorOf(f.centreAdmin), {
			centreId: f.centre.id,
			attemptId: f.failing,
			reason: 'Still disagree with 3(a)'
		});
		expect(second.stage).toBe(2);
		await expect(
			assignReviewer(h.db, f.actorOf(f.admin), second.reviewId, moderator.id)
		).rejects.toThrow(/already marked this script/);
	});

	it('a moderator who marked the script cannot take its review; the reply deadline comes from the settings', async () => {
		const f = await released();
		const moderator = await makeStaff(h.db, 'moderator');
		// The moderator resolved a second-marking pair on this script earlier.
		await giveMarks(h.db, f.scriptOf(0)!.id, moderator.id, { '1': 4 }, 'moderator');
		const now = new Date();
		const { reviewId, replyDueAt } = await requestReview(
			h.db,
			f.actorOf(f.centreAdmin),
			{ centreId: f.centre.id, attemptId: f.failing, reason: 'Marks look low' },
			now
		);
		expect(replyDueAt.getTime() - now.getTime()).toBe(56 * DAY);
		expect((await eligibleModerators(h.db, reviewId)).map((m) => m.id)).not.toContain(moderator.id);
		await expect(assignReviewer(h.db, f.actorOf(f.admin), reviewId, moderator.id)).rejects.toThrow(
			/already marked this script/
		);
		// Nor can the first marker (not a moderator at all).
		await expect(assignReviewer(h.db, f.actorOf(f.admin), reviewId, f.marker.id)).rejects.toThrow(
			/Choose a moderator/
		);
		const state = await h.db
			.selectFrom('review')
			.select('state')
			.where('id', '=', reviewId)
			.executeTakeFirstOrThrow();
		expect(state.state).toBe('requested');
		// The centre may withdraw a request nobody has taken yet.
		await withdrawReview(h.db, f.actorOf(f.centreAdmin), f.centre.id, reviewId);
		expect(
			(
				await h.db
					.selectFrom('review')
					.select('state')
					.where('id', '=', reviewId)
					.executeTakeFirstOrThrow()
			).state
		).toBe('withdrawn');
	});

	it('two requests for one result at the same moment: one is taken, the other told a review is under way', async () => {
		const f = await released();
		const ask = (reason: string) =>
			requestReview(h.db, f.actorOf(f.centreAdmin), {
				centreId: f.centre.id,
				attemptId: f.failing,
				reason
			});
		const outcomes = await Promise.allSettled([ask('First'), ask('Second')]);
		expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
		const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
		expect(String(refused.reason)).toMatch(/already under way/);
		expect(
			await h.db.selectFrom('review').select('id').where('attempt_id', '=', f.failing).execute()
		).toHaveLength(1);
	});

	it('outside the window, before release and from another centre the request is refused', async () => {
		const f = await released();
		const status = await h.db
			.selectFrom('sitting_results')
			.select('released_at')
			.where('sitting_id', '=', f.sitting.id)
			.executeTakeFirstOrThrow();
		await updateReviewSettings(h.db, f.actorOf(f.admin), {
			requestWindowDays: '10',
			replyDays: '20'
		});
		const late = new Date(status.released_at!.getTime() + 11 * DAY);
		await expect(
			requestReview(
				h.db,
				f.actorOf(f.centreAdmin),
				{ centreId: f.centre.id, attemptId: f.failing, reason: 'Too late' },
				late
			)
		).rejects.toThrow(/time to ask for a review has passed/);
		const inTime = await requestReview(
			h.db,
			f.actorOf(f.centreAdmin),
			{ centreId: f.centre.id, attemptId: f.failing, reason: 'In time' },
			new Date(status.released_at!.getTime() + 9 * DAY)
		);
		expect(inTime.replyDueAt.getTime() - status.released_at!.getTime()).toBe(29 * DAY);
		await updateReviewSettings(h.db, f.actorOf(f.admin), {
			requestWindowDays: '28',
			replyDays: '56'
		});

		// Another centre's administrator: not found, whichever centre they name.
		const elsewhere = await makeCentre(h.db);
		const stranger = await makeStaff(h.db, 'centre_admin', elsewhere.id);
		const other = f.attemptOf(f.candidates[1]!.id);
		await expect(
			requestReview(h.db, f.actorOf(stranger), {
				centreId: elsewhere.id,
				attemptId: other,
				reason: 'Not mine'
			})
		).rejects.toMatchObject({
			status: 404
		});

		// Before release: not found (the centre does not see the result yet).
		const g = await released({ release: false });
		await expect(
			requestReview(h.db, g.actorOf(g.centreAdmin), {
				centreId: g.centre.id,
				attemptId: g.failing,
				reason: 'Early'
			})
		).rejects.toMatchObject({
			status: 404
		});
		// A reason is required.
		await expect(
			requestReview(h.db, f.actorOf(f.centreAdmin), {
				centreId: f.centre.id,
				attemptId: other,
				reason: '  '
			})
		).rejects.toThrow(/Give the reason/);
	});
});

describe("candidates' results sign-in", () => {
	it('works with the access code after the exam day, is refused before release and is throttled', async () => {
		const f = await released();
		const cand = f.candidates[0]!;
		await h.db
			.updateTable('candidate')
			.set({ date_of_birth: '2004-05-06' })
			.where('id', '=', cand.id)
			.execute();
		const code = await issueResultsAccessCode(h.db, f.actorOf(f.centreAdmin), f.centre.id, cand.id);
		expect(code).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
		const stored = await h.db
			.selectFrom('results_access')
			.selectAll()
			.where('candidate_id', '=', cand.id)
			.executeTakeFirstOrThrow();
		expect(Buffer.from(stored.code_hash).toString('hex')).not.toContain(
			Buffer.from(code).toString('hex')
		);
		// Audited, without the code.
		const issued = await h.db
			.selectFrom('audit_log')
			.select(['action', 'details'])
			.where('subject_id', '=', cand.id)
			.where('action', 'like', 'results.access_code%')
			.execute();
		expect(issued.map((a) => a.action)).toEqual(['results.access_code_issued']);
		expect(JSON.stringify(issued)).not.toContain(code);

		const base = {
			centreNumber: f.centre.number,
			candidateNumber: cand.candidate_number,
			dateOfBirth: '2004-05-06',
			ip: '198.51.100.7'
		};
		const { token } = await signInForResults(h.db, {
			...base,
			code: code.toLowerCase().replaceAll('-', ' ')
		});
		const session = await validateResultsToken(h.db, token);
		expect(session?.candidateId).toBe(cand.id);
		// The results session opens nothing else: not the exam API, not a staff page.
		expect(await validateCandidateToken(h.db, token)).toBeNull();
		expect(await validateSessionToken(h.db, token)).toBeNull();
		// It expires.
		expect(await validateResultsToken(h.db, token, new Date(Date.now() + 31 * 60_000))).toBeNull();

		const seen = await resultsForCandidate(h.db, cand.id);
		expect(seen[0]!.latest).toMatchObject({ grade: 'Fail', total: 11 });
		expect(seen[0]!.codes.map((c) => c.code)).toEqual(seen[0]!.latest!.codes);
		expect(seen[0]!.codes.some((c) => c.area && c.words.length > 0)).toBe(true);

		await expect(
			signInForResults(h.db, { ...base, dateOfBirth: '2004-05-07', code })
		).rejects.toThrow(RESULTS_SIGN_IN_REFUSED);
		// Another centre's administrator cannot issue a code for this candidate.
		const elsewhere = await makeCentre(h.db);
		const stranger = await makeStaff(h.db, 'centre_admin', elsewhere.id);
		await expect(
			issueResultsAccessCode(h.db, f.actorOf(stranger), elsewhere.id, cand.id)
		).rejects.toMatchObject({ status: 404 });

		// Throttled: after five wrong tries from one address, even the right code is refused for now.
		const ip = '203.0.113.9';
		for (let i = 0; i < 5; i++)
			await expect(
				signInForResults(h.db, { ...base, ip, code: 'AAAA-AAAA-AAAA-AAAA' })
			).rejects.toThrow(RESULTS_SIGN_IN_REFUSED);
		await expect(signInForResults(h.db, { ...base, ip, code })).rejects.toMatchObject({
			status: 429
		});
	});

	it('nothing before release: no code can be issued and nothing is shown', async () => {
		const g = await released({ release: false });
		const cand = g.candidates[0]!;
		await expect(
			issueResultsAccessCode(h.db, g.actorOf(g.centreAdmin), g.centre.id, cand.id)
		).rejects.toThrow(/released/);
		expect(await resultsForCandidate(h.db, cand.id)).toEqual([]);
		// Even with a code from an earlier release elsewhere in its history, an unreleased sitting gives no sign-in.
		await h.db
			.updateTable('candidate')
			.set({ date_of_birth: '2001-01-01' })
			.where('id', '=', cand.id)
			.execute();
		await h.db
			.insertInto('results_access')
			.values({ candidate_id: cand.id, code_hash: new Uint8Array(32) })
			.execute();
		await expect(
			signInForResults(h.db, {
				centreNumber: g.centre.number,
				candidateNumber: cand.candidate_number,
				dateOfBirth: '2001-01-01',
				code: 'AAAA',
				ip: '192.0.2.1'
			})
		).rejects.toThrow(/do not match/);
	});
});
