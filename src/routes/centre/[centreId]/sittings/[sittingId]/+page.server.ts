import { count } from '$lib/domain/words';
import { listCandidates } from '$lib/server/centres/candidates';
import { listCentreInvigilators } from '$lib/server/centres/centres';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, orError } from '$lib/server/http/responses';
import { consoleRows } from '$lib/server/invigilation/console';
import { cancelSitting, rescheduleSitting } from '$lib/server/sittings/changes';
import {
	addCandidatesToSitting,
	removeCandidateFromSitting,
	setSittingInvigilators
} from '$lib/server/sittings/members';
import { getSitting, sittingInvigilators } from '$lib/server/sittings/queries';

import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const sitting = await orError(getSitting(locals.db, params.sittingId, params.centreId));
	const [rows, invigilators, centreInvigilators, register] = await Promise.all([
		consoleRows(locals.db, sitting.id),
		sittingInvigilators(locals.db, sitting.id),
		listCentreInvigilators(locals.db, params.centreId),
		listCandidates(locals.db, params.centreId)
	]);
	const inSitting = new Set(rows.map((r) => r.candidateNumber));
	return {
		sitting,
		rows,
		invigilators,
		centreInvigilators,
		// Who may still be added: on the register, not withdrawn, not in this sitting.
		addable: register
			.filter((c) => !c.withdrawn_at && !inSitting.has(c.candidate_number))
			.map((c) => ({ id: c.id, label: `${c.candidate_number} ${c.first_name} ${c.last_name}` }))
	};
};

/** Runs the service with the form's fields; returns what was done, in words ("Added 2 candidates."). */
type Handler = (
	db: App.Locals['db'],
	actor: ReturnType<typeof actorOf>,
	event: RequestEvent,
	data: FormData
) => Promise<string>;

/**
 * Every change on this page: the centre administrator only; run the service, say what was done
 * (the page shows it in a status message), or report its error on the form it came from (4xx)
 * without changing anything.
 */
function action(form: string, run: Handler, fields: readonly string[] = []) {
	return async (event: RequestEvent) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		const data = await event.request.formData();
		try {
			return { ok: true, done: await run(event.locals.db, actorOf(event), event, data), form };
		} catch (err) {
			return failFromError(err, {
				form,
				...Object.fromEntries(
					fields.map((f) => [
						f,
						data.getAll(f).length > 1 ? data.getAll(f).map(String) : String(data.get(f) ?? '')
					])
				)
			});
		}
	};
}

const ids = (d: FormData, field: string) => d.getAll(field).map(String);
const candidates = (n: number) => count(n, 'candidate');

export const actions: Actions = {
	reschedule: action(
		'reschedule',
		async (db, actor, e, d) => (
			await rescheduleSitting(db, actor, e.params.centreId, e.params.sittingId, {
				scheduled_at: String(d.get('scheduled_at') ?? ''),
				room: String(d.get('room') ?? '')
			}),
			'Sitting moved. The change is in the audit log.'
		),
		['scheduled_at', 'room']
	),
	cancel: action(
		'cancel',
		async (db, actor, e, d) => (
			await cancelSitting(
				db,
				actor,
				e.params.centreId,
				e.params.sittingId,
				String(d.get('reason') ?? '')
			),
			'Sitting cancelled. Its keycode no longer signs anyone in; its candidates can be booked on another sitting.'
		),
		['reason']
	),
	add_candidates: action(
		'add_candidates',
		async (db, actor, e, d) =>
			`Added ${candidates(await addCandidatesToSitting(db, actor, e.params.centreId, e.params.sittingId, { candidate_ids: ids(d, 'candidate_ids') }))}.`
	),
	remove_candidate: action(
		'remove_candidate',
		async (db, actor, e, d) =>
			`Removed candidate ${await removeCandidateFromSitting(db, actor, e.params.centreId, e.params.sittingId, String(d.get('attempt_id') ?? ''))}.`
	),
	invigilators: action(
		'invigilators',
		async (db, actor, e, d) => (
			await setSittingInvigilators(db, actor, e.params.centreId, e.params.sittingId, {
				invigilator_ids: ids(d, 'invigilator_ids')
			}),
			'Invigilators saved.'
		)
	)
};
