import type { Kysely } from 'kysely';

import { safeFileName } from '../../domain/spreadsheet.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Database } from '../db/schema.js';

export type SittingDocument = 'attendance_register' | 'sign_in_slips' | 'invigilator_report';
/** What a centre downloads: a sitting's documents, its results (CSV, slips) and a date range's results. */
export type DownloadKind =
	SittingDocument | 'result_slip' | 'result_slips' | 'results_csv' | 'certificate';

export interface Download {
	kind: DownloadKind;
	centreId: string;
	/** What the download is of: a sitting, a candidate's attempt, or the centre (a date range). */
	subjectType: 'sitting' | 'attempt' | 'centre' | 'certificate';
	subjectId: string;
	/** Built from anything (paper codes, candidate numbers): made safe here for the header and the disk. */
	fileName: string;
	contentType: 'application/pdf' | 'text/csv; charset=utf-8';
	/** `inline` opens a PDF in the browser's viewer; `attachment` saves the file (the CSV). */
	disposition: 'inline' | 'attachment';
	/** Recorded in the audit entry: what was in the file (a range, a count). */
	details?: Record<string, unknown>;
}

/**
 * Answers a download and audits it first: these files carry candidates' names and results (the
 * register the keycode), so who downloaded what, when, is on record. The file name passes through
 * safeFileName, so nothing typed can break out of the quoted Content-Disposition value.
 */
export async function auditedDownload(
	db: Kysely<Database>,
	actor: Actor,
	body: Uint8Array | string,
	d: Download
): Promise<Response> {
	await writeAudit(db, actor, {
		action: `document.${d.kind}`,
		centreId: d.centreId,
		subjectType: d.subjectType,
		subjectId: d.subjectId,
		details: d.details ?? {}
	});
	return new Response(body as BodyInit, {
		headers: {
			'content-type': d.contentType,
			'content-disposition': `${d.disposition}; filename="${safeFileName(d.fileName)}"`,
			'cache-control': 'private, no-store',
			'x-content-type-options': 'nosniff'
		}
	});
}

/** A sitting's printable document, audited. */
export async function pdfResponse(
	db: Kysely<Database>,
	actor: Actor,
	pdf: Uint8Array,
	doc: { kind: SittingDocument; centreId: string; sittingId: string }
): Promise<Response> {
	return auditedDownload(db, actor, pdf, {
		kind: doc.kind,
		centreId: doc.centreId,
		subjectType: 'sitting',
		subjectId: doc.sittingId,
		fileName: `${doc.kind.replaceAll('_', '-')}-${doc.sittingId.slice(0, 8)}.pdf`,
		contentType: 'application/pdf',
		disposition: 'inline'
	});
}
