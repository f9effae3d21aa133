/**
 * Printable documents as a typed tree (DESIGN.md section 7). A document is built in TypeScript from
 * these nodes; text anyone typed (a candidate's name, a room, an incident's reason, an answer) is
 * only ever the `text` of a node, so it can never become a heading, a table row or a page break,
 * whatever characters it holds. One layout module (server/reports/pdf.ts) renders the tree.
 */

export interface DocumentTree {
	/** The PDF's title in its metadata. */
	readonly title: string;
	/** Printed at the foot of every page before "page N of M". */
	readonly footer?: string;
	readonly blocks: readonly Block[];
}

export type Block = Title | Heading | Paragraph | Table | Signatures | Gap | PageBreak | Slips;
/** What a slip may hold: everything but page breaks and slips within slips. */
export type SlipBlock = Exclude<Block, PageBreak | Slips>;

export interface Title {
	readonly kind: 'title';
	readonly text: string;
}

export interface Heading {
	readonly kind: 'heading';
	readonly text: string;
}

export interface Paragraph {
	readonly kind: 'paragraph';
	readonly text: string;
	/** `strong` for a line that must stand out (a candidate's name on a slip), `small` for notes. */
	readonly style: 'normal' | 'strong' | 'small';
}

export interface Column {
	/** The header cell's text. */
	readonly label: string;
	/** A share of the table's width relative to the other columns (the layout scales them to fit). */
	readonly width: number;
	/** Cells of this column in bold: the labels of a table of fields. */
	readonly strong?: boolean;
}

/** A box to tick by hand, e.g. "Present" on the register. */
export interface BoxCell {
	readonly kind: 'box';
}

/** A cell is text (wrapped within its column, never cut) or a box; an empty string is an empty cell. */
export type Cell = string | BoxCell;

export interface Table {
	readonly kind: 'table';
	readonly columns: readonly Column[];
	/** Whether the column labels head the table, repeated on every page the table runs onto. */
	readonly header: boolean;
	/** `grid` rules every cell; `plain` is for label/value fields without rules. */
	readonly style: 'grid' | 'plain';
	/** Each row has exactly one cell per column (see `table()`), so values never shift columns. */
	readonly rows: readonly (readonly Cell[])[];
	/** Rows at least this tall in points: room for a signature. */
	readonly minRowHeight?: number;
}

/** Labelled lines to sign or write on by hand ("Invigilator's signature ________"). */
export interface Signatures {
	readonly kind: 'signatures';
	readonly fields: readonly { readonly label: string; readonly lineWidth: number }[];
}

export interface Gap {
	readonly kind: 'gap';
	/** Points of space. */
	readonly size: number;
}

export interface PageBreak {
	readonly kind: 'page_break';
}

/** Slips to be cut apart: as many to a page as fit (at most `perPage`), with cut lines between them. */
export interface Slips {
	readonly kind: 'slips';
	readonly perPage: number;
	readonly slips: readonly (readonly SlipBlock[])[];
}

export const title = (text: string): Title => ({ kind: 'title', text });
export const heading = (text: string): Heading => ({ kind: 'heading', text });
export const paragraph = (text: string, style: Paragraph['style'] = 'normal'): Paragraph => ({
	kind: 'paragraph',
	text,
	style
});
export const box: BoxCell = { kind: 'box' };
export const gap = (size = 8): Gap => ({ kind: 'gap', size });
export const pageBreak: PageBreak = { kind: 'page_break' };
export const signatures = (...fields: { label: string; lineWidth: number }[]): Signatures => ({
	kind: 'signatures',
	fields
});
export const slips = (perPage: number, content: readonly (readonly SlipBlock[])[]): Slips => ({
	kind: 'slips',
	perPage,
	slips: content
});

/**
 * A table whose rows are checked against its columns: a row with a cell missing or extra is a bug
 * in the document's code, and would print values under the wrong heading, so it throws.
 */
export function table(
	columns: readonly Column[],
	rows: readonly (readonly Cell[])[],
	options: { header?: boolean; style?: Table['style']; minRowHeight?: number } = {}
): Table {
	if (columns.length === 0) throw new Error('A table needs at least one column');
	rows.forEach((row, i) => {
		if (row.length !== columns.length)
			throw new Error(`Row ${i + 1} has ${row.length} cells for ${columns.length} columns`);
	});
	return {
		kind: 'table',
		columns,
		rows,
		header: options.header ?? true,
		style: options.style ?? 'grid',
		...(options.minRowHeight ? { minRowHeight: options.minRowHeight } : {})
	};
}

/** Label/value pairs as a borderless two-column table, labels in bold. */
export function fields(
	pairs: readonly (readonly [label: string, value: string])[],
	labelWidth = 1,
	valueWidth = 3
): Table {
	return table(
		[
			{ label: '', width: labelWidth, strong: true },
			{ label: '', width: valueWidth }
		],
		pairs,
		{ header: false, style: 'plain' }
	);
}

/**
 * Text as one line of words: line breaks, tabs and other control characters become spaces and
 * invisible format characters (bidi overrides, zero-width joiners) go, so typed text can't start a
 * new line, reorder what is printed or hide characters. Runs of spaces become one.
 */
export function plainText(s: string): string {
	return s
		.replace(/[\p{Cf}]/gu, '')
		.replace(/[\p{Cc}\p{Zl}\p{Zp}\s]+/gu, ' ')
		.trim();
}

/**
 * Breaks text into lines no wider than `maxWidth` as measured by `measure`. Words wrap at spaces; a
 * word wider than the line (an e-mail address, a long reference) is broken inside itself, after
 * "." "-" "/" "_" or before "@" where one is near the end, so nothing is ever cut off. Empty text
 * has no lines.
 */
export function wrapText(text: string, maxWidth: number, measure: (s: string) => number): string[] {
	const lines: string[] = [];
	let line = '';
	for (const word of plainText(text).split(' ')) {
		if (!word) continue;
		const joined = line ? `${line} ${word}` : word;
		if (measure(joined) <= maxWidth) {
			line = joined;
			continue;
		}
		if (line) lines.push(line);
		let rest = word;
		while (measure(rest) > maxWidth) {
			const cut = breakPoint(rest, maxWidth, measure);
			lines.push(rest.slice(0, cut));
			rest = rest.slice(cut);
		}
		line = rest;
	}
	if (line) lines.push(line);
	return lines;
}

/** Where to break a word too wide for the line: at least one character, so wrapping always ends. */
function breakPoint(word: string, maxWidth: number, measure: (s: string) => number): number {
	const chars = [...word];
	let fit = 1;
	while (fit < chars.length && measure(chars.slice(0, fit + 1).join('')) <= maxWidth) fit++;
	// Prefer a natural break in the last ~60% of what fits, not to leave a stub of a line.
	for (let i = fit; i > Math.max(1, Math.floor(fit * 0.4)); i--) {
		if ('.-/_'.includes(chars[i - 1] ?? '') || chars[i] === '@')
			return chars.slice(0, i).join('').length;
	}
	return chars.slice(0, fit).join('').length;
}
