import type { Actions, PageServerLoad, RequestEvent } from './$types';
import { actorOf } from '$lib/server/http/auth';
import { requireSittingRunner } from '$lib/server/http/sitting-access';
import { consoleLog, consoleRows, quarantineOverview, QUARANTINE_PREVIEW_CHARS } from '$lib/server/delivery/console';
import {
	allowMove,
	endSitting,
	markAllPresent,
	extendTime,
	logIncident,
	markAttendance,
	pause,
	resume,
	startAttempt,
	startSitting,
	voidAttempt,
	type ActionContext
} from '$lib/server/delivery/invigilation';
import { unlockCandidateSignIn } from '$lib/server/delivery/sign-in-unlock';
import { failFromError } from '$lib/server/http/responses';

/** The sitting, if the user is booked to invigilate it or administers its centre. */
const guard = (event: Pick<RequestEvent, 'locals' | 'url' | 'params'>) => requireSittingRunner(event, event.params.sittingId);

export const load: PageServerLoad = async (event) => {
	const sitting = await guard(event);
	const now = new Date();
	const [rows, log, quarantine] = await Promise.all([
		consoleRows(event.locals.db, sitting.id, now),
		consoleLog(event.locals.db, sitting.id),
		quarantineOverview(event.locals.db, sitting.id)
	]);
	return { sitting, rows, ...log, quarantine, previewChars: QUARANTINE_PREVIEW_CHARS, serverNow: now.toISOString() };
};

type Handler = (db: App.Locals['db'], ctx: ActionContext, sittingId: string, data: FormData) => Promise<unknown>;

/** Every console action: guard, run the service, report its error inline (4xx) without changing anything. */
function action(run: Handler) {
	return async (event: RequestEvent) => {
		const sitting = await guard(event);
		const data = await event.request.formData();
		try {
			await run(event.locals.db, { actor: actorOf(event), centreId: sitting.centreId }, sitting.id, data);
			return { ok: true };
		} catch (err) {
			return failFromError(err, { attemptId: String(data.get('attempt_id') ?? '') });
		}
	};
}

const attempt = (d: FormData) => String(d.get('attempt_id') ?? '');
const reason = (d: FormData) => String(d.get('reason') ?? '');
const orNull = (s: string) => (s ? s : null);

export const actions: Actions = {
	present: action((db, c, s, d) => markAttendance(db, c, s, attempt(d), true)),
	absent: action((db, c, s, d) => markAttendance(db, c, s, attempt(d), false)),
	all_present: action((db, c, s) => markAllPresent(db, c, s)),
	start: action((db, c, s) => startSitting(db, c, s)),
	start_one: action((db, c, s, d) => startAttempt(db, c, s, attempt(d))),
	pause: action((db, c, s, d) => pause(db, c, s, orNull(attempt(d)), reason(d))),
	resume: action((db, c, s, d) => resume(db, c, s, orNull(attempt(d)), reason(d))),
	extend: action((db, c, s, d) => extendTime(db, c, s, attempt(d), d.get('minutes'), reason(d))),
	incident: action((db, c, s, d) => logIncident(db, c, s, orNull(attempt(d)), reason(d))),
	void: action((db, c, s, d) => voidAttempt(db, c, s, attempt(d), reason(d))),
	allow_move: action((db, c, s, d) => allowMove(db, c, s, attempt(d), reason(d))),
	unlock_sign_in: action((db, c, s, d) => unlockCandidateSignIn(db, c, s, attempt(d))),
	end: action((db, c, s) => endSitting(db, c, s))
};
