import Handlebars from 'handlebars';
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';

/**
 * Printable documents: a Handlebars template renders simple line markup, which is laid out on A4
 * pages with pdf-lib. Markup, one instruction per line:
 *   "# text" title · "## text" heading · "| a | b | c" table row (column widths from `columns`)
 *   "---" new page · "" gap · anything else a wrapped paragraph.
 */
export interface PdfOptions {
	/** Column widths in points for table rows, left to right. */
	columns?: number[];
	/** Widths for the tables of a given number of columns, where a document has tables of several shapes. */
	columnsFor?: Record<number, number[]>;
	footer?: string;
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;

export async function renderPdf(template: string, data: unknown, options: PdfOptions = {}): Promise<Uint8Array> {
	const text = Handlebars.compile(template, { noEscape: true, strict: true })(data);
	const doc = await PDFDocument.create();
	const regular = await doc.embedFont(StandardFonts.Helvetica);
	const bold = await doc.embedFont(StandardFonts.HelveticaBold);
	let page: PDFPage = doc.addPage(A4);
	let y = A4[1] - MARGIN;
	const width = A4[0] - 2 * MARGIN;

	const newPage = () => {
		page = doc.addPage(A4);
		y = A4[1] - MARGIN;
	};
	const ensure = (h: number) => {
		if (y - h < MARGIN + 20) newPage();
	};
	const draw = (s: string, x: number, size: number, font: PDFFont) => page.drawText(clean(s), { x, y, size, font, color: rgb(0, 0, 0) });

	for (const rawLine of text.split('\n')) {
		const line = rawLine.trimEnd();
		if (line === '---') {
			newPage();
		} else if (line.startsWith('# ')) {
			ensure(28);
			y -= 22;
			draw(line.slice(2), MARGIN, 18, bold);
			y -= 10;
		} else if (line.startsWith('## ')) {
			ensure(22);
			y -= 16;
			draw(line.slice(3), MARGIN, 13, bold);
			y -= 6;
		} else if (line.startsWith('| ')) {
			const cells = line.slice(2).split(' | ');
			const cols = options.columnsFor?.[cells.length] ?? options.columns ?? cells.map(() => width / cells.length);
			const isHeader = cells[0]?.startsWith('*');
			ensure(20);
			y -= 16;
			let x = MARGIN;
			cells.forEach((cell, i) => {
				const c = cell.replace(/^\*/, '');
				draw(truncate(c, cols[i] ?? 80, isHeader ? bold : regular, 10), x + 2, 10, isHeader ? bold : regular);
				x += cols[i] ?? 80;
			});
			page.drawLine({ start: { x: MARGIN, y: y - 5 }, end: { x: MARGIN + width, y: y - 5 }, thickness: 0.5, color: rgb(0.6, 0.6, 0.6) });
		} else if (line === '') {
			y -= 8;
		} else {
			for (const wrapped of wrap(line, regular, 11, width)) {
				ensure(16);
				y -= 15;
				draw(wrapped, MARGIN, 11, regular);
			}
		}
	}
	if (options.footer) {
		const pages = doc.getPages();
		pages.forEach((p, i) => p.drawText(clean(`${options.footer} – page ${i + 1} of ${pages.length}`), { x: MARGIN, y: 25, size: 8, font: regular, color: rgb(0.3, 0.3, 0.3) }));
	}
	return doc.save();
}

/** The standard fonts cover WinAnsi only; replace what they cannot draw rather than fail. */
function clean(s: string): string {
	return s.replace(/[‘’]/g, "'").replace(/[“”]/g, '"').replace(/[–—]/g, '-').replace(/[^\x20-\x7E\xA0-\xFF]/g, '?');
}

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
	const words = clean(text).split(/\s+/);
	const lines: string[] = [];
	let current = '';
	for (const w of words) {
		const next = current ? `${current} ${w}` : w;
		if (font.widthOfTextAtSize(next, size) > width && current) {
			lines.push(current);
			current = w;
		} else current = next;
	}
	if (current) lines.push(current);
	return lines;
}

function truncate(text: string, width: number, font: PDFFont, size: number): string {
	let t = clean(text);
	while (t.length > 1 && font.widthOfTextAtSize(t, size) > width - 6) t = t.slice(0, -1);
	return t;
}
