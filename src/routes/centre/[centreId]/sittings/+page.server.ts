import { redirect } from '@sveltejs/kit';

import { listPapers } from '$lib/server/bank/papers';
import { listCandidates } from '$lib/server/centres/candidates';
import { listCentreInvigilators } from '$lib/server/centres/centres';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError } from '$lib/server/http/responses';
import { registrationProgress } from '$lib/server/registrations/progress';
import { bookSitting } from '$lib/server/sittings/booking';
import { listCentreSittings } from '$lib/server/sittings/queries';

import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const invigilators = await listCentreInvigilators(locals.db, params.centreId);
	// A resit is booked on a paper the candidate has not sat: the form says which beside their name.
	const resits = new Map(
		(await registrationProgress(locals.db, params.centreId))
			.filter((p) => p.next.startsWith('Resit due'))
			.map((p) => [p.candidateId, p.next])
	);
	return {
		sittings: await listCentreSittings(locals.db, params.centreId),
		papers: (await listPapers(locals.db)).map((p) => ({
			code: p.code,
			label: `${p.code} – ${p.title} (${p.kind})`
		})),
		candidates: (await listCandidates(locals.db, params.centreId))
			.filter((c) => !c.withdrawn_at)
			.map((c) => ({
				id: c.id,
				label: `${c.candidate_number} ${c.first_name} ${c.last_name}${resits.has(c.id) ? ` – ${resits.get(c.id)}` : ''}`,
				extra: c.extra_time_percent
			})),
		invigilators
	};
};

export const actions: Actions = {
	book: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		const data = await event.request.formData();
		const values = {
			paper_code: String(data.get('paper_code') ?? ''),
			scheduled_at: String(data.get('scheduled_at') ?? ''),
			room: String(data.get('room') ?? ''),
			late_entry_minutes: String(data.get('late_entry_minutes') ?? ''),
			invigilator_ids: data.getAll('invigilator_ids').map(String),
			candidate_ids: data.getAll('candidate_ids').map(String),
			purpose: String(data.get('purpose') ?? 'live')
		};
		// "All candidates" ticked: every candidate on the register (without JavaScript the boxes below it stay as they were).
		if (data.get('select_all') === 'yes')
			values.candidate_ids = (await listCandidates(event.locals.db, event.params.centreId)).map(
				(c) => c.id
			);
		let id: string;
		try {
			id = (await bookSitting(event.locals.db, actorOf(event), event.params.centreId, values)).id;
		} catch (err) {
			return failFromError(err, values);
		}
		redirect(303, `/centre/${event.params.centreId}/sittings/${id}`);
	}
};
