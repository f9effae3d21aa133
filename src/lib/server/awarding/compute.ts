import type { Kysely, Selectable, Transaction } from 'kysely';

import type { Level, PerformanceCode } from '../../domain/codes.js';
import {
	finalMarks,
	isAttempted,
	markingFinished,
	type MarkingProgress
} from '../../domain/marking.js';
import { paperSchema } from '../../domain/paper.js';
import {
	applyResultRules,
	itemMarksFrom,
	resultInputFor,
	type Grade,
	type ResultCause,
	type ResultInput,
	type ResultStatus
} from '../../domain/results.js';
import { secondMarkingOpen } from '../../domain/second-marking.js';
import { count } from '../../domain/words.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { ConflictError, NotFoundError } from '../errors.js';

interface SittingForResults {
	id: string;
	state: string;
	centreId: string;
	paperVersionId: string;
	input: ResultInput;
}

async function sittingForResults(
	db: Db,
	sittingId: string,
	lock: boolean
): Promise<SittingForResults> {
	const s = await db
		.selectFrom('sitting as s')
		.innerJoin('paper_version as v', 'v.id', 's.paper_version_id')
		.innerJoin('paper as p', 'p.id', 'v.paper_id')
		.innerJoin('unit as u', 'u.code', 'p.unit_code')
		.select([
			's.id',
			's.state',
			's.purpose',
			's.centre_id',
			's.paper_version_id',
			'v.content',
			'v.pass_mark',
			'v.first_class_mark',
			'u.level'
		])
		.where('s.id', '=', sittingId)
		.$if(lock, (q) => q.forUpdate('s'))
		.executeTakeFirst();
	if (!s) throw new NotFoundError('No such sitting');
	// A mock is marked by the centre and never resulted: no result, release, slip or CSV row can come of it.
	if (s.purpose !== 'live')
		throw new ConflictError('A mock sitting has no results: the centre marks it itself');
	return {
		id: s.id,
		state: s.state,
		centreId: s.centre_id,
		paperVersionId: s.paper_version_id,
		input: resultInputFor(paperSchema.parse(s.content), s.level as Level, {
			pass: s.pass_mark,
			firstClass: s.first_class_mark
		})
	};
}

interface ScriptMarks {
	attemptId: string;
	state: string;
	scriptId: string | null;
	finals: Map<string, { mark: number; fk: boolean }>;
	answers: Map<string, string>;
	openChecks: number;
}

/**
 * Every attempt of the sitting (or only `onlyAttemptId`, for a review of marking) with its script's
 * final marks, answers and open second marking/moderation.
 */
async function sittingScripts(
	db: Db,
	sittingId: string,
	onlyAttemptId?: string
): Promise<ScriptMarks[]> {
	const attempts = await db
		.selectFrom('attempt as a')
		.leftJoin('script as sc', (j) =>
			j.onRef('sc.attempt_id', '=', 'a.id').on('sc.kind', '=', 'live')
		)
		.select(['a.id as attemptId', 'a.state', 'sc.id as scriptId'])
		.where('a.sitting_id', '=', sittingId)
		.$if(onlyAttemptId !== undefined, (q) => q.where('a.id', '=', onlyAttemptId!))
		.execute();
	const scriptIds = attempts.map((a) => a.scriptId).filter((id): id is string => id !== null);
	const attemptIds = attempts.map((a) => a.attemptId);
	const [marks, answers, open, secondMarking, firstAllocated] = await Promise.all([
		scriptIds.length
			? db
					.selectFrom('mark')
					.select(['id', 'script_id', 'item_key', 'authority', 'mark', 'fk'])
					.where('script_id', 'in', scriptIds)
					.execute()
			: Promise.resolve([]),
		attemptIds.length
			? db
					.selectFrom('response')
					.select(['attempt_id', 'item_key', 'text'])
					.where('attempt_id', 'in', attemptIds)
					.execute()
			: Promise.resolve([]),
		scriptIds.length
			? db
					.selectFrom('allocation')
					.select(['script_id'])
					.where('script_id', 'in', scriptIds)
					.where('purpose', 'in', ['second', 'moderation'])
					.where('withdrawn_at', 'is', null)
					.where('completed_at', 'is', null)
					.execute()
			: Promise.resolve([]),
		scriptIds.length
			? db
					.selectFrom('second_marking')
					.select(['script_id', 'state'])
					.where('script_id', 'in', scriptIds)
					.execute()
			: Promise.resolve([]),
		scriptIds.length
			? db
					.selectFrom('allocation')
					.select('script_id')
					.distinct()
					.where('script_id', 'in', scriptIds)
					.where('purpose', '=', 'first')
					.where('withdrawn_at', 'is', null)
					.execute()
			: Promise.resolve([])
	]);
	const secondState = new Map(secondMarking.map((r) => [r.script_id, r.state]));
	const allocated = new Set(firstAllocated.map((r) => r.script_id));
	return attempts.map((a) => {
		const own = marks
			.filter((m) => m.script_id === a.scriptId)
			.map((m) => ({
				id: Number(m.id),
				itemKey: m.item_key,
				authority: m.authority,
				mark: m.mark,
				fk: m.fk
			}));
		return {
			attemptId: a.attemptId,
			state: a.state,
			scriptId: a.scriptId,
			finals: finalMarks(own),
			answers: new Map(
				answers.filter((r) => r.attempt_id === a.attemptId).map((r) => [r.item_key, r.text])
			),
			openChecks:
				open.filter((o) => o.script_id === a.scriptId).length +
				(a.scriptId && secondMarkingOpen(allocated.has(a.scriptId), secondState.get(a.scriptId))
					? 1
					: 0)
		};
	});
}

function progressOf(s: SittingForResults, scripts: readonly ScriptMarks[]): MarkingProgress {
	const live = scripts.filter((x) => x.state === 'submitted');
	return {
		scripts: live.filter((x) => x.scriptId).length,
		unmarked: live.filter((x) => x.scriptId && s.input.items.some((i) => !x.finals.has(i.key)))
			.length,
		inReview: live.filter((x) => x.openChecks > 0).length,
		withoutScript: live.filter((x) => !x.scriptId).length
	};
}

export async function markingProgress(db: Db, sittingId: string): Promise<MarkingProgress> {
	const s = await sittingForResults(db, sittingId, false);
	return progressOf(s, await sittingScripts(db, sittingId));
}

interface Outcome {
	status: ResultStatus;
	grade: Grade | null;
	total: number | null;
	codes: PerformanceCode[];
	profile: unknown;
}

function outcomeOf(s: SittingForResults, x: ScriptMarks): Outcome {
	if (x.state === 'void')
		return { status: 'void', grade: null, total: null, codes: [], profile: [] };
	if (x.state !== 'submitted')
		return { status: 'absent', grade: null, total: null, codes: [], profile: [] };
	const marks = itemMarksFrom(s.input.items, x.finals, (key) => isAttempted(x.answers.get(key)));
	const r = applyResultRules(s.input, marks);
	return { status: 'graded', grade: r.grade, total: r.total, codes: r.codes, profile: r.profile };
}

/**
 * Computes (or recomputes) a sitting's results with the same rules as `results explain`. Refused
 * while marking is unfinished and once the results are approved (a change after approval is a
 * review of marking). A candidate's result gets a new version only when it differs from their
 * latest, so computing twice changes nothing. Returns how many versions were written.
 */
export async function computeSittingResults(
	db: Kysely<Database>,
	actor: Actor,
	sittingId: string,
	cause: ResultCause,
	now = new Date()
): Promise<number> {
	return db.transaction().execute(async (tx) => {
		const s = await sittingForResults(tx, sittingId, true);
		if (s.state !== 'ended')
			throw new ConflictError('Results are computed once the sitting has ended');
		const status = await tx
			.selectFrom('sitting_results')
			.select(['approved_at'])
			.where('sitting_id', '=', sittingId)
			.executeTakeFirst();
		if (status?.approved_at)
			throw new ConflictError('These results are approved: a change now needs a review of marking');
		const scripts = await sittingScripts(tx, sittingId);
		const p = progressOf(s, scripts);
		if (!markingFinished(p)) {
			throw new ConflictError(
				`Marking is not finished: ${count(p.unmarked, 'script')} still to mark, ${count(p.inReview, 'script')} in second marking or moderation`
			);
		}
		const written = (await writeVersions(tx, s, scripts, cause, actor, now)).length;
		await tx
			.insertInto('sitting_results')
			.values({ sitting_id: sittingId, computed_at: now })
			.onConflict((oc) => oc.column('sitting_id').doUpdateSet({ computed_at: now }))
			.execute();
		await writeAudit(tx, actor, {
			action: 'results.computed',
			centreId: s.centreId,
			subjectType: 'sitting',
			subjectId: sittingId,
			details: {
				cause,
				versions: written,
				pass: s.input.boundaries.pass,
				first_class: s.input.boundaries.firstClass
			}
		});
		return written;
	});
}

/**
 * Writes a new result version for each script whose outcome differs from its latest version (or,
 * with `always`, for each script: a review of marking issues a version even when the re-mark
 * confirms the result, so the history shows it was reviewed). Returns the versions written.
 */
async function writeVersions(
	tx: Db,
	s: SittingForResults,
	scripts: readonly ScriptMarks[],
	cause: ResultCause,
	actor: Actor,
	now: Date,
	always = false
): Promise<Selectable<Database['result']>[]> {
	const latest = await latestVersions(
		tx,
		scripts.map((x) => x.attemptId)
	);
	const written: Selectable<Database['result']>[] = [];
	for (const x of scripts) {
		const o = outcomeOf(s, x);
		const held = latest.get(x.attemptId);
		const same =
			held &&
			held.status === o.status &&
			held.grade === o.grade &&
			held.total === o.total &&
			JSON.stringify(held.codes) === JSON.stringify(o.codes) &&
			held.pass_mark === s.input.boundaries.pass &&
			held.first_class_mark === s.input.boundaries.firstClass;
		if (same && !always) continue;
		const row = await tx
			.insertInto('result')
			.values({
				attempt_id: x.attemptId,
				version: (held?.version ?? 0) + 1,
				status: o.status,
				grade: o.grade,
				total: o.total,
				codes: JSON.stringify(o.codes),
				profile: JSON.stringify(o.profile),
				pass_mark: s.input.boundaries.pass,
				first_class_mark: s.input.boundaries.firstClass,
				cause: held ? cause : 'computed',
				computed_at: now,
				computed_by: actor.userId
			})
			.returningAll()
			.executeTakeFirstOrThrow();
		written.push(row);
	}
	return written;
}

/**
 * A review of marking's new result for one candidate, in the caller's transaction (which holds the
 * review's row lock): the same rules and the same writing as the sitting's computation, for the one
 * attempt, after approval (when computeSittingResults refuses). Refused while an item lacks a final
 * mark or quality control is still open on the script. Returns the version the review replaced and
 * the one it issued (cause 'review', written even when nothing changed).
 */
export async function issueReviewedResult(
	tx: Transaction<Database>,
	actor: Actor,
	attemptId: string,
	now: Date
): Promise<{ before: Selectable<Database['result']>; after: Selectable<Database['result']> }> {
	const a = await tx
		.selectFrom('attempt')
		.select(['sitting_id'])
		.where('id', '=', attemptId)
		.executeTakeFirst();
	if (!a) throw new NotFoundError('No such result');
	const s = await sittingForResults(tx, a.sitting_id, false);
	const status = await tx
		.selectFrom('sitting_results')
		.select(['approved_at'])
		.where('sitting_id', '=', a.sitting_id)
		.executeTakeFirst();
	if (!status?.approved_at)
		throw new ConflictError(
			'These results are not approved yet: a review of marking comes after release'
		);
	const scripts = await sittingScripts(tx, a.sitting_id, attemptId);
	const p = progressOf(s, scripts);
	if (!markingFinished(p))
		throw new ConflictError(
			'Every question of the script needs its re-mark before the outcome is issued'
		);
	const before = (await latestVersions(tx, [attemptId])).get(attemptId);
	if (!before) throw new NotFoundError('No such result');
	const [after] = await writeVersions(tx, s, scripts, 'review', actor, now, true);
	return { before, after: after! };
}

async function latestVersions(
	db: Db,
	attemptIds: readonly string[]
): Promise<Map<string, Selectable<Database['result']>>> {
	if (attemptIds.length === 0) return new Map();
	const rows = await db
		.selectFrom('result')
		.selectAll()
		.where('attempt_id', 'in', attemptIds)
		.distinctOn('attempt_id')
		.orderBy('attempt_id')
		.orderBy('version', 'desc')
		.execute();
	return new Map(rows.map((r) => [r.attempt_id, r]));
}

/**
 * Computes the results of every ended sitting that has none yet and whose marking is finished
 * (the periodic beat calls this: results appear when the last final mark is given). Returns how
 * many sittings were computed.
 */
export async function computeFinishedSittings(
	db: Kysely<Database>,
	now = new Date()
): Promise<number> {
	const waiting = await db
		.selectFrom('sitting as s')
		.leftJoin('sitting_results as r', 'r.sitting_id', 's.id')
		.select('s.id')
		.where('s.state', '=', 'ended')
		.where('s.purpose', '=', 'live')
		.where('r.sitting_id', 'is', null)
		.execute();
	let n = 0;
	for (const w of waiting) {
		const p = await markingProgress(db, w.id);
		if (!markingFinished(p)) continue;
		await computeSittingResults(db, { userId: null, label: 'system' }, w.id, 'computed', now);
		n++;
	}
	return n;
}
