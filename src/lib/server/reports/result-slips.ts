import type { Kysely } from 'kysely';

import { formalDate } from '../../domain/centre-time.js';
import { CODE_NAMES, type PerformanceCode } from '../../domain/codes.js';
import {
	fields,
	heading,
	pageBreak,
	paragraph,
	table,
	title,
	type Block,
	type DocumentTree
} from '../../domain/document.js';
import { unitOfQualification } from '../../domain/qualifications.js';
import { outcomeWords } from '../../domain/result-report.js';
import type { Database } from '../db/schema.js';
import { NotFoundError } from '../errors.js';
import { candidateResult, sittingResults, type CentreResultRow } from './centre-results.js';
import { renderDocument } from './pdf.js';
import { wording } from './wording.js';

/**
 * Result slips (DESIGN.md section 7): one page per candidate with the qualification and unit as
 * the handbook names them (domain/qualifications.ts), the paper, the date, the candidate, the
 * centre and the outcome; a failing candidate's performance codes each with the handbook's own
 * wording (domain/codes.ts). The wording is Handlebars sentences; every value stays the text of its
 * own node or cell of the document tree, so a name can never become structure.
 */

const say = {
	unit: wording<{ unit: string; title: string }>('{{unit}} {{title}}'),
	paper: wording<{ code: string; title: string }>('{{code}} {{title}}'),
	candidate: wording<{ firstName: string; lastName: string }>('{{firstName}} {{lastName}}'),
	centre: wording<{ number: string; name: string }>('{{number}} {{name}}'),
	codesIntro: wording<{ codesName: string }>(
		'{{codesName}} the main areas for further development (City & Guilds qualification handbook, "Grading and performance codes").'
	),
	absent: wording<object>('The candidate did not sit this examination: no grade is awarded.'),
	void: wording<object>('This attempt was declared void: no grade is awarded.'),
	issued: wording<{ released: string; version: number }>(
		'Results released {{released}}. Result version {{version}}.'
	)
};

const orDash = (s: string | number | null | undefined) =>
	s === null || s === undefined || String(s).trim() === '' ? '-' : String(s);

/** One candidate's slip as blocks of the document tree. */
export function resultSlipBlocks(r: CentreResultRow): Block[] {
	const u = unitOfQualification(r.unitCode);
	const q = u?.qualification;
	const blocks: Block[] = [
		title('Result slip'),
		paragraph(q?.title ?? r.unitTitle, 'strong'),
		fields(
			[
				['Qualification number', orDash(q?.number)],
				['Regulatory number', orDash(q?.regulatoryNumber)],
				['Unit', say.unit({ unit: r.unitCode, title: u?.title ?? r.unitTitle })],
				['Level', String(u?.level ?? r.unitLevel)],
				['Credit value', orDash(u?.credit)],
				['Paper', say.paper({ code: r.paperCode, title: r.paperTitle })],
				['Date of examination', formalDate(r.scheduledAt)],
				['Candidate', say.candidate(r)],
				['Candidate number', r.candidateNumber],
				['Centre', say.centre({ number: r.centreNumber, name: r.centreName })],
				['Result', outcomeWords(r)]
			],
			1,
			2.6
		)
	];
	if (r.status === 'graded' && r.grade === 'Fail' && r.codes.length > 0) {
		blocks.push(
			heading('Performance codes'),
			paragraph(
				say.codesIntro({
					codesName: r.codes.length === 1 ? 'The code below names' : 'The codes below name'
				})
			),
			table(
				[
					{ label: 'Code', width: 1 },
					{ label: 'Area for further development', width: 6 }
				],
				r.codes.map((c) => [c, CODE_NAMES[c as PerformanceCode] ?? c])
			)
		);
	}
	if (r.status === 'absent') blocks.push(paragraph(say.absent({})));
	if (r.status === 'void') blocks.push(paragraph(say.void({})));
	blocks.push(
		paragraph(say.issued({ released: formalDate(r.releasedAt), version: r.version }), 'small')
	);
	return blocks;
}

/** Slips one to a page: the tree of the merged document (and of one slip). */
export function resultSlipsTree(rows: readonly CentreResultRow[]): DocumentTree {
	return {
		title: rows.length === 1 ? 'Result slip' : 'Result slips',
		footer: 'Result slip',
		blocks: rows.flatMap((r, i) => [...(i > 0 ? [pageBreak] : []), ...resultSlipBlocks(r)])
	};
}

/** One candidate's result slip (PDF); not found unless released, and of the centre's own sitting. */
export async function resultSlipPdf(
	db: Kysely<Database>,
	centreId: string,
	sittingId: string,
	attemptId: string
): Promise<{ pdf: Uint8Array; row: CentreResultRow }> {
	const row = await candidateResult(db, centreId, sittingId, attemptId);
	return { pdf: await renderDocument(resultSlipsTree([row])), row };
}

/** Every candidate's slip in a sitting, one merged PDF, one slip to a page, by candidate number. */
export async function sittingResultSlipsPdf(
	db: Kysely<Database>,
	centreId: string,
	sittingId: string
): Promise<{ pdf: Uint8Array; rows: CentreResultRow[] }> {
	const r = await sittingResults(db, centreId, sittingId);
	if (!r.releasedAt)
		throw new NotFoundError('The results of this sitting have not been released yet');
	return { pdf: await renderDocument(resultSlipsTree(r.rows)), rows: r.rows };
}
