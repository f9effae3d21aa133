/**
 * What happened in a sitting, as the awarding body reads it before approving its results
 * (issue 21, item 3): the incidents, the voids, and everything done on the day that was not on a
 * candidate's approved arrangements (extra time, rest breaks, late or other-day starts, moves to
 * another computer, pauses), and the late saves the server refused. Pure.
 */

/** One entry of the sitting's log, with what the record needs of its candidate. */
export interface LoggedEvent {
	kind: string;
	/** Null for an entry about the whole room. */
	candidateNumber: string | null;
	minutes: number | null;
	reason: string | null;
	at: Date;
	/** Whether the candidate's approved arrangements include rest breaks (null for the room). */
	restBreaksArranged: boolean | null;
}

export interface SittingRecordInput {
	events: readonly LoggedEvent[];
	/** Attempts of the sitting that stand voided now. */
	voided: number;
	/** Saves refused after the deadline or the submission, kept or only counted. */
	refusedSaves: number;
}

/** The kinds of entry the record shows, in the words of its heading. */
export const RECORD_KINDS = {
	incident: 'Incident logged',
	void: 'Attempt voided',
	reinstate: 'Void reversed',
	extra_time: 'Extra time given on the day',
	rest_break_start: 'Rest break not in the arrangements',
	start_one: 'Late start',
	start_other_day: 'Started on another day than booked',
	allow_move: 'Moved to another computer',
	pause: 'Candidate paused',
	pause_all: 'Whole room paused'
} as const;

export type RecordKind = keyof typeof RECORD_KINDS;

export interface RecordEntry {
	kind: RecordKind;
	what: string;
	candidateNumber: string | null;
	at: Date;
	/** The reason given (the incident's description, the extra time's reason…). */
	reason: string | null;
	minutes: number | null;
}

export interface SittingRecord {
	entries: RecordEntry[];
	/** How many entries of each kind (kinds with none are absent). */
	counts: Partial<Record<RecordKind, number>>;
	voided: number;
	refusedSaves: number;
	/** Nothing to look at: no entry, no void, no refused save. */
	clean: boolean;
}

const isRecordKind = (kind: string): kind is RecordKind => Object.hasOwn(RECORD_KINDS, kind);

/** Whether a log entry belongs on the record: a rest break only when it was not arranged. */
function onRecord(e: LoggedEvent): e is LoggedEvent & { kind: RecordKind } {
	if (!isRecordKind(e.kind)) return false;
	if (e.kind === 'rest_break_start') return e.restBreaksArranged === false;
	return true;
}

/** The sitting's record, oldest entry first. */
export function sittingRecord(input: SittingRecordInput): SittingRecord {
	const entries = input.events
		.filter(onRecord)
		.map((e): RecordEntry => ({
			kind: e.kind,
			what: RECORD_KINDS[e.kind],
			candidateNumber: e.candidateNumber,
			at: e.at,
			reason: e.reason,
			minutes: e.minutes
		}))
		.sort((a, b) => a.at.getTime() - b.at.getTime());
	const counts: Partial<Record<RecordKind, number>> = {};
	for (const e of entries) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
	return {
		entries,
		counts,
		voided: input.voided,
		refusedSaves: input.refusedSaves,
		clean: entries.length === 0 && input.voided === 0 && input.refusedSaves === 0
	};
}
