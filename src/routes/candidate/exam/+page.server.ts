import { redirect } from '@sveltejs/kit';

import { candidateExamView } from '$lib/server/delivery/exam-view';

import type { PageServerLoad } from './$types';

/**
 * The exam page renders in the browser only. It cannot work without JavaScript (autosave, clock),
 * and rendering the whole paper on the server for every candidate was most of the app's CPU when a
 * room of 2,000 signs in at once; the browser fetches the same data as JSON instead. It also means
 * no server-rendered answer box exists for text to be typed into before the page is live.
 */
export const ssr = false;

export const load: PageServerLoad = async ({ locals }) => {
	if (!locals.candidate) redirect(303, '/candidate/signin');
	const v = await candidateExamView(locals.db, locals.candidate.attempt);
	return {
		attemptId: v.attempt.id,
		candidate: {
			name: `${v.info.first_name} ${v.info.last_name}`,
			number: v.info.candidate_number,
			centre: `${v.info.centre_number} ${v.info.centre_name}`
		},
		title: v.info.title,
		totalMarks: v.info.total_marks,
		readingMinutes: v.info.reading_minutes,
		// The paper comes from its own address (+page.ts): built once for every candidate, compressed.
		paperUrl: v.paperUrl,
		responses: Object.fromEntries(
			v.responses.map((r) => [r.item_key, { seq: r.seq, text: r.text }])
		),
		clock: v.clock
	};
};
