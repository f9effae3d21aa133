import type { Kysely } from 'kysely';

import type { Database } from '../../src/lib/server/db/schema.js';
import { markAttendance } from '../../src/lib/server/invigilation/attendance.js';
import { endSitting } from '../../src/lib/server/invigilation/end.js';
import { startSitting } from '../../src/lib/server/invigilation/start.js';
import { makeSitting } from './sitting-fixture.js';

/** Answers per item key ('1', '2', '3.a', '3.b' on the fixture paper); a missing key is left blank. */
export type Answers = Record<string, string>;

/**
 * An ended sitting of the fixture paper whose candidates wrote `answers[i]` and were submitted when
 * the invigilator ended it, so each has a script. The answers are written as the stored responses
 * (the autosave's own tests cover how they get there). Candidate `absent[i]` true is marked absent.
 */
export async function makeScripts(
	db: Kysely<Database>,
	answers: Answers[],
	opts: { absent?: number[] } = {}
) {
	// Booked and started a minute ago, so the start falls on the booked day whatever the hour.
	const t0 = new Date(Date.now() - 60_000);
	const f = await makeSitting(db, answers.length, [], { scheduledAt: t0 });
	for (const [i, c] of f.candidates.entries()) {
		await markAttendance(
			db,
			{ ...f.ctx, now: t0 },
			f.sitting.id,
			f.attemptOf(c.id),
			!opts.absent?.includes(i)
		);
	}
	await startSitting(db, { ...f.ctx, now: t0 }, f.sitting.id);
	for (const [i, c] of f.candidates.entries()) {
		for (const [itemKey, text] of Object.entries(answers[i]!)) {
			await db
				.insertInto('response')
				.values({
					attempt_id: f.attemptOf(c.id),
					item_key: itemKey,
					seq: 1,
					text,
					saved_at: new Date(t0.getTime() + 30_000)
				})
				.execute();
		}
	}
	await endSitting(db, { ...f.ctx, now: new Date() }, f.sitting.id);
	const scripts = await db
		.selectFrom('script')
		.innerJoin('attempt', 'attempt.id', 'script.attempt_id')
		.select([
			'script.id',
			'script.script_number',
			'script.paper_version_id',
			'attempt.candidate_id'
		])
		.where('attempt.sitting_id', '=', f.sitting.id)
		.where('script.kind', '=', 'live')
		.execute();
	/** The script of candidate i (by the order of `answers`), or undefined when they have none. */
	const scriptOf = (i: number) => scripts.find((s) => s.candidate_id === f.candidates[i]!.id);
	return { ...f, scripts, scriptOf, paperVersionId: f.sitting.paper_version_id };
}

/**
 * Gives marks on a script as a marker would have (rows of the append-only mark table), for tests
 * of what comes after marking. How marks are given is the marking screen's own tests' business.
 */
export async function giveMarks(
	db: Kysely<Database>,
	scriptId: string,
	markerId: string,
	marks: Record<string, number | { mark: number; fk: boolean }>,
	authority: 'first' | 'second' | 'moderator' = 'first'
) {
	for (const [itemKey, given] of Object.entries(marks)) {
		const { mark, fk } = typeof given === 'number' ? { mark: given, fk: false } : given;
		await db
			.insertInto('mark')
			.values({ script_id: scriptId, item_key: itemKey, marker_id: markerId, authority, mark, fk })
			.execute();
	}
}
