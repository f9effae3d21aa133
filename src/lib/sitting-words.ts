/**
 * The words a centre uses for a sitting's and an attempt's states and for the events in a sitting's
 * log: the pages show these, never the names stored in the database.
 */
export const SITTING_STATE_WORDS: Record<string, string> = {
	scheduled: 'Booked, not started yet',
	running: 'Running',
	ended: 'Ended',
	cancelled: 'Cancelled'
};

export const ATTEMPT_STATE_WORDS: Record<string, string> = {
	not_started: 'Waiting to start',
	reading: 'Reading time',
	in_progress: 'Answering',
	paused: 'Paused',
	submitted: 'Submitted',
	absent: 'Absent',
	void: 'Voided'
};

export const EVENT_WORDS: Record<string, string> = {
	candidate_sign_in: 'signed in',
	moved_computer: 'signed in on another computer',
	present: 'marked present',
	absent: 'marked absent',
	start: 'sitting started',
	start_other_day: 'started on another day than booked',
	start_one: 'started (late arrival)',
	pause: 'paused',
	pause_all: 'everyone paused',
	resume: 'resumed',
	resume_all: 'everyone resumed',
	rest_break_start: 'rest break began',
	rest_break_end: 'rest break ended',
	extra_time: 'extra time given',
	incident: 'incident',
	void: 'attempt voided',
	reinstate: 'attempt reinstated',
	allow_move: 'allowed to move computer',
	unlock_sign_in: 'sign-in unlocked',
	submit: 'submitted',
	auto_submit: 'submitted at the deadline',
	end: 'sitting ended'
};

export const words = (table: Record<string, string>, key: string): string =>
	table[key] ?? key.replaceAll('_', ' ');

/** The log entries that are incidents: those the invigilator logged, and voided (and reinstated) attempts. */
export const INCIDENT_KINDS: readonly string[] = ['incident', 'void', 'reinstate'];
