import { deflateSync } from 'node:zlib';
import { type PDFContext, type PDFFont, type PDFPage } from 'pdf-lib';

import { plainText, wrapText } from '../../domain/document.js';

/*
 * The printed page of every document: A4 geometry and text styles, the standard fonts and text made
 * fit for them, one page's drawing as PDF content-stream operators, and the flow that places blocks
 * down the page (pdf.ts lays the blocks out).
 */

export const PAGE: [number, number] = [595.28, 841.89];
export const SIDE = 50;
export const TOP = PAGE[1] - 50;
/** Above the footer line. */
export const BOTTOM = 50;
export const FOOTER_Y = 25;
export const WIDTH = PAGE[0] - 2 * SIDE;

/** Grey levels, 0 black to 1 white. */
const INK = 0;
export const GREY = 0.3;
const RULE = 0.55;
export const HEADER_FILL = 0.9;

export interface TextStyle {
	bold: boolean;
	size: number;
	/** Height of one line. */
	leading: number;
}

export const STYLES = {
	title: { bold: true, size: 18, leading: 22 },
	heading: { bold: true, size: 13, leading: 16 },
	normal: { bold: false, size: 11, leading: 14 },
	strong: { bold: true, size: 12, leading: 15 },
	small: { bold: false, size: 9, leading: 11.5 },
	footer: { bold: false, size: 8, leading: 10 },
	cell: { bold: false, size: 10, leading: 12.5 },
	cellStrong: { bold: true, size: 10, leading: 12.5 }
} satisfies Record<string, TextStyle>;

export const FOOTER = STYLES.footer;
export const CELL_PAD_X = 4;
export const CELL_PAD_Y = 3.5;
export const BOX = 10;
/** Room between a slip's edge (cut line) and its text. */
export const SLIP_PAD = 12;

/**
 * Widths of text already measured, by font, size and text: the same labels, names and sentences
 * are measured again and again (each wrap measures every prefix of a line; every slip has the same
 * labels). Standard fonts only, so a width depends on nothing else. Bounded: cleared when full.
 */
const widths = new Map<string, number>();
const WIDTHS_MAX = 50_000;

export function widthOf(font: PDFFont, s: string, size: number): number {
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
export class Fonts {
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
export class PageInk implements Surface {
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
export class Flow {
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
export const baseline = (top: number, style: TextStyle) =>
	top - style.leading / 2 - 0.36 * style.size;
