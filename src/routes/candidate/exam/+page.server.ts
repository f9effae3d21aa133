import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { candidateExamView } from '$lib/server/delivery/candidate';

export const load: PageServerLoad = async ({ locals }) => {
	if (!locals.candidate) redirect(303, '/candidate/signin');
	const v = await candidateExamView(locals.db, locals.candidate.attempt);
	return {
		attemptId: v.attempt.id,
		candidate: { name: `${v.info.first_name} ${v.info.last_name}`, number: v.info.candidate_number, centre: `${v.info.centre_number} ${v.info.centre_name}` },
		title: v.info.title,
		totalMarks: v.info.total_marks,
		readingMinutes: v.info.reading_minutes,
		paper: v.paper,
		responses: Object.fromEntries(v.responses.map((r) => [r.item_key, { seq: r.seq, text: r.text }])),
		clock: v.clock
	};
};
