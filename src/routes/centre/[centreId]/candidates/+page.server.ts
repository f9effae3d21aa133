import { fail } from '@sveltejs/kit';

import { CANDIDATE_CSV_COLUMNS, countOf, type RowError } from '$lib/domain/candidates';
import { importCandidates } from '$lib/server/centres/candidate-import';
import { listCandidates, registerCandidate } from '$lib/server/centres/candidates';
import { parseCandidateCsv } from '$lib/server/centres/csv';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, formValues } from '$lib/server/http/responses';

import type { Actions, PageServerLoad } from './$types';

const MAX_CSV_BYTES = 1024 * 1024;

export const load: PageServerLoad = async ({ locals, params, url }) => ({
	candidates: await listCandidates(locals.db, params.centreId),
	deleted: url.searchParams.get('deleted') === '1'
});

export const actions: Actions = {
	add: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		const data = await event.request.formData();
		const values = formValues(data, CANDIDATE_CSV_COLUMNS);
		const input = {
			...values,
			rest_breaks: data.has('rest_breaks'),
			reader: data.has('reader'),
			scribe: data.has('scribe')
		};
		try {
			const c = await registerCandidate(
				event.locals.db,
				actorOf(event),
				event.params.centreId,
				input
			);
			return { added: `${c.candidate_number} ${c.first_name} ${c.last_name}` };
		} catch (err) {
			return failFromError(err, values);
		}
	},
	upload: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		const data = await event.request.formData();
		const file = data.get('file');
		const uploadFail = (message: string, rowErrors: RowError[] = []) =>
			fail(400, { upload: true, message, rowErrors });
		// With no file chosen a browser sends an empty part with no name; a chosen empty file has its name.
		if (!(file instanceof File) || (file.size === 0 && !file.name))
			return uploadFail('Choose a CSV file to upload.');
		if (file.size > MAX_CSV_BYTES) return uploadFail(`${file.name}: the file is larger than 1 MB.`);
		const parsed = parseCandidateCsv(await file.text());
		if (!parsed.ok)
			return uploadFail(`${file.name}: ${parsed.message}. Nothing was saved.`, parsed.errors);
		const result = await importCandidates(
			event.locals.db,
			actorOf(event),
			event.params.centreId,
			parsed.records,
			file.name,
			parsed.lines,
			parsed.errors
		);
		if (!result.ok)
			return uploadFail(
				`${file.name} has ${countOf(result.errors.length, 'problem')}. Nothing was saved; correct the file and upload it again.`,
				result.errors
			);
		return { imported: result.count, fileName: file.name };
	}
};
