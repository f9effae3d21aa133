import fc from 'fast-check';

/*
 * Hostile input for the property-based (fuzz) tests: what a careless client, a broken browser or an
 * attacker sends. Text mixes random Unicode (any code point, lone surrogates included) with the
 * shapes that break systems: NUL and other control characters, bidi overrides, SQL and template
 * text, paths, very long strings. Numbers are the ones JSON and forms carry badly.
 */

export const NASTY_STRINGS = [
	'',
	' ',
	'\0',
	'a\0b',
	'\u0001\u0007\u001b[2J',
	'\r\n\r\n',
	'\t',
	"' or '1'='1",
	"'; drop table candidate; --",
	'"); delete from mark; --',
	'\u202e\u2066evil\u2069',
	'\u200b\u200d\ufeff',
	'%00',
	'%2e%2e%2f',
	'../../etc/passwd',
	'<script>alert(1)</script>',
	'${7*7}{{7*7}}',
	'=cmd|"/c calc"!A1',
	'😀👩‍👩‍👧',
	'\ud800',
	'\udfff\ud800',
	'NaN',
	'-1',
	'1e309',
	'00000000-0000-0000-0000-000000000000',
	'-'.repeat(36),
	'x'.repeat(5_000),
	'é'.repeat(70_000)
] as const;

/** Any text: random Unicode (lone surrogates too), ASCII, or one of the nasty strings, possibly padded with junk. */
export const hostileText = (maxLength = 300): fc.Arbitrary<string> =>
	fc.oneof(
		fc.constantFrom(...NASTY_STRINGS),
		fc.string({ unit: 'binary', maxLength }),
		fc.string({ unit: 'grapheme', maxLength }),
		fc.tuple(fc.constantFrom(...NASTY_STRINGS), fc.string({ maxLength: 20 })).map(([a, b]) => a + b)
	);

/** Numbers JSON and forms carry badly. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
	fc.constantFrom(
		-1,
		-0,
		0.5,
		Number.NaN,
		Infinity,
		-Infinity,
		Number.MAX_SAFE_INTEGER + 2,
		1e308,
		-1e308,
		2 ** 31,
		2 ** 53
	),
	fc.double(),
	fc.integer({ min: -1_000_000, max: 1_000_000 })
);

/** Any JSON-ish value: the wrong type where an object, a number or a string is expected. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
	hostileText(50),
	hostileNumber,
	fc.constantFrom(
		null,
		undefined,
		true,
		false,
		[],
		{},
		[1, 2],
		{ kind: 'mark' },
		{ kind: 'mark', mark: '3' },
		{ __proto__: { kind: 'mark' } }
	),
	fc.anything({ maxDepth: 2 })
);

/** A text that is not `valid` (nor a trimmed or case-changed copy of it). */
export const otherThan = (valid: string, arb: fc.Arbitrary<string> = hostileText()) =>
	arb.filter((s) => s.trim().toLowerCase() !== valid.trim().toLowerCase());

/** fast-check's settings for the suite: few runs (CI time), reproducible from the seed it prints. */
export const FUZZ_RUNS = {
	numRuns: 25,
	...(process.env.FUZZ_SEED
		? { seed: Number(process.env.FUZZ_SEED), path: process.env.FUZZ_PATH, endOnFailure: true }
		: {})
} as const;
