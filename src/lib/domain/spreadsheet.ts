/**
 * Text cells that a spreadsheet opens as text. Excel, LibreOffice and Google Sheets treat a cell
 * that starts with = + - @ (and, after trimming, a tab or carriage return before one) as a
 * formula: a candidate "named" `=HYPERLINK("http://evil.example","Click")` would become a live
 * link, or worse, in the centre's copy (OWASP, "CSV Injection"). Such a cell gets a leading
 * apostrophe, which the spreadsheet shows as text and does not print. Numbers the system itself
 * writes (totals, versions) are not passed through here and stay numbers.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function safeCell(value: string | null | undefined): string {
	const s = value ?? '';
	return FORMULA_START.test(s) ? `'${s}` : s;
}

/**
 * A file name for a download built from words anyone may have typed (a paper code, a candidate
 * number): letters, digits, "-", "_" and "." only, every other run of characters one "-", at most
 * 100 characters, never empty or starting with a dot. Safe inside a quoted Content-Disposition
 * filename and on every file system.
 */
export function safeFileName(name: string, fallback = 'download'): string {
	const dot = name.lastIndexOf('.');
	const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot + 1)] : [name, ''];
	const clean = (s: string) =>
		s
			.normalize('NFKD')
			.replace(/\p{M}/gu, '')
			.replace(/[^A-Za-z0-9_-]+/g, '-')
			.replace(/-{2,}/g, '-')
			.replace(/^[-_]+|[-_]+$/g, '');
	const e = clean(ext).slice(0, 10);
	const s = clean(stem).slice(0, 100 - e.length - 1) || fallback;
	return e ? `${s}.${e}` : s;
}
