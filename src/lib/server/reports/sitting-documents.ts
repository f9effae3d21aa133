import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { getSitting, sittingRegister } from '../sittings/index.js';
import { sittingReport } from '../delivery/console.js';
import { renderPdf } from './pdf.js';

const REGISTER = `# Attendance register
Centre {{centre.number}} {{centre.name}} - {{paper}}
Room {{room}}, {{when}}. Keycode: {{keycode}}

| *No. | *Candidate | *Arrangements | *Present | *Signature
{{#each rows}}
| {{candidateNumber}} | {{lastName}}, {{firstName}} | {{arrangements}} |  |
{{/each}}

Invigilator's signature: ______________________    Time started: ________    Time ended: ________
`;

const SLIPS = `{{#each rows}}
# Candidate sign-in slip
## {{firstName}} {{lastName}}
Go to the exam page and sign in with:
| *Centre number | {{../centre.number}}
| *Candidate number | {{candidateNumber}}
| *Keycode | given by your invigilator at the start

Paper: {{../paper}}. Room {{../room}}, {{../when}}.
{{#if arrangements}}Access arrangements: {{arrangements}}.{{/if}}
Your answers are saved as you type. If your computer fails, put up your hand: your invigilator can let you carry on at another computer with every saved answer and your own time.
{{#unless @last}}
---
{{/unless}}
{{/each}}
`;

function arrangements(r: { extraTimePercent: number; restBreaks: boolean; reader: boolean; scribe: boolean }): string {
	return [r.extraTimePercent ? `${r.extraTimePercent}% extra time` : '', r.restBreaks ? 'rest breaks' : '', r.reader ? 'reader' : '', r.scribe ? 'scribe' : ''].filter(Boolean).join(', ');
}

async function context(db: Kysely<Database>, centreId: string, sittingId: string) {
	const s = await getSitting(db, sittingId, centreId);
	const centre = await db.selectFrom('centre').select(['number', 'name']).where('id', '=', centreId).executeTakeFirstOrThrow();
	const rows = (await sittingRegister(db, sittingId)).map((r) => ({ ...r, arrangements: arrangements(r) }));
	return { centre, paper: `${s.paperCode} ${s.paperTitle}`, room: s.room, keycode: s.keycode, status: s.state, when: s.scheduledAt.toLocaleString('en-GB', { timeZone: 'Europe/London' }), rows };
}

export async function attendanceRegisterPdf(db: Kysely<Database>, centreId: string, sittingId: string): Promise<Uint8Array> {
	return renderPdf(REGISTER, await context(db, centreId, sittingId), { columns: [60, 160, 140, 60, 75], footer: 'Attendance register' });
}

export async function signInSlipsPdf(db: Kysely<Database>, centreId: string, sittingId: string): Promise<Uint8Array> {
	return renderPdf(SLIPS, await context(db, centreId, sittingId), { columns: [140, 355] });
}

const REPORT = `# Invigilator's report
Centre {{centre.number}} {{centre.name}} - {{paper}}
Room {{room}}, {{when}}. Status: {{status}}. Printed {{printed}}.

## Candidates
| *No. | *Candidate | *Outcome | *Time added | *Answered | *Reference
{{#each rows}}
| {{candidateNumber}} | {{name}} | {{outcome}} | {{added}} | {{answered}} / {{items}} | {{reference}}
{{/each}}

## Incidents and voided attempts
{{#each incidents}}
| {{at}} | {{who}} | {{kind}} | {{reason}} | {{by}}
{{else}}
None recorded.
{{/each}}

## Saves refused after the end (kept here, never part of a script)
{{#each quarantine}}
{{at}} - candidate {{candidate}}, question {{item}} ({{reason}}): {{text}}
{{else}}
None.
{{/each}}

## Sitting log
| *Time | *Candidate | *Event | *Detail | *By
{{#each events}}
| {{at}} | {{who}} | {{kind}} | {{detail}} | {{by}}
{{/each}}

Invigilator's signature: ______________________    Date: ____________
`;

const time = (d: Date) => d.toLocaleTimeString('en-GB', { timeZone: 'Europe/London' });

/** The invigilator's report (PDF) of one sitting of the centre. */
export async function invigilatorReportPdf(db: Kysely<Database>, centreId: string, sittingId: string, now = new Date()): Promise<Uint8Array> {
	const base = await context(db, centreId, sittingId);
	const r = await sittingReport(db, sittingId, now);
	const event = (e: (typeof r.events)[number]) => ({
		at: time(e.occurred_at),
		who: e.candidate_number ?? 'all',
		kind: e.kind.replaceAll('_', ' '),
		reason: e.reason ?? '',
		detail: `${e.reason ?? ''}${e.minutes ? ` (${e.minutes} min)` : ''}`,
		by: e.actor_label
	});
	return renderPdf(
		REPORT,
		{
			...base,
			printed: now.toLocaleString('en-GB', { timeZone: 'Europe/London' }),
			rows: r.rows.map((x) => ({
				candidateNumber: x.candidateNumber,
				name: x.name,
				outcome: x.state.replace('_', ' '),
				added: [x.extraTimePercent ? `${x.extraTimePercent}%` : '', x.extensionMinutes ? `+${x.extensionMinutes} min` : ''].filter(Boolean).join(' ') || '-',
				answered: x.answered,
				items: x.items,
				reference: x.reference ?? ''
			})),
			incidents: r.incidents.map(event),
			quarantine: r.quarantine.map((q) => ({ at: time(q.received_at), candidate: q.candidate_number, item: q.item_key, reason: q.reason, text: q.text.replace(/\s+/g, ' ') })),
			events: r.events.map(event)
		},
		{ columnsFor: { 6: [45, 130, 80, 80, 70, 90], 5: [55, 60, 90, 210, 80] }, footer: "Invigilator's report" }
	);
}
