import type { Kysely } from 'kysely';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Database } from '../db/schema.js';

export type SittingDocument = 'attendance_register' | 'sign_in_slips' | 'invigilator_report';

/**
 * Answers a sitting's printable document and audits the download: these documents carry candidates'
 * names and arrangements (and the register the keycode), so who printed them, when, is on record.
 */
export async function pdfResponse(
	db: Kysely<Database>,
	actor: Actor,
	pdf: Uint8Array,
	doc: { kind: SittingDocument; centreId: string; sittingId: string }
): Promise<Response> {
	await writeAudit(db, actor, { action: `document.${doc.kind}`, centreId: doc.centreId, subjectType: 'sitting', subjectId: doc.sittingId });
	const name = `${doc.kind.replaceAll('_', '-')}-${doc.sittingId.slice(0, 8)}.pdf`;
	return new Response(pdf as BodyInit, {
		headers: { 'content-type': 'application/pdf', 'content-disposition': `inline; filename="${name}"`, 'cache-control': 'private, no-store' }
	});
}
