import { deflateSync } from 'node:zlib';
import { PDFDocument, StandardFonts, type PDFContext, type PDFFont, type PDFPage } from 'pdf-lib';

import {
	plainText,
	wrapText,
	type Block,
	type Cell,
	type DocumentTree,
	type Signatures,
	type SlipBlock,
	type Slips,
	type Table
} from '../../domain/document.js';

/**
 * The one layout of printable documents: renders a document tree (domain/document.ts) on A4 pages
 * with pdf-lib. Text wraps within its line or cell and a row grows to hold it; nothing is truncated.
 * A table that runs onto another page repeats its header row there; a row too tall for a whole page
 * continues on the next. Every page ends with "page N of M".
 */

const PAGE: [number, number] = [595.28, 841.89];
const SIDE = 50;
const TOP = PAGE[1] - 50;
/** Above the footer line. */
const BOTTOM = 50;
const FOOTER_Y = 25;
const WIDTH = PAGE[0] - 2 * SIDE;

/** Grey levels, 0 black to 1 white. */
const INK = 0;
const GREY = 0.3;
const RULE = 0.55;
const HEADER_FILL = 0.9;

interface TextStyle {
	bold: boolean;
	size: number;
	/** Height of one line. */
	leading: number;
}

const STYLES = {
	title: { bold: true, size: 18, leading: 22 },
	heading: { bold: true, size: 13, leading: 16 },
	normal: { bold: false, size: 11, leading: 14 },
	strong: { bold: true, size: 12, leading: 15 },
	small: { bold: false, size: 9, leading: 11.5 },
	footer: { bold: false, size: 8, leading: 10 },
	cell: { bold: false, size: 10, leading: 12.5 },
	cellStrong: { bold: true, size: 10, leading: 12.5 }
} satisfies Record<string, TextStyle>;

const FOOTER = STYLES.footer;
const CELL_PAD_X = 4;
const CELL_PAD_Y = 3.5;
const BOX = 10;
/** Room between a slip's edge (cut line) and its text. */
const SLIP_PAD = 12;

export async function renderDocument(tree: DocumentTree): Promise<Uint8Array> {
	const pdf = await PDFDocument.create();
	const fonts = new Fonts(
		await pdf.embedFont(StandardFonts.Helvetica),
		await pdf.embedFont(StandardFonts.HelveticaBold)
	);
	pdf.setTitle(fonts.clean(tree.title));
	pdf.setProducer('exam-8992');
	const pages: PageInk[] = [];
	const flow = new Flow(fonts, () => {
		const ink = new PageInk(pdf.addPage(PAGE), fonts);
		pages.push(ink);
		return ink;
	});
	for (const block of tree.blocks) renderBlock(flow, block);

	pages.forEach((page, i) => {
		const text = fonts.clean(
			`${tree.footer ? `${tree.footer} – ` : ''}page ${i + 1} of ${pages.length}`
		);
		page.text(text, SIDE, FOOTER_Y, FOOTER, GREY);
		page.finish(pdf.context);
	});
	// One pass without yielding to the event loop every 50 objects (pdf-lib's default): the yields
	// cost more than the writing on a busy machine, and the layout before it does not yield either.
	// No object streams: pdf-lib compresses them (and their cross-reference stream) in JavaScript,
	// which cost a slip more than its layout; the page contents are compressed already (PageInk).
	return pdf.save({ objectsPerTick: Infinity, useObjectStreams: false });
}

/**
 * Widths of text already measured, by font, size and text: the same labels, names and sentences
 * are measured again and again (each wrap measures every prefix of a line; every slip has the same
 * labels). Standard fonts only, so a width depends on nothing else. Bounded: cleared when full.
 */
const widths = new Map<string, number>();
const WIDTHS_MAX = 50_000;

function widthOf(font: PDFFont, s: string, size: number): number {
	const key = `${font.name}\u0000${size}\u0000${s}`;
	let w = widths.get(key);
	if (w === undefined) {
		if (widths.size >= WIDTHS_MAX) widths.clear();
		w = font.widthOfTextAtSize(s, size);
		widths.set(key, w);
	}
	return w;
}

/** The standard fonts, and text made fit for them. */
class Fonts {
	private readonly encodable: ReadonlySet<number>;

	constructor(
		readonly regular: PDFFont,
		readonly bold: PDFFont
	) {
		this.encodable = new Set(regular.getCharacterSet());
	}

	font(style: TextStyle): PDFFont {
		return style.bold ? this.bold : this.regular;
	}

	/**
	 * Text on one line, in characters the standard fonts can draw (WinAnsi): a letter outside it
	 * loses its accent if that makes it drawable ("ő" → "o"), anything else prints as "?", rather
	 * than the document failing.
	 */
	clean(s: string): string {
		let out = '';
		for (const ch of plainText(s).normalize('NFC')) {
			if (this.encodable.has(ch.codePointAt(0)!)) out += ch;
			else {
				const base = ch.normalize('NFD').replace(/\p{M}/gu, '');
				out += base && [...base].every((c) => this.encodable.has(c.codePointAt(0)!)) ? base : '?';
			}
		}
		return out;
	}

	wrap(text: string, style: TextStyle, width: number): string[] {
		const font = this.font(style);
		return wrapText(this.clean(text), width, (s) => widthOf(font, s, style.size));
	}
}

/** What draws: a page, or nothing while a block is only being measured. */
interface Surface {
	text(s: string, x: number, baseline: number, style: TextStyle): void;
	line(x1: number, y1: number, x2: number, y2: number, dashed?: boolean): void;
	/** A ruled box, filled with a grey level when `fill` is given. */
	rect(x: number, y: number, w: number, h: number, fill?: number): void;
}

const NOWHERE: Surface = { text() {}, line() {}, rect() {} };

/** A number as a content stream writes it: at most two decimals, no trailing zeros. */
const num = (n: number) => String(Math.round(n * 100) / 100);

/**
 * One page's drawing, written as the PDF's own content-stream operators and compressed once by
 * Node's zlib when the page is finished. pdf-lib's drawText adds a new font entry to the page's
 * resources for every call and its content streams are compressed in JavaScript; on a slip that
 * was most of the time (docs/benchmarks.md, 2026-11-29). Each font is named once per page.
 */
class PageInk implements Surface {
	private readonly parts: string[] = [];
	private readonly keys = new Map<PDFFont, string>();

	constructor(
		private readonly page: PDFPage,
		private readonly fonts: Fonts
	) {}

	private keyOf(font: PDFFont): string {
		let key = this.keys.get(font);
		if (!key) {
			key = this.page.node.newFontDictionary(font.name, font.ref).toString();
			this.keys.set(font, key);
		}
		return key;
	}

	text(s: string, x: number, baseline: number, style: TextStyle, grey = INK): void {
		const font = this.fonts.font(style);
		// encodeText gives the text as a hex string of the font's codes: no character of it can end the string or add an operator.
		this.parts.push(
			`BT ${num(grey)} g ${this.keyOf(font)} ${num(style.size)} Tf ${num(x)} ${num(baseline)} Td ${font.encodeText(s).toString()} Tj ET`
		);
	}

	line(x1: number, y1: number, x2: number, y2: number, dashed = false): void {
		this.parts.push(
			`q ${num(RULE)} G ${dashed ? '0.6 w [5 4] 0 d' : '0.5 w'} ${num(x1)} ${num(y1)} m ${num(x2)} ${num(y2)} l S Q`
		);
	}

	rect(x: number, y: number, w: number, h: number, fill?: number): void {
		const paint = fill === undefined ? 'S' : 'B';
		this.parts.push(
			`q ${num(RULE)} G 0.5 w ${fill === undefined ? '' : `${num(fill)} g `}${num(x)} ${num(y)} ${num(w)} ${num(h)} re ${paint} Q`
		);
	}

	/** Adds the page's drawing as one compressed content stream. */
	finish(context: PDFContext): void {
		const stream = context.stream(deflateSync(Buffer.from(this.parts.join('\n'), 'latin1')), {
			Filter: 'FlateDecode'
		});
		this.page.node.addContentStream(context.register(stream));
	}
}

/**
 * The place where the next block goes: `y` runs down from `top` to `bottom` of the current region
 * (a page between its margins, or one slip's slot). Measuring uses a region with no bottom.
 */
class Flow {
	y: number;
	top: number;
	bottom: number;
	surface: Surface;
	/** False within a slip's slot: the slip was measured to fit, and must not spill onto another page. */
	canBreak = true;

	constructor(
		readonly fonts: Fonts,
		private readonly addPage: (() => Surface) | null,
		region: { top: number; bottom: number } = { top: TOP, bottom: BOTTOM }
	) {
		this.top = region.top;
		this.bottom = region.bottom;
		this.y = this.top;
		this.surface = NOWHERE;
		if (addPage) this.surface = addPage();
	}

	/** A flow that only measures: its `top - y` afterwards is the height the blocks take. */
	static measuring(fonts: Fonts): Flow {
		return new Flow(fonts, null, { top: 0, bottom: -Infinity });
	}

	get room(): number {
		return this.y - this.bottom;
	}

	get atTop(): boolean {
		return this.y === this.top;
	}

	newPage(): void {
		if (!this.addPage) throw new Error('A measuring flow has no pages');
		this.surface = this.addPage();
		this.top = TOP;
		this.bottom = BOTTOM;
		this.y = TOP;
	}

	/** Goes on to a new page unless `height` fits here (or this is a fresh page: it can't do better). */
	ensure(height: number): void {
		if (this.canBreak && height > this.room && !this.atTop) this.newPage();
	}

	/** Space between blocks, none at the top of a page or slip. */
	space(height: number): void {
		if (!this.atTop) this.y -= height;
	}
}

/** The baseline of a line of text whose box starts at `top`: capitals centred in the line. */
const baseline = (top: number, style: TextStyle) => top - style.leading / 2 - 0.36 * style.size;

function renderBlock(flow: Flow, block: Block): void {
	switch (block.kind) {
		case 'title':
			flow.space(10);
			renderText(flow, block.text, STYLES.title, 2 * STYLES.normal.leading);
			flow.y -= 6;
			return;
		case 'heading':
			flow.space(12);
			// Kept with what follows: no heading alone at the foot of a page.
			renderText(flow, block.text, STYLES.heading, 3 * STYLES.cell.leading + 2 * CELL_PAD_Y);
			flow.y -= 4;
			return;
		case 'paragraph':
			flow.space(4);
			renderText(flow, block.text, STYLES[block.style], 0);
			return;
		case 'table':
			flow.space(6);
			renderTable(flow, block);
			return;
		case 'signatures':
			flow.space(10);
			renderSignatures(flow, block);
			return;
		case 'gap':
			flow.space(block.size);
			return;
		case 'page_break':
			if (!flow.atTop) flow.newPage();
			return;
		case 'slips':
			renderSlips(flow, block);
			return;
	}
}

function renderText(flow: Flow, text: string, style: TextStyle, keepWithNext: number): void {
	const lines = flow.fonts.wrap(text, style, WIDTH);
	flow.ensure(Math.min(2, lines.length) * style.leading + keepWithNext);
	for (const line of lines) {
		flow.ensure(style.leading);
		flow.surface.text(line, SIDE, baseline(flow.y, style), style);
		flow.y -= style.leading;
	}
}

interface PreparedRow {
	/** Per cell: its wrapped lines, or a box. */
	cells: ({ lines: string[]; style: TextStyle } | 'box')[];
	/** Lines of the tallest cell, at least one. */
	lines: number;
	minHeight: number;
	fill?: number;
}

function renderTable(flow: Flow, t: Table): void {
	const total = t.columns.reduce((sum, c) => sum + c.width, 0);
	const widths = t.columns.map((c) => (c.width / total) * WIDTH);
	const prepare = (row: readonly Cell[], header: boolean): PreparedRow => {
		const cells = row.map((cell, i) => {
			if (typeof cell !== 'string') return 'box' as const;
			const style = header || t.columns[i]?.strong ? STYLES.cellStrong : STYLES.cell;
			return { lines: flow.fonts.wrap(cell, style, (widths[i] ?? 0) - 2 * CELL_PAD_X), style };
		});
		const lines = Math.max(1, ...cells.map((c) => (c === 'box' ? 1 : c.lines.length)));
		const hasBox = cells.includes('box');
		const minHeight = Math.max(
			header ? 0 : (t.minRowHeight ?? 0),
			hasBox ? BOX + 2 * CELL_PAD_Y + 4 : 0
		);
		return {
			cells,
			lines,
			minHeight,
			...(header && t.style === 'grid' ? { fill: HEADER_FILL } : {})
		};
	};
	const header = t.header
		? prepare(
				t.columns.map((c) => c.label),
				true
			)
		: null;
	const rowHeight = (r: PreparedRow, lines: number) =>
		Math.max(r.minHeight, lines * STYLES.cell.leading + 2 * CELL_PAD_Y);
	const headerHeight = header ? rowHeight(header, header.lines) : 0;

	/** Draws lines [from, to) of a row as one band `height` tall at the flow's position. */
	const drawBand = (r: PreparedRow, from: number, to: number, height: number) => {
		let x = SIDE;
		r.cells.forEach((cell, i) => {
			const w = widths[i] ?? 0;
			if (t.style === 'grid') flow.surface.rect(x, flow.y - height, w, height, r.fill);
			if (cell === 'box') {
				if (from === 0)
					flow.surface.rect(x + (w - BOX) / 2, flow.y - CELL_PAD_Y - 2 - BOX, BOX, BOX);
			} else {
				cell.lines.slice(from, to).forEach((line, n) => {
					flow.surface.text(
						line,
						x + CELL_PAD_X,
						baseline(flow.y - CELL_PAD_Y - n * cell.style.leading, cell.style),
						cell.style
					);
				});
			}
			x += w;
		});
		flow.y -= height;
	};
	const newPageWithHeader = () => {
		flow.newPage();
		if (header) drawBand(header, 0, header.lines, headerHeight);
	};
	/** Lines of a row a fresh page holds under the header. */
	const linesPerPage = Math.max(
		1,
		Math.floor((TOP - BOTTOM - headerHeight - 2 * CELL_PAD_Y) / STYLES.cell.leading)
	);

	const rows = t.rows.map((row) => prepare(row, false));
	if (header) {
		// The header is kept with the first row (or the first lines of it).
		const first = rows[0];
		flow.ensure(headerHeight + (first ? rowHeight(first, Math.min(first.lines, 3)) : 0));
		drawBand(header, 0, header.lines, headerHeight);
	}
	for (const r of rows) {
		let from = 0;
		for (;;) {
			const left = r.lines - from;
			const height = rowHeight(r, left);
			if (height <= flow.room || !flow.canBreak) {
				drawBand(r, from, r.lines, height);
				break;
			}
			const fit = Math.floor((flow.room - 2 * CELL_PAD_Y) / STYLES.cell.leading);
			const freshPage = flow.y === flow.top - headerHeight;
			// Split a row only when a whole page could not hold the rest of it anyway.
			if ((left > linesPerPage && fit >= 2) || (freshPage && fit >= 1)) {
				const n = Math.min(fit, left);
				drawBand(r, from, from + n, n * STYLES.cell.leading + 2 * CELL_PAD_Y);
				from += n;
				if (from >= r.lines) break;
			}
			newPageWithHeader();
		}
	}
}

function renderSignatures(flow: Flow, s: Signatures): void {
	const style = STYLES.normal;
	const font = flow.fonts.font(style);
	const height = 30;
	const spacing = 18;
	let x = SIDE;
	flow.ensure(height);
	for (const field of s.fields) {
		const label = flow.fonts.clean(field.label);
		const labelWidth = widthOf(font, label, style.size);
		const lineWidth = Math.min(field.lineWidth, WIDTH - labelWidth - 4);
		if (x > SIDE && x + labelWidth + 4 + lineWidth > SIDE + WIDTH) {
			flow.y -= height;
			flow.ensure(height);
			x = SIDE;
		}
		// Written on: the label sits at the foot of the band, beside the line, with room above to sign.
		const base = flow.y - height + 6;
		flow.surface.text(label, x, base, style);
		flow.surface.line(x + labelWidth + 4, base - 1, x + labelWidth + 4 + lineWidth, base - 1);
		x += labelWidth + 4 + lineWidth + spacing;
	}
	flow.y -= height;
}

/**
 * Slips start on a new page, as many to a page as the tallest slip allows (at most `perPage`), in
 * equal slots with a dashed cut line between them. A slip taller than a page runs on over pages.
 */
function renderSlips(flow: Flow, s: Slips): void {
	if (s.slips.length === 0) return;
	const tallest = Math.max(...s.slips.map((blocks) => measure(flow.fonts, blocks)));
	const perPage = Math.max(
		1,
		Math.min(s.perPage, Math.floor((TOP - BOTTOM) / (tallest + 2 * SLIP_PAD)))
	);
	const slot = (TOP - BOTTOM) / perPage;
	if (!flow.atTop) flow.newPage();
	s.slips.forEach((blocks, i) => {
		const n = i % perPage;
		if (i > 0 && n === 0) flow.newPage();
		const top = TOP - n * slot;
		if (n > 0) flow.surface.line(SIDE / 2, top, PAGE[0] - SIDE / 2, top, true);
		if (perPage > 1) {
			flow.top = top - SLIP_PAD;
			flow.bottom = top - slot + SLIP_PAD;
			flow.canBreak = false;
		}
		flow.y = flow.top;
		for (const b of blocks) renderBlock(flow, b);
		flow.top = TOP;
		flow.bottom = BOTTOM;
		flow.canBreak = true;
		flow.y = perPage > 1 ? top - slot : flow.y;
	});
}

/** The height blocks take, laid out without page breaks. */
function measure(fonts: Fonts, blocks: readonly SlipBlock[]): number {
	const flow = Flow.measuring(fonts);
	for (const b of blocks) renderBlock(flow, b);
	return flow.top - flow.y;
}
