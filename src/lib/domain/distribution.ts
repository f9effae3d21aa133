import { gradeCounts, type Boundaries } from './results.js';
import { count } from './words.js';

/**
 * A paper's mark distribution for awarding: one bin per whole mark 0..total, the bars' geometry
 * for an inline SVG, and the same numbers in words (the chart's text alternative). Pure.
 */
export interface Histogram {
	totalMarks: number;
	/** One bin per mark 0..totalMarks, in order. */
	bins: { mark: number; count: number }[];
	candidates: number;
	maxCount: number;
}

export function histogram(totals: readonly number[], totalMarks: number): Histogram {
	if (!Number.isInteger(totalMarks) || totalMarks < 1)
		throw new RangeError(`A paper's total must be a whole number above 0, got ${totalMarks}`);
	const counts = new Array<number>(totalMarks + 1).fill(0);
	for (const t of totals) {
		// A total outside the paper is a bug upstream, never something to draw quietly.
		if (!Number.isInteger(t) || t < 0 || t > totalMarks)
			throw new RangeError(`A total of ${t} is outside 0..${totalMarks}`);
		counts[t]!++;
	}
	return {
		totalMarks,
		bins: counts.map((c, mark) => ({ mark, count: c })),
		candidates: totals.length,
		maxCount: Math.max(0, ...counts)
	};
}

export interface ChartSize {
	width: number;
	height: number;
}

export interface Bar {
	mark: number;
	count: number;
	x: number;
	y: number;
	width: number;
	height: number;
}

export interface HistogramChart {
	width: number;
	height: number;
	/** The plot area inside the axes' labels. */
	plot: { left: number; top: number; right: number; bottom: number };
	/** Bars of the marks that have candidates (an empty mark draws nothing). */
	bars: Bar[];
	/** Candidates axis: the value and its y. */
	yTicks: { value: number; y: number }[];
	/** Marks axis: the mark and the x of its bin's middle. */
	xTicks: { mark: number; x: number }[];
	/** Each boundary's x: the left edge of its mark's bin (marks at or above the boundary lie to the right). */
	boundaries: { pass: number; firstClass: number };
}

const MARGIN = { left: 44, top: 28, right: 12, bottom: 36 };

/** The geometry of the histogram in SVG units (y grows downwards). */
export function histogramChart(
	h: Histogram,
	b: Boundaries,
	size: ChartSize = { width: 720, height: 280 }
): HistogramChart {
	const plot = {
		left: MARGIN.left,
		top: MARGIN.top,
		right: size.width - MARGIN.right,
		bottom: size.height - MARGIN.bottom
	};
	const binWidth = (plot.right - plot.left) / (h.totalMarks + 1);
	const yStep = Math.max(1, Math.ceil(h.maxCount / 4));
	const yMax = Math.max(1, Math.ceil(h.maxCount / yStep) * yStep);
	const yOf = (value: number) => plot.bottom - (value / yMax) * (plot.bottom - plot.top);
	const xOf = (mark: number) => plot.left + mark * binWidth;
	const gap = binWidth > 4 ? 1 : 0;
	const bars = h.bins
		.filter((bin) => bin.count > 0)
		.map((bin) => ({
			mark: bin.mark,
			count: bin.count,
			x: xOf(bin.mark) + gap / 2,
			y: yOf(bin.count),
			width: binWidth - gap,
			height: plot.bottom - yOf(bin.count)
		}));
	const yTicks = [];
	for (let v = 0; v <= yMax; v += yStep) yTicks.push({ value: v, y: yOf(v) });
	const xStep = h.totalMarks <= 30 ? 5 : 10;
	const xTicks = [];
	for (let m = 0; m <= h.totalMarks; m += xStep) xTicks.push({ mark: m, x: xOf(m) + binWidth / 2 });
	return {
		width: size.width,
		height: size.height,
		plot,
		bars,
		yTicks,
		xTicks,
		boundaries: { pass: xOf(b.pass), firstClass: xOf(b.firstClass) }
	};
}

/** The median of whole-mark totals (a half when the middle two differ), or null for none. */
export function median(totals: readonly number[]): number | null {
	if (totals.length === 0) return null;
	const s = [...totals].sort((a, b) => a - b);
	const mid = Math.floor(s.length / 2);
	return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The distribution in one sentence: "24 candidates graded, marks 8 to 52 of 60 (median 31): 6 Fail, 14 Pass, 4 First Class Pass." */
export function distributionSummary(
	totals: readonly number[],
	totalMarks: number,
	b: Boundaries
): string {
	if (totals.length === 0) return 'No candidate has a graded result yet.';
	const g = gradeCounts(totals, b);
	return (
		`${count(totals.length, 'candidate')} graded, marks ${Math.min(...totals)} to ${Math.max(...totals)} of ${totalMarks} (median ${median(totals)}): ` +
		`${g.Fail} Fail, ${g.Pass} Pass, ${g['First Class Pass']} First Class Pass (pass mark ${b.pass}, first class ${b.firstClass}).`
	);
}
