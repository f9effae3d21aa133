import type { Kysely } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';

import { isPaperReleased } from '../../domain/question-paper.js';
import { clockView, settleAttempt } from '../attempts/clock.js';
import type { Database } from '../db/schema.js';
import { loaded, type LoadedAttempt } from './candidate-session.js';
import { builtQuestionPaper, questionPaperUrl } from './question-paper.js';

/**
 * What the candidate's exam page needs: own answers (with their sequence numbers), clock, and where
 * the question paper is. The paper itself is not in it: every candidate on a paper gets the same,
 * so it is built once and fetched from its own address (questionPaperUrl), compressed and cached.
 */
export async function candidateExamView(
	db: Kysely<Database>,
	attemptRef: string | LoadedAttempt,
	now = new Date()
) {
	const { row, paperVersionId } = await loaded(db, attemptRef);
	const a = await settleAttempt(db, row, now);
	const attemptId = a.id;
	// One round trip for the page's own data (the start of an exam is 2,000 of these at once): the
	// answers come with it as JSON.
	const infoQuery = db
		.selectFrom('sitting as s')
		.innerJoin('paper_version as v', 'v.id', 's.paper_version_id')
		.innerJoin('attempt as a', 'a.sitting_id', 's.id')
		.innerJoin('candidate as c', 'c.id', 'a.candidate_id')
		.innerJoin('centre as ce', 'ce.id', 's.centre_id')
		.select([
			'v.title',
			'v.total_marks',
			'v.reading_minutes',
			's.state as sitting_state',
			's.room',
			'c.first_name',
			'c.last_name',
			'c.candidate_number',
			'ce.number as centre_number',
			'ce.name as centre_name'
		])
		.select((eb) =>
			jsonArrayFrom(
				eb
					.selectFrom('response as r')
					.select(['r.item_key', 'r.seq', 'r.text'])
					.whereRef('r.attempt_id', '=', 'a.id')
					.orderBy('r.item_key')
			).as('responses')
		)
		.where('a.id', '=', attemptId)
		.executeTakeFirstOrThrow();
	// The paper is confidential until the sitting starts: its address is given only once reading has
	// begun (and the address itself refuses anyone else).
	const [{ responses, ...info }, paperUrl] = await Promise.all([
		infoQuery,
		isPaperReleased(a) ? builtQuestionPaper(db, paperVersionId).then(questionPaperUrl) : null
	]);
	return { attempt: a, info, responses, paperUrl, clock: clockView(a, now) };
}
