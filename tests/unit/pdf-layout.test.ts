import { describe, expect, it } from 'vitest';

import {
	box,
	fields,
	heading,
	pageBreak,
	paragraph,
	plainText,
	signatures,
	slips,
	table,
	title,
	wrapText,
	type Column
} from '../../src/lib/domain/document.js';
import { renderDocument } from '../../src/lib/server/reports/pdf.js';
import { allText, columnsOf, readPdf, within, type PdfPage } from '../helpers/pdf-text.js';

/** A measure for pure wrapping tests: every character 1 unit wide. */
const chars = (s: string) => s.length;

describe('plainText and wrapText (pure)', () => {
	it('turns line breaks, tabs and control characters into single spaces and drops invisible format characters', () => {
		expect(plainText('Eve\n# Fake heading\r\n| void |\tx\u2028y\u0000z')).toBe(
			'Eve # Fake heading | void | x y z'
		);
		expect(plainText('ab\u202Edc\u200Be')).toBe('abdce');
		expect(plainText('  \n ')).toBe('');
	});
	it('wraps at spaces, never making a new line from a line break in the text', () => {
		expect(wrapText('one two\nthree four', 9, chars)).toEqual(['one two', 'three', 'four']);
		expect(wrapText('', 10, chars)).toEqual([]);
	});
	it('breaks a word wider than the line, preferring "@" and ".", and keeps every character', () => {
		const email = 'invigilator.number.one@example-centre.org.uk';
		const lines = wrapText(email, 16, chars);
		expect(lines.join('')).toBe(email);
		expect(lines.every((l) => l.length <= 16)).toBe(true);
		expect(lines[0]).toBe('invigilator.');
		expect(lines).toContain('@example-centre.');
		// No natural break: cut at the width, still nothing lost.
		expect(wrapText('x'.repeat(25), 10, chars)).toEqual([
			'x'.repeat(10),
			'x'.repeat(10),
			'x'.repeat(5)
		]);
	});
	it('always makes progress, even when one character is wider than the line', () => {
		expect(wrapText('abc', 0.5, chars)).toEqual(['a', 'b', 'c']);
	});
});

describe('table() checks its rows', () => {
	it('refuses a row with a cell missing or extra, so no value prints under the wrong heading', () => {
		const cols: Column[] = [
			{ label: 'A', width: 1 },
			{ label: 'B', width: 1 }
		];
		expect(() => table(cols, [['1']])).toThrow('Row 1 has 1 cells for 2 columns');
		expect(() => table(cols, [['1', '2', '3']])).toThrow();
		expect(table(cols, [['1', '']]).rows).toHaveLength(1);
	});
});

const PEOPLE: Column[] = [
	{ label: 'No.', width: 50 },
	{ label: 'Name', width: 150 },
	{ label: 'Email', width: 120 },
	{ label: 'Present', width: 50 },
	{ label: 'Note', width: 125 }
];
const LABELS = PEOPLE.map((c) => c.label);

/** Items of a page's table body (below its header line) that lie in the given column. */
function bodyItems(page: PdfPage, column: { left: number; right: number }) {
	const headerY = page.lines.find((l) => l.items.some((i) => i.text === 'No.'))!.y;
	return page.items.filter(
		(i) => i.y < headerY - 1 && i.x >= column.left && i.x < column.right && i.size === 10
	);
}

describe('renderDocument: layout of a document tree', () => {
	it('keeps text that looks like markup inside its node: no extra heading, row or page', async () => {
		const evil = 'Eve\n# Fake heading | void | x';
		const pdf = await renderDocument({
			title: 'Register',
			blocks: [
				title('Register'),
				paragraph('Room: R1\n---\n| 9999 | Fake Person | | |'),
				table(PEOPLE, [
					['C1', evil, 'eve@example.test', box, ''],
					['C2', 'Bob\n| 9999 | Fake Person', 'bob@example.test', box, '---']
				])
			]
		});
		const pages = await readPdf(pdf);
		expect(pages).toHaveLength(1);
		const page = pages[0]!;
		// One title (18 pt); nothing else printed at a heading's size.
		expect(page.items.filter((i) => i.size > 11).map((i) => i.text)).toEqual(['Register']);
		const cols = columnsOf(page, LABELS);
		// Two rows: the number column holds exactly C1 and C2.
		expect(bodyItems(page, cols[0]!).map((i) => i.text)).toEqual(['C1', 'C2']);
		// The forged text is in the name cell, on the name column's lines.
		const names = bodyItems(page, cols[1]!);
		expect(names.map((i) => i.text).join(' ')).toBe(
			'Eve # Fake heading | void | x Bob | 9999 | Fake Person'
		);
		for (const item of page.items.filter((i) => /Fake/.test(i.text))) {
			if (item.size === 10) expect(within(item, cols[1]!)).toBe(true);
		}
		expect(allText(pages)).toContain('Room: R1 --- | 9999 | Fake Person | | |');
	});

	it('wraps a long e-mail address and name within their cells, growing the row, and all of it reads back', async () => {
		const email =
			'a.very.long.invigilator.address.for.testing@an-examination-centre.example.org.uk';
		const name = 'Bartholomew Alexander Fitzwilliam-Montgomery Smythe-Worthington the Third';
		const pdf = await renderDocument({
			title: 't',
			blocks: [
				table(PEOPLE, [
					['C1', name, email, box, 'after'],
					['C2', 'Al', 'al@x.test', box, '']
				])
			]
		});
		const [page] = await readPdf(pdf);
		const cols = columnsOf(page!, LABELS);
		const emailItems = bodyItems(page!, cols[2]!);
		expect(emailItems.length).toBeGreaterThan(2);
		for (const i of emailItems) expect(within(i, cols[2]!)).toBe(true);
		expect(
			emailItems
				.filter((i) => i.text !== 'al@x.test')
				.map((i) => i.text)
				.join('')
		).toBe(email);
		const nameItems = bodyItems(page!, cols[1]!);
		for (const i of nameItems) expect(within(i, cols[1]!)).toBe(true);
		expect(nameItems.map((i) => i.text).join(' ')).toBe(`${name} Al`);
		// The second row starts below the last line of the first row's tallest cell.
		const c2 = bodyItems(page!, cols[0]!).find((i) => i.text === 'C2')!;
		expect(c2.y).toBeLessThan(
			Math.min(...emailItems.filter((i) => i.text !== 'al@x.test').map((i) => i.y))
		);
	});

	it('repeats the header row on each page a long table runs onto, and numbers the pages', async () => {
		const rows = Array.from({ length: 80 }, (_, i) => [
			`C${i + 1}`,
			`Name ${i + 1}`,
			`c${i + 1}@x.test`,
			box,
			''
		]);
		const pdf = await renderDocument({
			title: 't',
			footer: 'Register',
			blocks: [title('Register'), table(PEOPLE, rows, { minRowHeight: 20 })]
		});
		const pages = await readPdf(pdf);
		expect(pages.length).toBeGreaterThanOrEqual(2);
		const numbers: string[] = [];
		for (const page of pages) {
			const cols = columnsOf(page, LABELS); // throws if the header line is missing
			numbers.push(...bodyItems(page, cols[0]!).map((i) => i.text));
			expect(page.lines.at(-1)!.text).toBe(`Register – page ${page.number} of ${pages.length}`);
		}
		// Every row once, in order: none lost at a page break, none printed twice.
		expect(numbers).toEqual(rows.map((r) => r[0]));
	});

	it('continues a row taller than a page on the next page, header first, losing no words', async () => {
		const words = Array.from({ length: 1500 }, (_, i) => `w${i}`);
		const pdf = await renderDocument({
			title: 't',
			blocks: [
				heading('Saves'),
				table(
					[
						{ label: 'Time', width: 1 },
						{ label: 'Answer', width: 6 }
					],
					[['09:00', words.join(' ')]]
				)
			]
		});
		const pages = await readPdf(pdf);
		expect(pages.length).toBeGreaterThan(1);
		const read: string[] = [];
		for (const page of pages) {
			const [, answer] = columnsOf(page, ['Time', 'Answer']);
			const headerY = page.lines.find((l) => l.text.startsWith('Time Answer'))!.y;
			read.push(
				...page.items
					.filter((i) => i.y < headerY - 1 && within(i, answer!) && i.size === 10)
					.flatMap((i) => i.text.split(' '))
			);
		}
		expect(read).toEqual(words);
	});

	it('prints characters outside the standard fonts as a near letter or "?", never failing', async () => {
		const pdf = await renderDocument({
			title: 'Zoë 🙂',
			blocks: [paragraph('Zoë Łukasz Őrs “quoted” – 🙂 €5')]
		});
		expect(allText(await readPdf(pdf))).toContain('Zoë ?ukasz Ors “quoted” – ? €5');
	});

	it('lays slips out several to a page, each whole, starting a new page when a page is full', async () => {
		const slip = (n: number) => [
			heading('Sign-in slip'),
			paragraph(`Candidate ${n}`, 'strong'),
			fields([
				['Web address', 'https://exams.example.org/candidate/signin'],
				['Candidate number', `C${n}`]
			])
		];
		const pdf = await renderDocument({
			title: 's',
			blocks: [slips(3, [1, 2, 3, 4, 5].map(slip)), pageBreak, paragraph('after')]
		});
		const pages = await readPdf(pdf);
		const perPage = pages.map((p) => p.items.filter((i) => i.text === 'Sign-in slip').length);
		expect(perPage.slice(0, 2)).toEqual([3, 2]);
		// Each slip's lines stay together, in order, within its third of the page.
		const first = pages[0]!;
		const tops = first.items.filter((i) => i.text === 'Sign-in slip').map((i) => i.y);
		const urls = first.items
			.filter((i) => i.text === 'https://exams.example.org/candidate/signin')
			.map((i) => i.y);
		expect(urls).toHaveLength(3);
		urls.forEach((y, i) => {
			expect(y).toBeLessThan(tops[i]!);
			if (tops[i + 1] !== undefined) expect(y).toBeGreaterThan(tops[i + 1]!);
		});
		expect(allText(pages.slice(2))).toContain('after');
	});

	it('uses fewer slips to a page when a slip is tall, rather than cutting it', async () => {
		const long = Array.from(
			{ length: 30 },
			() => 'A long line of instructions that wraps onto more lines.'
		).join(' ');
		const pdf = await renderDocument({
			title: 's',
			blocks: [
				slips(
					3,
					[1, 2, 3].map((n) => [heading(`Slip ${n}`), paragraph(long)])
				)
			]
		});
		const pages = await readPdf(pdf);
		const perPage = pages.map((p) => p.items.filter((i) => /^Slip \d$/.test(i.text)).length);
		expect(Math.max(...perPage)).toBeLessThan(3);
		expect(perPage.reduce((a, b) => a + b, 0)).toBe(3);
		// Every sentence of every slip is printed (words, not lines, as lines wrap).
		expect(allText(pages).match(/\binstructions\b/g)).toHaveLength(90);
	});

	it('draws signature lines with their labels', async () => {
		const pdf = await renderDocument({
			title: 't',
			blocks: [
				signatures(
					{ label: "Invigilator's signature", lineWidth: 170 },
					{ label: 'Date', lineWidth: 90 }
				)
			]
		});
		const [page] = await readPdf(pdf);
		expect(page!.lines[0]!.text).toBe("Invigilator's signature Date");
		// No underscores: the lines to sign on are drawn, not typed.
		expect(page!.lines[0]!.text).not.toContain('_');
	});
});
