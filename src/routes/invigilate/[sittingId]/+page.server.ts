import type { Actions, PageServerLoad, RequestEvent } from './$types';
import { fail } from '@sveltejs/kit';
import { actorOf, requireRole } from '$lib/server/auth/http';
import { getSitting } from '$lib/server/sittings';
import { consoleRows, incidentsOf, quarantinedSaves, sittingEvents } from '$lib/server/delivery/console';
import { allowMove, endSitting, markAllPresent, extendTime, logIncident, markAttendance, pause, resume, startAttempt, startSitting, voidAttempt, type ActionContext } from '$lib/server/delivery/attempts';
import { AppError } from '$lib/server/errors';
import { orError } from '$lib/server/routes';

/** The sitting, if the user invigilates at its centre (another centre's sitting is a 404). */
async function guard(event: Pick<RequestEvent, 'locals' | 'url' | 'params' | 'getClientAddress'>) {
	requireRole(event, ['invigilator']);
	const sitting = await orError(getSitting(event.locals.db, event.params.sittingId));
	requireRole(event, ['invigilator'], sitting.centreId);
	return sitting;
}

export const load: PageServerLoad = async (event) => {
	const sitting = await guard(event);
	const now = new Date();
	const [rows, events, quarantine] = await Promise.all([
		consoleRows(event.locals.db, sitting.id, now),
		sittingEvents(event.locals.db, sitting.id),
		quarantinedSaves(event.locals.db, sitting.id)
	]);
	return { sitting, rows, events, incidents: incidentsOf(events), quarantine, serverNow: now.toISOString() };
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
			if (err instanceof AppError) return fail(err.status, { message: err.message, attemptId: String(data.get('attempt_id') ?? '') });
			throw err;
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
	end: action((db, c, s) => endSitting(db, c, s))
};
