import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Kysely } from 'kysely';

import {
	isPaperReleased,
	paperWithheldReason,
	questionPaperOf,
	type QuestionPaper
} from '../../domain/question-paper.js';
import { getPaperContent } from '../bank/papers.js';
import type { Database } from '../db/schema.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import type { LoadedAttempt } from './candidate-session.js';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * A paper version's question paper as the exam page receives it: the JSON text, built, compressed
 * and tagged once per version, then served from memory to every candidate sitting it. A paper
 * version's content never changes once imported (an edited paper is a new version), so the bytes
 * for a version id never change either, and the tag (a hash of them) names them for ETag and URL.
 */
export interface BuiltQuestionPaper {
	versionId: string;
	/** SHA-256 of the JSON text, base64url, 22 characters (128 bits): the URL's last part and the strong ETag. */
	tag: string;
	paper: QuestionPaper;
	json: Buffer;
	gzip: Buffer;
	br: Buffer;
}

/** Papers held in memory (least recently used goes first): a day's papers are a few dozen, each some tens of KB in all three forms. */
export const QUESTION_PAPER_CACHE_MAX = 64;

/** In flight or built, by paper version: 2,000 candidates asking at the same instant share one build. */
const cache = new Map<string, Promise<BuiltQuestionPaper>>();
const stats = { builds: 0, hits: 0 };

/** How often a question paper has been built and served from memory in this process (for tests and the metrics). */
export function questionPaperCacheStats(): { builds: number; hits: number; size: number } {
	return { ...stats, size: cache.size };
}

async function build(db: Kysely<Database>, versionId: string): Promise<BuiltQuestionPaper> {
	stats.builds++;
	const paper = questionPaperOf(await getPaperContent(db, versionId));
	const json = Buffer.from(JSON.stringify(paper), 'utf8');
	const [gz, br] = await Promise.all([
		gzipAsync(json, { level: 9 }),
		brotliAsync(json, {
			params: {
				[constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
				[constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
				[constants.BROTLI_PARAM_SIZE_HINT]: json.length
			}
		})
	]);
	const tag = createHash('sha256').update(json).digest('base64url').slice(0, 22);
	return { versionId, tag, paper, json, gzip: gz, br };
}

/** The question paper of a paper version, built on first use and then from memory. */
export function builtQuestionPaper(
	db: Kysely<Database>,
	versionId: string
): Promise<BuiltQuestionPaper> {
	const held = cache.get(versionId);
	if (held) {
		stats.hits++;
		// Most recently used last: eviction takes the first key.
		cache.delete(versionId);
		cache.set(versionId, held);
		return held;
	}
	const building = build(db, versionId);
	cache.set(versionId, building);
	// A failed build (no such version, the database away) is not kept: the next request tries again.
	building.catch(() => {
		if (cache.get(versionId) === building) cache.delete(versionId);
	});
	while (cache.size > QUESTION_PAPER_CACHE_MAX) cache.delete(cache.keys().next().value!);
	return building;
}

/** The exam page's address of a paper version's question paper: a new version or new content gets a new address. */
export function questionPaperUrl(p: Pick<BuiltQuestionPaper, 'versionId' | 'tag'>): string {
	return `/api/papers/${p.versionId}/${p.tag}.json`;
}

/**
 * The question paper at a version's address, for the candidate whose session this is: 404 unless it
 * is their own sitting's paper (an id reveals nothing of other papers) and the tag is the current
 * one; 403 with the reason before their sitting has started, or on a voided attempt.
 */
export async function questionPaperForCandidate(
	db: Kysely<Database>,
	attempt: LoadedAttempt,
	versionId: string,
	tag: string
): Promise<BuiltQuestionPaper> {
	if (attempt.paperVersionId !== versionId) throw new NotFoundError('No such paper');
	if (!isPaperReleased(attempt.row)) throw new ForbiddenError(paperWithheldReason(attempt.row));
	const built = await builtQuestionPaper(db, versionId);
	if (built.tag !== tag)
		throw new NotFoundError('This copy of the paper is out of date: reload the page');
	return built;
}
