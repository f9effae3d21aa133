/**
 * The exam API's shapes (DESIGN.md section 4), shared by the server and the candidate's page, so
 * the two cannot drift apart. Types only: nothing here runs.
 */
import type { AttemptState, PauseKind } from './domain/attempt.js';

export type AttemptStateName = AttemptState;

/** `GET /api/attempts/{id}/clock`, and the clock in the exam page's data. */
export interface ClockView {
	state: AttemptState;
	serverNow: string;
	startedAt: string | null;
	readingEndsAt: string | null;
	deadlineAt: string | null;
	timeLeftMs: number | null;
	pausedReason: string | null;
	/** Who stopped the clock: the invigilator, or the candidate's own rest break. */
	pauseKind: PauseKind | null;
	submittedAt: string | null;
	reference: string | null;
	extraTimePercent: number;
	restBreaks: boolean;
}

/** `PUT /api/attempts/{id}/responses/{itemKey}` body. */
export interface SaveBody {
	seq: number;
	text: string;
}

/** Its 200 answer. A stale save answers the stored seq with `applied: false`. */
export interface SaveResult {
	seq: number;
	savedAt: string;
	serverNow: string;
	applied: boolean;
}

/** `POST /api/attempts/{id}/submit`. */
export interface SubmitResult {
	state: 'submitted';
	submittedAt: string;
	reference: string;
}

/**
 * Why a 401 came: `moved`, the exam was taken over by another computer (the invigilator allowed a
 * move); `ended`, this computer's session ended (expired, signed out, or never signed in).
 */
export type SignedOut = 'moved' | 'ended';

/** Every refusal: the reason, the attempt's state where it matters, why a 401 came, and the server's time. */
export interface ApiErrorBody {
	error: string;
	state?: AttemptState;
	signedOut?: SignedOut;
	serverNow: string;
}
