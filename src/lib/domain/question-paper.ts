import { paperItems, type Paper } from './paper.js';

/*
 * The question paper: what a candidate may see of a paper. The bank's paper carries the mark scheme
 * too (grids, indicative content, boundaries, result rules, criteria); none of that may reach a
 * candidate's browser, where the page data can be read in the developer tools.
 */

export interface QuestionPaperPart {
	id: string;
	stem: string;
	marks: number;
}

export interface QuestionPaperQuestion {
	id: string;
	stem: string;
	marks: number | null;
	parts: QuestionPaperPart[] | null;
}

export interface QuestionPaper {
	title: string;
	duration_minutes: number;
	reading_minutes: number;
	case_study: string | null;
	sections: { title: string; questions: QuestionPaperQuestion[] }[];
	/** Every answerable item in paper order: key "3" or "7.a", label "3" or "7(a)". */
	items: { key: string; label: string; marks: number }[];
}

/** Copies only what is printed on the question paper; built field by field so nothing else slips through. */
export function questionPaperOf(paper: Paper): QuestionPaper {
	return {
		title: paper.title,
		duration_minutes: paper.duration_minutes,
		reading_minutes: paper.reading_minutes,
		case_study: paper.case_study ?? null,
		sections: paper.sections.map((s) => ({
			title: s.title,
			questions: s.questions.map((q) => ({
				id: q.id,
				stem: q.stem,
				marks: q.parts ? null : (q.marks ?? null),
				parts: q.parts ? q.parts.map((p) => ({ id: p.id, stem: p.stem, marks: p.marks })) : null
			}))
		})),
		items: paperItems(paper).map((i) => ({ key: i.key, label: i.label, marks: i.marks }))
	};
}

/**
 * Whether a candidate may have the question paper: from the moment their sitting starts (reading
 * time) until the end, the submitted script included, and never on a voided attempt. Before the
 * start the paper is confidential, whatever the candidate asks for: the same paper is sat at other
 * centres and times.
 */
export function isPaperReleased(attempt: { started_at: Date | null; state: string }): boolean {
	return attempt.started_at !== null && attempt.state !== 'void';
}

/** Why a candidate is refused the paper (see isPaperReleased). */
export function paperWithheldReason(attempt: { started_at: Date | null; state: string }): string {
	return attempt.state === 'void'
		? 'This exam has been closed by the invigilator.'
		: 'The question paper is released when your sitting starts.';
}
