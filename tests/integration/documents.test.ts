import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { markAttendance } from '../../src/lib/server/invigilation/attendance.js';
import { logIncident } from '../../src/lib/server/invigilation/incidents.js';
import {
	attendanceRegisterPdf,
	invigilatorReportPdf,
	signInSlipsPdf
} from '../../src/lib/server/reports/sitting-documents.js';
import { createTestDatabase } from '../helpers/db.js';
import {
	allText,
	columnsOf,
	readPdf,
	within,
	type ColumnSpan,
	type PdfPage,
	type PdfTextItem
} from '../helpers/pdf-text.js';
import { makeSitting } from '../helpers/sitting-fixture.js';

let h: DatabaseHandle;
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

// What a security review typed into names, the room and an incident: each tried to forge a heading
// or a table row (a fake candidate, a fake "void") in the line markup the documents used to be.
const EVIL_FIRST = 'Eve\n# Fake heading | void | x';
const EVIL_LAST = 'Bob\n| 9999 | Fake Person';
const EVIL_ROOM = 'Room 2 | 9999 | Fake Person\n# Void';
const EVIL_REASON = 'Fire alarm | 0009 | void\n| 9999 | Fake Person';
const EVIL_ANSWER = 'late answer\n## Fake heading\n| 0009 | Fake | void';
const LONG_EMAIL =
	'senior.invigilator.for.the.morning.sessions@a-very-long-centre-name.example.org.uk';

/** A sitting of `n` candidates whose first two have hostile names, in a hostile room. */
async function hostileSitting(n = 3) {
	const f = await makeSitting(h.db, n, [{ extra_time_percent: '25' }]);
	await h.db
		.updateTable('candidate')
		.set({ first_name: EVIL_FIRST })
		.where('id', '=', f.candidates[0]!.id)
		.execute();
	await h.db
		.updateTable('candidate')
		.set({ first_name: 'Cand2', last_name: EVIL_LAST })
		.where('id', '=', f.candidates[1]!.id)
		.execute();
	await h.db
		.updateTable('sitting')
		.set({ room: EVIL_ROOM })
		.where('id', '=', f.sitting.id)
		.execute();
	return f;
}

const sizes = (pages: PdfPage[], min: number) =>
	pages.flatMap((p) => p.items.filter((i) => i.size > min).map((i) => i.text));

/** A table's columns on a page and its body items (below its header line, above `until`). */
function tableOn(page: PdfPage, labels: string[], until = -Infinity) {
	const cols = columnsOf(page, labels);
	const headerY = page.lines.find((l) =>
		labels.every((label) => l.items.some((i) => i.text === label))
	)!.y;
	const body = page.items.filter((i) => i.y < headerY - 1 && i.y > until && i.size === 10);
	const inColumn = (c: ColumnSpan) => body.filter((i) => i.x >= c.left && i.x < c.right);
	return { cols, body, inColumn };
}

/** The items printed on the same line as `item`. */
const lineOf = (page: PdfPage, item: PdfTextItem) =>
	page.lines.find((l) => l.items.includes(item))!.items;

describe('attendance register', () => {
	it('keeps hostile names and room inside their cells: one row per candidate, no forged heading', async () => {
		const f = await hostileSitting();
		const pages = await readPdf(await attendanceRegisterPdf(h.db, f.centre.id, f.sitting.id));
		expect(pages).toHaveLength(1);
		const page = pages[0]!;
		// The title is the only text above paragraph size.
		expect(sizes(pages, 11.5)).toEqual(['Attendance register']);
		const header = page.lines.find((l) => l.text.startsWith('No. '))!;
		expect(header.text).toBe('No. Candidate Arrangements Present Signature');
		const t = tableOn(page, ['No.', 'Candidate', 'Arrangements', 'Present', 'Signature']);
		const [no, name, arr, present, signature] = t.cols;
		expect(t.inColumn(no!).map((i) => i.text)).toEqual(['0001', '0002', '0003']);
		// The whole hostile name reads back from the name column, and nothing of it leaks elsewhere.
		expect(
			t
				.inColumn(name!)
				.map((i) => i.text)
				.join(' ')
		).toBe('Test, Eve # Fake heading | void | x Bob | 9999 | Fake Person, Cand2 Test, Cand3');
		for (const item of t.body.filter((i) => /Fake|void|9999/.test(i.text)))
			expect(within(item, name!)).toBe(true);
		expect(t.inColumn(arr!).map((i) => i.text)).toEqual(['25% extra time', '-', '-']);
		// Present holds a box to tick and Signature is left empty to sign: no text in either.
		expect(t.inColumn(present!)).toEqual([]);
		expect(t.inColumn(signature!)).toEqual([]);
		expect(signature!.right - signature!.left).toBeGreaterThanOrEqual(130);
		// Rows tall enough to sign in.
		const ys = t.inColumn(no!).map((i) => i.y);
		expect(ys[0]! - ys[1]!).toBeGreaterThanOrEqual(28);
		const text = allText(pages);
		expect(text).toContain('Room: Room 2 | 9999 | Fake Person # Void');
		expect(text).not.toContain('Room Room');
		expect(text).not.toMatch(/\d\d:\d\d:\d\d/);
		expect(text).toMatch(/Date and time: \w+, \d+ \w+ \d{4} at \d\d:\d\d/);
		expect(text).toContain(`Keycode: ${f.sitting.keycode}`);
		expect(text).toContain("Invigilator's signature Time started Time ended");
	});

	it('repeats the column headings on every page of a long register', async () => {
		const f = await makeSitting(h.db, 40);
		const pages = await readPdf(await attendanceRegisterPdf(h.db, f.centre.id, f.sitting.id));
		expect(pages.length).toBeGreaterThanOrEqual(2);
		const numbers = pages.flatMap((p) => {
			const t = tableOn(p, ['No.', 'Candidate', 'Arrangements', 'Present', 'Signature']);
			return t.inColumn(t.cols[0]!).map((i) => i.text);
		});
		// In the register's order (by number: 0001, 0002, … 0040), each once.
		expect(numbers).toEqual(f.candidates.map((_, i) => String(i + 1).padStart(4, '0')));
		expect(pages.at(-1)!.lines.at(-1)!.text).toBe(
			`Attendance register – page ${pages.length} of ${pages.length}`
		);
	});
});

describe('sign-in slips', () => {
	it('puts several slips on a page, each giving the web address, and keeps hostile names on one line', async () => {
		const f = await hostileSitting(4);
		const pages = await readPdf(
			await signInSlipsPdf(
				h.db,
				f.centre.id,
				f.sitting.id,
				'https://exams.example.org/candidate/signin'
			)
		);
		expect(
			pages.map((p) => p.items.filter((i) => i.text === 'Candidate sign-in slip').length)
		).toEqual([3, 1]);
		const text = allText(pages);
		expect(text.match(/https:\/\/exams\.example\.org\/candidate\/signin/g)).toHaveLength(4);
		expect(text).toContain('Eve # Fake heading | void | x Test');
		expect(text).toContain('Cand2 Bob | 9999 | Fake Person');
		expect(text).toContain('Room: Room 2 | 9999 | Fake Person # Void');
		// Headings are the slips' own; the names print at their own (strong) size only.
		expect(sizes(pages, 12.5)).toEqual(Array(4).fill('Candidate sign-in slip'));
		// Each slip gives its own candidate number, centre number and the web address.
		for (const [i, c] of ['0001', '0002', '0003', '0004'].entries())
			expect(pages[i < 3 ? 0 : 1]!.lines.some((l) => l.text === `Candidate number ${c}`)).toBe(
				true
			);
		expect(text.match(new RegExp(`Centre number ${f.centre.number}`, 'g'))).toHaveLength(4);
	});

	it('names the sign-in page by its path when no address is given', async () => {
		const f = await makeSitting(h.db, 2);
		const text = allText(await readPdf(await signInSlipsPdf(h.db, f.centre.id, f.sitting.id)));
		expect(text.match(/Web address \/candidate\/signin/g)).toHaveLength(2);
		expect(text).toContain('Open the exam sign-in page in the web browser and sign in with:');
	});
});

describe("invigilator's report", () => {
	async function reportOf() {
		const f = await hostileSitting();
		const [c1, c2, c3] = f.candidates.map((c) => f.attemptOf(c.id));
		await markAttendance(h.db, f.ctx, f.sitting.id, c1!, true);
		await markAttendance(h.db, f.ctx, f.sitting.id, c2!, true);
		await markAttendance(h.db, f.ctx, f.sitting.id, c3!, false);
		await logIncident(
			h.db,
			{ ...f.ctx, actor: { userId: f.invigilator.id, label: LONG_EMAIL } },
			f.sitting.id,
			c1!,
			EVIL_REASON
		);
		await h.db
			.insertInto('save_quarantine')
			.values({
				attempt_id: c1!,
				item_key: '2',
				seq: 9,
				text: EVIL_ANSWER,
				reason: 'after_deadline',
				received_at: new Date()
			})
			.execute();
		return { f, pages: await readPdf(await invigilatorReportPdf(h.db, f.centre.id, f.sitting.id)) };
	}

	it('prints every column of every candidate row, an empty value as "-" in its own column', async () => {
		const { pages } = await reportOf();
		const page = pages[0]!;
		const labels = ['No.', 'Candidate', 'Outcome', 'Time added', 'Answered', 'Reference'];
		const incidentsY = page.items.find((i) => i.text === 'Incidents and voided attempts')!.y;
		const t = tableOn(page, labels, incidentsY);
		const numbers = t.inColumn(t.cols[0]!);
		expect(numbers.map((i) => i.text)).toEqual(['0001', '0002', '0003']);
		// The absent candidate (no reference, no time added): six values, each under its heading.
		const c3 = lineOf(page, numbers[2]!);
		expect(c3.map((i) => i.text)).toEqual(['0003', 'Cand3 Test', 'absent', '-', '0 / 4', '-']);
		c3.forEach((item, i) => expect(within(item, t.cols[i]!)).toBe(true));
		const c1 = lineOf(page, numbers[0]!);
		expect(c1[0]!.text).toBe('0001');
		expect(
			within(
				c1.find((i) => i.text === '25%')!,
				t.cols[3]!
			)
		).toBe(true);
		for (const item of t.body.filter((i) => /Fake|void|9999/.test(i.text)))
			expect(within(item, t.cols[1]!)).toBe(true);
	});

	it('keeps a hostile reason in its cell and wraps a long e-mail address under "By" without cutting it', async () => {
		const { pages } = await reportOf();
		const page = pages[0]!;
		// No forged headings: the title and the four section headings only.
		expect(sizes(pages, 11.5)).toEqual([
			"Invigilator's report",
			'Candidates',
			'Incidents and voided attempts',
			'Saves refused after the end (kept here, never part of a script)',
			'Sitting log'
		]);
		const savesY = page.items.find((i) => i.text.startsWith('Saves refused'))!.y;
		const t = tableOn(page, ['Time', 'Candidate', 'Event', 'Reason', 'By'], savesY);
		const [time, who, kind, reason, by] = t.cols;
		expect(t.inColumn(time!).map((i) => i.text)).toEqual([expect.stringMatching(/^\d\d:\d\d$/)]);
		expect(t.inColumn(who!).map((i) => i.text)).toEqual(['0001']);
		expect(t.inColumn(kind!).map((i) => i.text)).toEqual(['incident']);
		expect(
			t
				.inColumn(reason!)
				.map((i) => i.text)
				.join(' ')
		).toBe('Fire alarm | 0009 | void | 9999 | Fake Person');
		const email = t.inColumn(by!);
		expect(email.length).toBeGreaterThan(1);
		for (const item of email) expect(within(item, by!)).toBe(true);
		expect(email.map((i) => i.text).join('')).toBe(LONG_EMAIL);

		const text = allText(pages);
		expect(text).toContain('Room: Room 2 | 9999 | Fake Person # Void');
		expect(text).not.toMatch(/\d\d:\d\d:\d\d/);
		// The refused save is printed whole, in its own cell.
		const logY = page.items.find((i) => i.text === 'Sitting log')!.y;
		const q = tableOn(page, ['Time', 'Candidate', 'Question', 'Reason', 'Answer sent'], logY);
		expect(
			q
				.inColumn(q.cols[4]!)
				.map((i) => i.text)
				.join(' ')
		).toBe('late answer ## Fake heading | 0009 | Fake | void');
		expect(
			q
				.inColumn(q.cols[3]!)
				.map((i) => i.text)
				.join(' ')
		).toBe('after deadline');
	});

	it('prints the sitting log with a row for each event, the incident among them', async () => {
		const { pages } = await reportOf();
		const page = pages.find((p) => p.items.some((i) => i.text === 'Sitting log'))!;
		const logY = page.items.find((i) => i.text === 'Sitting log')!.y;
		const t = tableOn(page, ['Time', 'Candidate', 'Event', 'Detail', 'By'], -Infinity);
		const rows = t.inColumn(t.cols[2]!).filter((i) => i.y < logY);
		expect(rows.map((i) => i.text)).toEqual(['present', 'present', 'absent', 'incident']);
		expect(
			t
				.inColumn(t.cols[3]!)
				.filter((i) => i.y < logY)
				.map((i) => i.text)
				.join(' ')
		).toBe('- - - Fire alarm | 0009 | void | 9999 | Fake Person');
	});
});
