import { PDFDocument, StandardFonts } from 'pdf-lib';

import {
	type Block,
	type Cell,
	type DocumentTree,
	type Signatures,
	type SlipBlock,
	type Slips,
	type Table
} from '../../domain/document.js';
import {
	baseline,
	BOTTOM,
	BOX,
	CELL_PAD_X,
	CELL_PAD_Y,
	Flow,
	Fonts,
	FOOTER,
	FOOTER_Y,
	GREY,
	HEADER_FILL,
	PAGE,
	PageInk,
	SIDE,
	SLIP_PAD,
	STYLES,
	TOP,
	WIDTH,
	widthOf,
	type TextStyle
} from './pdf-page.js';

/*
 * The one layout of printable documents: renders a document tree (domain/document.ts) on A4 pages
 * with pdf-lib. Text wraps within its line or cell and a row grows to hold it; nothing is truncated.
 * A table that runs onto another page repeats its header row there; a row too tall for a whole page
 * continues on the next. Every page ends with "page N of M".
 */

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
