/**
 * How the audit log reads to the awarding administrator: actions in plain words, details as
 * "key: value" lines and changes as "before → after". Pure: the entries come from the server.
 */

const ACTION_LABELS: Record<string, string> = {
	'auth.sign_in': 'Signed in',
	'auth.sign_out': 'Signed out',
	'auth.sign_out_all': 'Signed out everywhere',
	'bank.import_version': 'Paper version imported',
	'bank.revert_version': 'Paper version reverted',
	'candidate.correct': 'Candidate details corrected',
	'candidate.delete': 'Candidate record deleted',
	'candidate.import_csv': 'Candidates registered from a file',
	'candidate.register': 'Candidate registered',
	'candidate.update_arrangements': 'Access arrangements changed',
	'candidate.withdraw': 'Candidate withdrawn',
	'candidate.reinstate': 'Candidate reinstated',
	'centre.create': 'Centre created',
	'paper.update_boundaries': 'Grade boundaries changed',
	'sitting.book': 'Sitting booked',
	'sitting.cancel': 'Sitting cancelled',
	'sitting.reschedule': 'Sitting moved',
	'sitting.add_candidates': 'Candidates added to a sitting',
	'sitting.remove_candidate': 'Candidate removed from a sitting',
	'sitting.change_invigilators': 'Sitting invigilators changed',
	'user.create': 'Staff account created',
	'user.update': 'Staff account changed',
	'user.add_role': 'Role given to a staff account',
	'user.remove_role': 'Role taken from a staff account',
	'user.reset_password': 'Password reset',
	'user.set_password': 'Password set from a link',
	'user.change_password': 'Own password changed',
	'user.disable': 'Staff account disabled',
	'user.enable': 'Staff account enabled'
};

/** "Candidate details corrected" for a known action; otherwise the action's code with its dots and underscores as spaces. */
export function actionLabel(action: string): string {
	return (
		ACTION_LABELS[action] ?? action.replace(/[._]/g, ' ').replace(/^./, (c) => c.toUpperCase())
	);
}

function show(value: unknown): string {
	if (value === null || value === undefined || value === '') return '–';
	if (typeof value === 'boolean') return value ? 'yes' : 'no';
	if (Array.isArray(value)) return value.length ? value.map(show).join(', ') : '–';
	if (typeof value === 'object') {
		return Object.entries(value as Record<string, unknown>)
			.map(([k, v]) => `${words(k)} ${show(v)}`)
			.join('; ');
	}
	return String(value);
}

function words(key: string): string {
	return key.replace(/_/g, ' ');
}

/**
 * Details as lines: each key "key: value"; a `before`/`after` pair as one line per field that
 * differs, "field: old → new". Text anyone typed stays text (the page renders it, never as markup).
 */
export function auditDetailLines(details: unknown): string[] {
	if (!details || typeof details !== 'object' || Array.isArray(details))
		return details === undefined || details === null ? [] : [show(details)];
	const d = details as Record<string, unknown>;
	const lines: string[] = [];
	const before = d.before;
	const after = d.after;
	const isPair = Boolean(
		before &&
		after &&
		typeof before === 'object' &&
		typeof after === 'object' &&
		!Array.isArray(before) &&
		!Array.isArray(after)
	);
	if (isPair) {
		const b = before as Record<string, unknown>;
		const a = after as Record<string, unknown>;
		for (const key of [...new Set([...Object.keys(b), ...Object.keys(a)])]) {
			if (JSON.stringify(b[key]) === JSON.stringify(a[key])) continue;
			lines.push(`${words(key)}: ${show(b[key])} → ${show(a[key])}`);
		}
	}
	for (const [key, value] of Object.entries(d)) {
		if ((key === 'before' || key === 'after') && isPair) continue;
		lines.push(`${words(key)}: ${show(value)}`);
	}
	return lines;
}
