import { count } from '$lib/domain/words';
import { listCandidates } from '$lib/server/centres/candidates';
import { listCentreInvigilators } from '$lib/server/centres/centres';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { formAction } from '$lib/server/http/form-action';
import { orError } from '$lib/server/http/responses';
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

/**
 * Every change on this page: the centre administrator only; run the service, say what was done
 * (the page shows it in a status message), or report its error on the form it came from (4xx),
 * with the fields named here as they were sent, without changing anything.
 */
const change = (form: string, fields: readonly string[] = []) => ({
	guard: (event: RequestEvent) => requireRole(event, ['centre_admin'], event.params.centreId),
	form,
	values: (data: FormData) =>
		Object.fromEntries(
			fields.map((f) => [
				f,
				data.getAll(f).length > 1 ? data.getAll(f).map(String) : String(data.get(f) ?? '')
			])
		)
});
const ids = (d: FormData, field: string) => d.getAll(field).map(String);
const candidates = (n: number) => count(n, 'candidate');

export const actions: Actions = {
	reschedule: formAction(
		change('reschedule', ['scheduled_at', 'room']),
		async ({ event: e, data: d }) => (
			await rescheduleSitting(e.locals.db, actorOf(e), e.params.centreId, e.params.sittingId, {
				scheduled_at: String(d.get('scheduled_at') ?? ''),
				room: String(d.get('room') ?? '')
			}),
			{ ok: true, done: 'Sitting moved. The change is in the audit log.' }
		)
	),
	cancel: formAction(
		change('cancel', ['reason']),
		async ({ event: e, data: d }) => (
			await cancelSitting(
				e.locals.db,
				actorOf(e),
				e.params.centreId,
				e.params.sittingId,
				String(d.get('reason') ?? '')
			),
			{
				ok: true,
				done: 'Sitting cancelled. Its keycode no longer signs anyone in; its candidates can be booked on another sitting.'
			}
		)
	),
	add_candidates: formAction(change('add_candidates'), async ({ event: e, data: d }) => ({
		ok: true,
		done: `Added ${candidates(await addCandidatesToSitting(e.locals.db, actorOf(e), e.params.centreId, e.params.sittingId, { candidate_ids: ids(d, 'candidate_ids') }))}.`
	})),
	remove_candidate: formAction(change('remove_candidate'), async ({ event: e, data: d }) => ({
		ok: true,
		done: `Removed candidate ${await removeCandidateFromSitting(e.locals.db, actorOf(e), e.params.centreId, e.params.sittingId, String(d.get('attempt_id') ?? ''))}.`
	})),
	invigilators: formAction(
		change('invigilators'),
		async ({ event: e, data: d }) => (
			await setSittingInvigilators(e.locals.db, actorOf(e), e.params.centreId, e.params.sittingId, {
				invigilator_ids: ids(d, 'invigilator_ids')
			}),
			{ ok: true, done: 'Invigilators saved.' }
		)
	)
};
