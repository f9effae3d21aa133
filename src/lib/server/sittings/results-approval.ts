import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * Whether the results of a paper version are approved (DESIGN.md section 7: provisional → approved
 * → released). Approval locks what a result is made of: a voided attempt can be reinstated only
 * before it. No results are approved in this system yet, so the answer is no; results approval,
 * when it is built, records the approval of a paper version and this function reads it, so every
 * rule asking the question (reinstating a void, changing boundaries) holds from then on.
 */
export async function resultsApprovedFor(_db: Kysely<Database> | Transaction<Database>, _paperVersionId: string): Promise<boolean> {
	return false;
}
