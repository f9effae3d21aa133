import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as pdfjs from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { TextItem as PdfJsTextItem } from 'pdfjs-dist/types/src/display/api.js';

/**
 * Reads a PDF's text back with its layout, so tests can check where things are printed, not only
 * that they are: each piece of text with its position (points from the page's bottom-left corner)
 * and size, and pieces grouped into lines by their baseline.
 */
export interface PdfTextItem {
	text: string;
	x: number;
	/** Baseline. */
	y: number;
	width: number;
	/** Font size in points. */
	size: number;
}

export interface PdfLine {
	y: number;
	/** Left to right. */
	items: PdfTextItem[];
	/** The items' text joined with single spaces. */
	text: string;
}

export interface PdfPage {
	number: number;
	/** Top to bottom. */
	lines: PdfLine[];
	items: PdfTextItem[];
}

const fontsDir =
	join(
		dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')),
		'standard_fonts'
	) + '/';

export async function readPdf(bytes: Uint8Array): Promise<PdfPage[]> {
	// pdf.js takes the buffer over; give it a copy so the caller's bytes stay usable.
	const doc = await pdfjs.getDocument({
		data: new Uint8Array(bytes),
		standardFontDataUrl: fontsDir,
		isEvalSupported: false,
		verbosity: 0
	}).promise;
	try {
		const pages: PdfPage[] = [];
		for (let n = 1; n <= doc.numPages; n++) {
			const page = await doc.getPage(n);
			const content = await page.getTextContent();
			const items = content.items
				.filter((i): i is PdfJsTextItem => 'str' in i && i.str.trim() !== '')
				.map((i) => ({
					text: i.str,
					x: i.transform[4] as number,
					y: i.transform[5] as number,
					width: i.width,
					size: Math.hypot(i.transform[0] as number, i.transform[1] as number)
				}));
			pages.push({ number: n, items, lines: groupLines(items) });
		}
		return pages;
	} finally {
		await doc.destroy();
	}
}

/** Items whose baselines are within a point of each other make one line. */
function groupLines(items: PdfTextItem[]): PdfLine[] {
	const lines: { y: number; items: PdfTextItem[] }[] = [];
	for (const item of [...items].sort((a, b) => b.y - a.y)) {
		const line = lines.find((l) => Math.abs(l.y - item.y) < 1);
		if (line) line.items.push(item);
		else lines.push({ y: item.y, items: [item] });
	}
	return lines.map((l) => {
		const sorted = l.items.sort((a, b) => a.x - b.x);
		return { y: l.y, items: sorted, text: sorted.map((i) => i.text).join(' ') };
	});
}

/** All of a document's text, page after page, line after line. */
export function allText(pages: PdfPage[]): string {
	return pages.map((p) => p.lines.map((l) => l.text).join('\n')).join('\n');
}

/** A column's left and right edges, from where its header label starts and the next one starts. */
export interface ColumnSpan {
	label: string;
	left: number;
	right: number;
}

/**
 * The columns of a table as printed, from its header line (the line holding all `labels` in order):
 * a column runs from a little before its label to a little before the next label.
 */
export function columnsOf(page: PdfPage, labels: string[], rightEdge = 545.28): ColumnSpan[] {
	const header = page.lines.find((l) => {
		let from = 0;
		for (const label of labels) {
			const i = l.items.findIndex((item, k) => k >= from && item.text === label);
			if (i < 0) return false;
			from = i + 1;
		}
		return true;
	});
	if (!header) throw new Error(`No header line with ${labels.join(', ')} on page ${page.number}`);
	const xs = labels.map((label) => header.items.find((i) => i.text === label)!.x);
	// Labels are printed a cell's padding in from the cell's left edge.
	return labels.map((label, i) => ({
		label,
		left: xs[i]! - 5,
		right: (xs[i + 1] ?? rightEdge + 5) - 5
	}));
}

/** Whether an item lies within a column, both its start and its end. */
export function within(item: PdfTextItem, column: ColumnSpan): boolean {
	return item.x >= column.left && item.x + item.width <= column.right + 0.5;
}
