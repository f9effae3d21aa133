import { sql, type Kysely } from 'kysely';

import { effectiveState, type AttemptState, type PauseKind } from '../../domain/attempt.js';
import { timeLeftMs } from '../../domain/timing.js';
import { INCIDENT_KINDS } from '../../sitting-words.js';
import { clockOf } from '../attempts/attempt-store.js';
import { settleAttempt } from '../attempts/clock.js';
import type { Database } from '../db/schema.js';

export interface ConsoleRow {
	attemptId: string;
	candidateNumber: string;
	name: string;
	present: boolean;
	state: AttemptState;
	pauseReason: string | null;
	pauseKind: PauseKind | null;
	lastSavedAt: string | null;
	answered: number;
	items: number;
	timeLeftMs: number | null;
	deadlineAt: string | null;
	extraTimePercent: number;
	extensionMinutes: number;
	restBreaks: boolean;
	reader: boolean;
	scribe: boolean;
	/** When the candidate last signed in to this sitting (the sitting's log), before or after the start. */
	signedInAt: string | null;
	moveAllowed: boolean;
	reference: string | null;
}

/** The invigilator's live table: one row per candidate, settled to now; only the given attempts' rows when `attemptIds` is given (the live console's changed rows). */
export async function consoleRows(
	db: Kysely<Database>,
	sittingId: string,
	now = new Date(),
	attemptIds?: readonly string[]
): Promise<ConsoleRow[]> {
	if (attemptIds && attemptIds.length === 0) return [];
	let query = db
		.selectFrom('attempt as a')
		.innerJoin('candidate as c', 'c.id', 'a.candidate_id')
		.selectAll('a')
		.select([
			'c.candidate_number',
			'c.first_name',
			'c.last_name',
			'c.extra_time_percent as candidate_extra',
			'c.rest_breaks as candidate_rest_breaks',
			'c.reader',
			'c.scribe',
			(eb) =>
				eb
					.selectFrom('sitting_event as e')
					.select((e) => e.fn.max('e.occurred_at').as('at'))
					.whereRef('e.attempt_id', '=', 'a.id')
					.where('e.kind', '=', 'candidate_sign_in')
					.as('signed_in_at'),
			(eb) =>
				eb
					.selectFrom('response as r')
					.select(eb.fn.countAll<number>().as('n'))
					.whereRef('r.attempt_id', '=', 'a.id')
					.where('r.text', '<>', '')
					.as('answered')
		])
		.where('a.sitting_id', '=', sittingId)
		.orderBy('c.candidate_number');
	if (attemptIds) query = query.where('a.id', 'in', attemptIds);
	const rows = await query.execute();
	const items = await db
		.selectFrom('paper_item as i')
		.innerJoin('sitting as s', 's.paper_version_id', 'i.paper_version_id')
		.select((eb) => eb.fn.countAll<number>().as('n'))
		.where('s.id', '=', sittingId)
		.executeTakeFirstOrThrow();
	const out: ConsoleRow[] = [];
	for (const r of rows) {
		const a = await settleAttempt(db, r, now);
		const clock = clockOf(a);
		const started = a.started_at !== null;
		out.push({
			attemptId: a.id,
			candidateNumber: r.candidate_number,
			name: `${r.first_name} ${r.last_name}`,
			present: a.present,
			state: effectiveState(a.state, a.reading_ends_at, now),
			pauseReason: a.pause_reason,
			pauseKind: a.pause_kind,
			lastSavedAt: a.last_saved_at?.toISOString() ?? null,
			answered: Number(r.answered ?? 0),
			items: Number(items.n),
			timeLeftMs:
				clock && a.state !== 'submitted' && a.state !== 'void' ? timeLeftMs(clock, now) : null,
			deadlineAt: a.deadline_at?.toISOString() ?? null,
			// Before the start, arrangements come from the register (they are copied at the start).
			extraTimePercent: started ? a.extra_time_percent : r.candidate_extra,
			extensionMinutes: a.extension_minutes,
			restBreaks: started ? a.rest_breaks : r.candidate_rest_breaks,
			reader: r.reader,
			scribe: r.scribe,
			signedInAt: r.signed_in_at ? new Date(r.signed_in_at).toISOString() : null,
			moveAllowed: a.move_allowed_at !== null,
			reference: a.reference
		});
	}
	return out;
}

/** A sitting's log entries, each with the candidate it is about (none for the whole room). */
function logEntries(db: Kysely<Database>, sittingId: string, order: 'asc' | 'desc') {
	return db
		.selectFrom('sitting_event as e')
		.leftJoin('attempt as a', 'a.id', 'e.attempt_id')
		.leftJoin('candidate as c', 'c.id', 'a.candidate_id')
		.select([
			'e.id',
			'e.kind',
			'e.reason',
			'e.minutes',
			'e.actor_label',
			'e.occurred_at',
			'c.candidate_number'
		])
		.where('e.sitting_id', '=', sittingId)
		.orderBy('e.id', order);
}

/** The sitting's log: every event, newest first (`'asc'` for a report read from the start), or only the newest `limit`. */
export async function sittingEvents(
	db: Kysely<Database>,
	sittingId: string,
	order: 'asc' | 'desc' = 'desc',
	limit?: number
) {
	const q = logEntries(db, sittingId, order);
	return (limit === undefined ? q : q.limit(limit)).execute();
}

/** How many log entries the console shows (newest first); the report prints them all. */
export const CONSOLE_LOG_ROWS = 200;

/** What the console shows of the log: its newest entries, how many there are in all, and every incident and void (however old). */
export async function consoleLog(db: Kysely<Database>, sittingId: string) {
	const [events, total, incidents] = await Promise.all([
		sittingEvents(db, sittingId, 'desc', CONSOLE_LOG_ROWS),
		db
			.selectFrom('sitting_event')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('sitting_id', '=', sittingId)
			.executeTakeFirstOrThrow(),
		logEntries(db, sittingId, 'desc')
			.where('e.kind', 'in', [...INCIDENT_KINDS])
			.execute()
	]);
	return { events, eventCount: Number(total.n), incidents };
}

/** The incidents of a sitting's log (INCIDENT_KINDS). */
export function incidentsOf<E extends { kind: string }>(events: readonly E[]): E[] {
	return events.filter((e) => INCIDENT_KINDS.includes(e.kind));
}

/**
 * The invigilator's report of a sitting, for the centre's records: each candidate's outcome, every
 * incident, every save refused after the deadline (never part of a script), and the whole log.
 */
export async function sittingReport(db: Kysely<Database>, sittingId: string, now = new Date()) {
	const [rows, quarantine, events] = await Promise.all([
		consoleRows(db, sittingId, now),
		quarantinedSaves(db, sittingId),
		sittingEvents(db, sittingId, 'asc')
	]);
	return { rows, incidents: incidentsOf(events), quarantine, events };
}

/** How many characters of a refused save the console shows; the report prints it whole. */
export const QUARANTINE_PREVIEW_CHARS = 120;
/** How many refused saves the console lists (newest first); the rest are counted. */
export const CONSOLE_QUARANTINE_ROWS = 50;

export interface QuarantineOverview {
	/** Per candidate with refused saves: how many are kept word for word, and how many were only counted. */
	byCandidate: { candidateNumber: string; kept: number; counted: number }[];
	/** The newest refused saves, each with a short preview (never the whole text: one candidate must not flood the console). */
	latest: {
		id: number;
		candidateNumber: string;
		itemKey: string;
		reason: string;
		receivedAt: Date;
		preview: string;
		chars: number;
	}[];
}

/** The console's view of refused saves: counts per candidate and short previews of the newest. */
export async function quarantineOverview(
	db: Kysely<Database>,
	sittingId: string
): Promise<QuarantineOverview> {
	const [counts, latest] = await Promise.all([
		db
			.selectFrom('attempt as a')
			.innerJoin('candidate as c', 'c.id', 'a.candidate_id')
			.select((eb) => [
				'c.candidate_number',
				'a.quarantine_overflow',
				eb
					.selectFrom('save_quarantine as q')
					.select(eb.fn.countAll<number>().as('n'))
					.whereRef('q.attempt_id', '=', 'a.id')
					.as('kept')
			])
			.where('a.sitting_id', '=', sittingId)
			.orderBy('c.candidate_number')
			.execute(),
		db
			.selectFrom('save_quarantine as q')
			.innerJoin('attempt as a', 'a.id', 'q.attempt_id')
			.innerJoin('candidate as c', 'c.id', 'a.candidate_id')
			.select([
				'q.id',
				'q.item_key',
				'q.reason',
				'q.received_at',
				'c.candidate_number',
				sql<string>`left(q.text, ${QUARANTINE_PREVIEW_CHARS})`.as('preview'),
				sql<number>`char_length(q.text)`.as('chars')
			])
			.where('a.sitting_id', '=', sittingId)
			.orderBy('q.id', 'desc')
			.limit(CONSOLE_QUARANTINE_ROWS)
			.execute()
	]);
	return {
		byCandidate: counts
			.map((r) => ({
				candidateNumber: r.candidate_number,
				kept: Number(r.kept ?? 0),
				counted: r.quarantine_overflow
			}))
			.filter((r) => r.kept + r.counted > 0),
		latest: latest.map((q) => ({
			id: q.id,
			candidateNumber: q.candidate_number,
			itemKey: q.item_key,
			reason: q.reason,
			receivedAt: q.received_at,
			preview: q.preview,
			chars: Number(q.chars)
		}))
	};
}

/** Saves refused after the deadline or in a closed state, whole: for the invigilator's report. */
export async function quarantinedSaves(db: Kysely<Database>, sittingId: string) {
	return db
		.selectFrom('save_quarantine as q')
		.innerJoin('attempt as a', 'a.id', 'q.attempt_id')
		.innerJoin('candidate as c', 'c.id', 'a.candidate_id')
		.select([
			'q.id',
			'q.item_key',
			'q.seq',
			'q.text',
			'q.reason',
			'q.received_at',
			'c.candidate_number'
		])
		.where('a.sitting_id', '=', sittingId)
		.orderBy('q.id')
		.execute();
}
