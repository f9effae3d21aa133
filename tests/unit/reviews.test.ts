import { describe, expect, it } from 'vitest';

import {
	daysLeft,
	DEFAULT_REVIEW_SETTINGS,
	isOverdue,
	judgeReviewRequest,
	reasonProblem,
	reviewOutcome,
	transitionReview,
	type ReviewState
} from '../../src/lib/domain/reviews.js';

const DAY = 24 * 3600_000;
const released = new Date('2026-12-01T09:00:00Z');
const at = (days: number) => new Date(released.getTime() + days * DAY);
const graded = { releasedAt: released, status: 'graded' as const, earlier: [] };

describe('asking for a review', () => {
	it('opens at release and closes after the window (28 days by default); the reply is due 56 days (eight weeks) after asking', () => {
		expect(
			judgeReviewRequest({ ...graded, releasedAt: null }, DEFAULT_REVIEW_SETTINGS, at(1))
		).toMatchObject({ ok: false, reason: /not been released/ });
		const v = judgeReviewRequest(graded, DEFAULT_REVIEW_SETTINGS, at(28));
		expect(v).toMatchObject({ ok: true, stage: 1 });
		expect(v.ok && v.replyDueAt.getTime()).toBe(at(28 + 56).getTime());
		expect(
			judgeReviewRequest(graded, DEFAULT_REVIEW_SETTINGS, new Date(at(28).getTime() + 1))
		).toMatchObject({ ok: false, reason: /time to ask/ });
		expect(
			judgeReviewRequest(graded, { requestWindowDays: 5, replyDays: 10 }, at(6))
		).toMatchObject({ ok: false });
	});
	it('only a graded result, one open review at a time, stage 2 only after stage 1 is finished, and no stage 3', () => {
		expect(
			judgeReviewRequest({ ...graded, status: 'absent' }, DEFAULT_REVIEW_SETTINGS, at(1))
		).toMatchObject({ ok: false, reason: /graded/ });
		for (const state of ['requested', 'in_review', 'decided'] as ReviewState[]) {
			expect(
				judgeReviewRequest(
					{ ...graded, earlier: [{ stage: 1, state, informedAt: null }] },
					DEFAULT_REVIEW_SETTINGS,
					at(2)
				)
			).toMatchObject({
				ok: false,
				reason: /under way/
			});
		}
		// A withdrawn request does not count: stage 1 may be asked again.
		expect(
			judgeReviewRequest(
				{ ...graded, earlier: [{ stage: 1, state: 'withdrawn', informedAt: null }] },
				DEFAULT_REVIEW_SETTINGS,
				at(2)
			)
		).toMatchObject({
			ok: true,
			stage: 1
		});
		// Stage 2's window runs from stage 1's reply, not from release.
		const stage1 = { stage: 1, state: 'informed' as const, informedAt: at(40) };
		expect(
			judgeReviewRequest({ ...graded, earlier: [stage1] }, DEFAULT_REVIEW_SETTINGS, at(60))
		).toMatchObject({ ok: true, stage: 2 });
		expect(
			judgeReviewRequest({ ...graded, earlier: [stage1] }, DEFAULT_REVIEW_SETTINGS, at(69))
		).toMatchObject({ ok: false });
		const stage2 = { stage: 2, state: 'informed' as const, informedAt: at(70) };
		expect(
			judgeReviewRequest({ ...graded, earlier: [stage1, stage2] }, DEFAULT_REVIEW_SETTINGS, at(71))
		).toMatchObject({ ok: false, reason: /final/ });
	});
	it('needs a reason', () => {
		expect(reasonProblem('   ')).toMatch(/Give the reason/);
		expect(reasonProblem('x'.repeat(2001))).toMatch(/2000/);
		expect(reasonProblem('Question 4 answer was not credited')).toBeNull();
	});
});

describe('the stages of a review', () => {
	const ok = { moderatorIsModerator: true, moderatorMarkedScript: false };
	it('goes requested → in_review → decided → informed, each stage finished before the next', () => {
		expect(transitionReview({ state: 'requested' }, { type: 'assign', ...ok })).toEqual({
			ok: true,
			state: 'in_review'
		});
		expect(
			transitionReview(
				{ state: 'in_review' },
				{ type: 'decide', byAssignedModerator: true, everyItemRemarked: true }
			)
		).toEqual({
			ok: true,
			state: 'decided'
		});
		expect(transitionReview({ state: 'decided' }, { type: 'inform' })).toEqual({
			ok: true,
			state: 'informed'
		});
		expect(
			transitionReview(
				{ state: 'requested' },
				{ type: 'decide', byAssignedModerator: true, everyItemRemarked: true }
			)
		).toMatchObject({ ok: false });
		expect(transitionReview({ state: 'in_review' }, { type: 'inform' })).toMatchObject({
			ok: false
		});
		expect(transitionReview({ state: 'informed' }, { type: 'assign', ...ok })).toMatchObject({
			ok: false,
			reason: /finished/
		});
	});
	it('refuses a moderator who marked the script, a decision before every item is re-marked, and a withdrawal once taken', () => {
		expect(
			transitionReview(
				{ state: 'requested' },
				{ type: 'assign', moderatorIsModerator: true, moderatorMarkedScript: true }
			)
		).toMatchObject({
			ok: false,
			reason: /already marked/
		});
		expect(
			transitionReview(
				{ state: 'requested' },
				{ type: 'assign', moderatorIsModerator: false, moderatorMarkedScript: false }
			)
		).toMatchObject({
			ok: false
		});
		expect(
			transitionReview(
				{ state: 'in_review' },
				{ type: 'decide', byAssignedModerator: true, everyItemRemarked: false }
			)
		).toMatchObject({
			ok: false,
			reason: /Re-mark every/
		});
		expect(
			transitionReview(
				{ state: 'in_review' },
				{ type: 'decide', byAssignedModerator: false, everyItemRemarked: true }
			)
		).toMatchObject({ ok: false });
		expect(transitionReview({ state: 'requested' }, { type: 'withdraw' })).toEqual({
			ok: true,
			state: 'withdrawn'
		});
		expect(transitionReview({ state: 'in_review' }, { type: 'withdraw' })).toMatchObject({
			ok: false
		});
	});
	it('names the outcome and knows when the reply is late', () => {
		const before = { grade: 'Fail', total: 11, codes: ['AA', 'FO'] };
		expect(reviewOutcome(before, before)).toBe('unchanged');
		expect(reviewOutcome(before, { ...before, total: 10 })).toBe('mark_changed');
		expect(reviewOutcome(before, { grade: 'Pass', total: 13, codes: [] })).toBe('grade_changed');
		const due = at(56);
		expect(isOverdue({ state: 'in_review', replyDueAt: due }, at(57))).toBe(true);
		expect(isOverdue({ state: 'informed', replyDueAt: due }, at(57))).toBe(false);
		expect(daysLeft(due, at(50))).toBe(6);
	});
});
