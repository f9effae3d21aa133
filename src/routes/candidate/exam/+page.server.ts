import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { candidateExamView } from '$lib/server/delivery/candidate';
import { paperSchema } from '$lib/domain/paper';

export const load: PageServerLoad = async ({ locals }) => {
	if (!locals.candidate) redirect(303, '/candidate/signin');
	const v = await candidateExamView(locals.db, locals.candidate.attemptId);
	// The paper is confidential until the sitting starts: send it only once reading time has begun.
	const started = v.attempt.started_at !== null && v.clock.state !== 'void';
	return {
		attemptId: v.attempt.id,
		candidate: { name: `${v.info.first_name} ${v.info.last_name}`, number: v.info.candidate_number, centre: `${v.info.centre_number} ${v.info.centre_name}` },
		title: v.info.title,
		totalMarks: v.info.total_marks,
		paper: started ? paperSchema.parse(v.info.content) : null,
		responses: Object.fromEntries(v.responses.map((r) => [r.item_key, { seq: r.seq, text: r.text }])),
		clock: v.clock
	};
};
