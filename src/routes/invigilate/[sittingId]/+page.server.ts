import { decideAccess } from '$lib/domain/roles';
import { judgeStartDay } from '$lib/domain/sitting';
import { type ActionContext } from '$lib/server/attempts/official-action';
import { unlockCandidateSignIn } from '$lib/server/delivery/sign-in-unlock';
import { ValidationError } from '$lib/server/errors';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { formAction } from '$lib/server/http/form-action';
import { requireSittingRunner } from '$lib/server/http/sitting-access';
import { markAllPresent, markAttendance } from '$lib/server/invigilation/attendance';
import { extendTime, pause, resume } from '$lib/server/invigilation/clock-actions';
import {
	consoleLog,
	consoleRows,
	QUARANTINE_PREVIEW_CHARS,
	quarantineOverview
} from '$lib/server/invigilation/console';
import { endSitting } from '$lib/server/invigilation/end';
import { allowMove, logIncident } from '$lib/server/invigilation/incidents';
import { startAttempt, startSitting } from '$lib/server/invigilation/start';
import { reinstateAttempt, voidAttempt } from '$lib/server/invigilation/voiding';

import type { Actions, PageServerLoad, RequestEvent } from './$types';

/** The sitting, if the user is booked to invigilate it or administers its centre. */
const guard = (event: Pick<RequestEvent, 'locals' | 'url' | 'params'>) =>
	requireSittingRunner(event, event.params.sittingId);

export const load: PageServerLoad = async (event) => {
	const sitting = await guard(event);
	const now = new Date();
	const [rows, log, quarantine] = await Promise.all([
		consoleRows(event.locals.db, sitting.id, now),
		consoleLog(event.locals.db, sitting.id),
		quarantineOverview(event.locals.db, sitting.id)
	]);
	const startDay = judgeStartDay(now, sitting.scheduledAt);
	return {
		sitting,
		rows,
		...log,
		quarantine,
		previewChars: QUARANTINE_PREVIEW_CHARS,
		serverNow: now.toISOString(),
		startDay,
		// Only the centre administrator reinstates a voided attempt.
		mayReinstate:
			decideAccess(event.locals.user?.grants ?? null, {
				roles: ['centre_admin'],
				centreId: sitting.centreId
			}) === 'allow'
	};
};

/** Runs the service; returns what was done, in words ("Paused 12 candidates."). */
type Handler = (
	db: App.Locals['db'],
	ctx: ActionContext,
	sittingId: string,
	data: FormData,
	event: RequestEvent
) => Promise<string>;

/**
 * Every console action: guard, run the service, say what was done (the page shows it in a status
 * message), or report its error inline (4xx) without changing anything.
 */
const action = (run: Handler) =>
	formAction(
		{
			guard: (event: RequestEvent) => guard(event),
			values: (data: FormData) => ({ attemptId: String(data.get('attempt_id') ?? '') })
		},
		async ({ event, data, guarded: sitting }) => ({
			ok: true,
			done: await run(
				event.locals.db,
				{ actor: actorOf(event), centreId: sitting.centreId },
				sitting.id,
				data,
				event
			),
			attemptId: String(data.get('attempt_id') ?? '') || null
		})
	);

const attempt = (d: FormData) => String(d.get('attempt_id') ?? '');
const reason = (d: FormData) => String(d.get('reason') ?? '');
const orNull = (s: string) => (s ? s : null);
const candidates = (n: number) => (n === 1 ? '1 candidate' : `${n} candidates`);

/** Voiding ends a candidate's exam: the server asks for the box ticked, so a slip of the finger changes nothing. */
function requireConfirmed(d: FormData, field: string, message: string): void {
	if (d.get(field) !== 'yes') throw new ValidationError(message, [{ field, message }]);
}

const STATE_WORDS: Record<string, string> = {
	not_started: 'not started',
	reading: 'in reading time',
	in_progress: 'answering',
	paused: 'paused',
	submitted: 'submitted'
};

export const actions: Actions = {
	present: action(
		async (db, c, s, d) => (await markAttendance(db, c, s, attempt(d), true), 'Marked present.')
	),
	absent: action(
		async (db, c, s, d) => (await markAttendance(db, c, s, attempt(d), false), 'Marked absent.')
	),
	all_present: action(
		async (db, c, s) => `Marked ${candidates(await markAllPresent(db, c, s))} present.`
	),
	start: action(
		async (db, c, s, d) =>
			`Started ${candidates(await startSitting(db, c, s, { confirmed: d.get('other_day_confirm') === 'yes', reason: String(d.get('other_day_reason') ?? '') }))}.`
	),
	start_one: action(
		async (db, c, s, d) => (
			await startAttempt(db, c, s, attempt(d), String(d.get('reason') ?? '')),
			'Started.'
		)
	),
	pause: action(async (db, c, s, d) => {
		const n = await pause(db, c, s, orNull(attempt(d)), reason(d));
		return attempt(d) ? 'Paused.' : `Paused ${candidates(n)}.`;
	}),
	resume: action(async (db, c, s, d) => {
		const n = await resume(db, c, s, orNull(attempt(d)), reason(d));
		return attempt(d) ? 'Resumed.' : `Resumed ${candidates(n)}.`;
	}),
	extend: action(
		async (db, c, s, d) => (
			await extendTime(db, c, s, attempt(d), d.get('minutes'), reason(d)),
			`Gave ${Number(d.get('minutes'))} extra minutes.`
		)
	),
	incident: action(
		async (db, c, s, d) => (
			await logIncident(db, c, s, orNull(attempt(d)), reason(d)),
			'Incident recorded.'
		)
	),
	void: action(async (db, c, s, d) => {
		requireConfirmed(
			d,
			'confirm',
			'Tick “Yes, void this attempt” to confirm: voiding ends the candidate’s exam'
		);
		await voidAttempt(db, c, s, attempt(d), reason(d));
		return 'Attempt voided.';
	}),
	reinstate: action(async (db, c, s, d, event) => {
		requireRole(event, ['centre_admin'], c.centreId);
		const state = await reinstateAttempt(db, c, s, attempt(d), reason(d));
		return `Attempt reinstated: ${STATE_WORDS[state] ?? state}.`;
	}),
	allow_move: action(
		async (db, c, s, d) => (
			await allowMove(db, c, s, attempt(d), reason(d)),
			'May now sign in on another computer.'
		)
	),
	unlock_sign_in: action(
		async (db, c, s, d) => (await unlockCandidateSignIn(db, c, s, attempt(d)), 'Sign-in unlocked.')
	),
	end: action(
		async (db, c, s) =>
			`Ended the sitting: ${candidates(await endSitting(db, c, s))} still working had their answers submitted.`
	)
};
