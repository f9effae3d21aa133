import type { Kysely } from 'kysely';

import { centreTime, formalDateTime } from '../../domain/centre-time.js';
import {
	box,
	fields,
	heading,
	paragraph,
	signatures,
	slips,
	table,
	title,
	type Block,
	type Cell,
	type Column,
	type SlipBlock
} from '../../domain/document.js';
import type { Database } from '../db/schema.js';
import { sittingReport } from '../invigilation/console.js';
import { getSitting, sittingRegister } from '../sittings/queries.js';
import { renderDocument } from './pdf.js';
import { wording } from './wording.js';

/**
 * A sitting's printable documents: the attendance register, the candidates' sign-in slips and the
 * invigilator's report. Each is a document tree; the wording below fills in sentences only, and every
 * value (names, the room, reasons, answers, e-mail addresses) stays the text of its own node or cell.
 */

const say = {
	centre: wording<{ number: string; name: string }>('Centre: {{number}} {{name}}'),
	paper: wording<{ paper: string }>('Paper: {{paper}}'),
	room: wording<{ room: string }>('Room: {{room}}'),
	when: wording<{ when: string }>('Date and time: {{when}}'),
	keycode: wording<{ keycode: string }>('Keycode: {{keycode}}'),
	status: wording<{ status: string; printed: string }>('Status: {{status}}. Printed {{printed}}.'),
	registerName: wording<{ firstName: string; lastName: string }>('{{lastName}}, {{firstName}}'),
	slipName: wording<{ firstName: string; lastName: string }>('{{firstName}} {{lastName}}'),
	slipSitting: wording<{ paper: string; room: string; when: string }>(
		'Paper: {{paper}}. Room: {{room}}. {{when}}.'
	),
	slipArrangements: wording<{ arrangements: string }>('Access arrangements: {{arrangements}}.'),
	answered: wording<{ answered: number; items: number }>('{{answered}} / {{items}}'),
	detail: wording<{ reason: string; minutes: number | null }>(
		'{{reason}}{{#if minutes}} ({{minutes}} min){{/if}}'
	)
};

/** Where a slip sends the candidate when the route gives no full address. */
export const DEFAULT_EXAM_URL = '/candidate/signin';
/** An empty value printed as a dash, so a reader sees it was empty rather than left out. */
const orDash = (s: string | null | undefined) => (s && s.trim() ? s : '-');
const words = (s: string) => s.replaceAll('_', ' ');

function arrangements(r: {
	extraTimePercent: number;
	restBreaks: boolean;
	reader: boolean;
	scribe: boolean;
}): string {
	return [
		r.extraTimePercent ? `${r.extraTimePercent}% extra time` : '',
		r.restBreaks ? 'rest breaks' : '',
		r.reader ? 'reader' : '',
		r.scribe ? 'scribe' : ''
	]
		.filter(Boolean)
		.join(', ');
}

async function context(db: Kysely<Database>, centreId: string, sittingId: string) {
	const s = await getSitting(db, sittingId, centreId);
	const centre = await db
		.selectFrom('centre')
		.select(['number', 'name'])
		.where('id', '=', centreId)
		.executeTakeFirstOrThrow();
	const rows = (await sittingRegister(db, sittingId)).map((r) => ({
		...r,
		arrangements: arrangements(r)
	}));
	return {
		centre,
		paper: `${s.paperCode} ${s.paperTitle}`,
		room: s.room,
		keycode: s.keycode,
		status: s.state,
		when: formalDateTime(s.scheduledAt),
		rows
	};
}

type Context = Awaited<ReturnType<typeof context>>;

/** The lines that say which sitting a document is about. */
const sittingLines = (c: Context): Block[] => [
	paragraph(say.centre(c.centre)),
	paragraph(say.paper(c)),
	paragraph(say.room(c)),
	paragraph(say.when(c))
];

const REGISTER_COLUMNS: Column[] = [
	{ label: 'No.', width: 50 },
	{ label: 'Candidate', width: 150 },
	{ label: 'Arrangements', width: 105 },
	{ label: 'Present', width: 50 },
	// About 5 cm: room for a signature.
	{ label: 'Signature', width: 140 }
];

export async function attendanceRegisterPdf(
	db: Kysely<Database>,
	centreId: string,
	sittingId: string
): Promise<Uint8Array> {
	const c = await context(db, centreId, sittingId);
	return renderDocument({
		title: 'Attendance register',
		footer: 'Attendance register',
		blocks: [
			title('Attendance register'),
			...sittingLines(c),
			paragraph(say.keycode(c)),
			table(
				REGISTER_COLUMNS,
				c.rows.map((r): Cell[] => [
					r.candidateNumber,
					say.registerName(r),
					orDash(r.arrangements),
					box,
					''
				]),
				{ minRowHeight: 28 }
			),
			paragraph(
				'Tick Present for each candidate in the room; each candidate signs in the Signature column.',
				'small'
			),
			signatures(
				{ label: "Invigilator's signature", lineWidth: 130 },
				{ label: 'Time started', lineWidth: 45 },
				{ label: 'Time ended', lineWidth: 45 }
			)
		]
	});
}

/**
 * One slip per candidate, several to a page with cut lines between them: how to sign in (the exam's
 * web address `examUrl`, centre and candidate numbers; the keycode is said aloud at the start).
 */
export async function signInSlipsPdf(
	db: Kysely<Database>,
	centreId: string,
	sittingId: string,
	examUrl: string = DEFAULT_EXAM_URL
): Promise<Uint8Array> {
	const c = await context(db, centreId, sittingId);
	const slip = (r: Context['rows'][number]): SlipBlock[] => [
		heading('Candidate sign-in slip'),
		paragraph(say.slipName(r), 'strong'),
		paragraph('Open the exam sign-in page in the web browser and sign in with:'),
		fields([
			['Web address', examUrl],
			['Centre number', c.centre.number],
			['Candidate number', r.candidateNumber],
			['Keycode', 'given by your invigilator at the start']
		]),
		paragraph(say.slipSitting(c)),
		...(r.arrangements ? [paragraph(say.slipArrangements(r))] : []),
		paragraph(
			'Your answers are saved as you type. If your computer fails, put up your hand: your invigilator can let you carry on at another computer with every saved answer and your own time.',
			'small'
		)
	];
	return renderDocument({
		title: 'Candidate sign-in slips',
		footer: 'Sign-in slips',
		blocks: [slips(3, c.rows.map(slip))]
	});
}

const CANDIDATE_COLUMNS: Column[] = [
	{ label: 'No.', width: 50 },
	{ label: 'Candidate', width: 125 },
	{ label: 'Outcome', width: 75 },
	{ label: 'Time added', width: 70 },
	{ label: 'Answered', width: 65 },
	{ label: 'Reference', width: 110 }
];
const EVENT_COLUMNS = (what: string): Column[] => [
	{ label: 'Time', width: 40 },
	{ label: 'Candidate', width: 65 },
	{ label: 'Event', width: 75 },
	{ label: what, width: 175 },
	{ label: 'By', width: 140 }
];
const QUARANTINE_COLUMNS: Column[] = [
	{ label: 'Time', width: 40 },
	{ label: 'Candidate', width: 65 },
	{ label: 'Question', width: 60 },
	{ label: 'Reason', width: 80 },
	{ label: 'Answer sent', width: 250 }
];

/** The invigilator's report (PDF) of one sitting of the centre. */
export async function invigilatorReportPdf(
	db: Kysely<Database>,
	centreId: string,
	sittingId: string,
	now = new Date()
): Promise<Uint8Array> {
	const c = await context(db, centreId, sittingId);
	const r = await sittingReport(db, sittingId, now);
	const event = (e: (typeof r.events)[number], detail: string): Cell[] => [
		centreTime(e.occurred_at, { seconds: false }),
		e.candidate_number ?? 'all',
		words(e.kind),
		orDash(detail),
		orDash(e.actor_label)
	];
	const orNone = (t: Block, none: string): Block =>
		t.kind === 'table' && t.rows.length === 0 ? paragraph(none) : t;
	return renderDocument({
		title: "Invigilator's report",
		footer: "Invigilator's report",
		blocks: [
			title("Invigilator's report"),
			...sittingLines(c),
			paragraph(say.status({ status: words(c.status), printed: formalDateTime(now) })),
			heading('Candidates'),
			table(
				CANDIDATE_COLUMNS,
				r.rows.map((x): Cell[] => [
					x.candidateNumber,
					x.name,
					words(x.state),
					orDash(
						[
							x.extraTimePercent ? `${x.extraTimePercent}%` : '',
							x.extensionMinutes ? `+${x.extensionMinutes} min` : ''
						]
							.filter(Boolean)
							.join(' ')
					),
					say.answered(x),
					orDash(x.reference)
				])
			),
			heading('Incidents and voided attempts'),
			orNone(
				table(
					EVENT_COLUMNS('Reason'),
					r.incidents.map((e) => event(e, e.reason ?? ''))
				),
				'None recorded.'
			),
			heading('Saves refused after the end (kept here, never part of a script)'),
			orNone(
				table(
					QUARANTINE_COLUMNS,
					r.quarantine.map((q): Cell[] => [
						centreTime(q.received_at, { seconds: false }),
						q.candidate_number,
						q.item_key,
						words(q.reason),
						orDash(refusedSaveText(q.text))
					])
				),
				'None.'
			),
			heading('Sitting log'),
			orNone(
				table(
					EVENT_COLUMNS('Detail'),
					r.events.map((e) => event(e, say.detail({ reason: e.reason ?? '', minutes: e.minutes })))
				),
				'None.'
			),
			signatures(
				{ label: "Invigilator's signature", lineWidth: 180 },
				{ label: 'Date', lineWidth: 90 }
			)
		]
	});
}

/**
 * How much of one refused save the report prints. They are kept whole in the database; printing
 * 50 answers of 20,000 characters each made a 100-page report that took half a minute to lay out.
 */
export const REPORT_REFUSED_SAVE_CHARS = 1_000;

function refusedSaveText(text: string): string {
	if (text.length <= REPORT_REFUSED_SAVE_CHARS) return text;
	return `${text.slice(0, REPORT_REFUSED_SAVE_CHARS)} … (${text.length} characters in all; the rest is kept in the database)`;
}
