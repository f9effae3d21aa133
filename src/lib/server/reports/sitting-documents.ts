import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { getSitting, sittingRegister } from '../sittings/index.js';
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
	return { centre, paper: `${s.paperCode} ${s.paperTitle}`, room: s.room, keycode: s.keycode, when: s.scheduledAt.toLocaleString('en-GB', { timeZone: 'Europe/London' }), rows };
}

export async function attendanceRegisterPdf(db: Kysely<Database>, centreId: string, sittingId: string): Promise<Uint8Array> {
	return renderPdf(REGISTER, await context(db, centreId, sittingId), { columns: [60, 160, 140, 60, 75], footer: 'Attendance register' });
}

export async function signInSlipsPdf(db: Kysely<Database>, centreId: string, sittingId: string): Promise<Uint8Array> {
	return renderPdf(SLIPS, await context(db, centreId, sittingId), { columns: [140, 355] });
}
