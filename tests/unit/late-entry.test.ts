import { describe, expect, it } from 'vitest';

import { DEFAULT_LATE_ENTRY_MINUTES, judgeLateEntry } from '../../src/lib/domain/late-entry.js';

const start = new Date('2026-12-07T09:30:00Z');
const after = (m: number) => new Date(start.getTime() + m * 60_000);

describe('late entry', () => {
	it('lets a late arrival in up to the limit without a reason, and says how late in the log', () => {
		expect(DEFAULT_LATE_ENTRY_MINUTES).toBe(30);
		expect(judgeLateEntry(start, after(12), 30, '')).toEqual({
			ok: true,
			minutesLate: 12,
			logReason: '12 min after the start, within the 30-minute limit'
		});
		expect(judgeLateEntry(start, after(30.9), 30, '').ok).toBe(true);
	});

	it('past the limit needs the invigilator’s reason, which the log keeps', () => {
		expect(judgeLateEntry(start, after(31), 30, '  ')).toEqual({
			ok: false,
			minutesLate: 31,
			reason:
				'This candidate is starting 31 minutes after the sitting began, past its 30-minute limit for late entry: give the reason you are admitting them'
		});
		expect(judgeLateEntry(start, after(45), 30, 'Bus broke down; the centre confirms')).toEqual({
			ok: true,
			minutesLate: 45,
			logReason:
				'Admitted 45 min after the start, past the 30-minute limit: Bus broke down; the centre confirms'
		});
	});

	it('a limit of 0 admits only at the start without a reason', () => {
		expect(judgeLateEntry(start, after(0.5), 0, '').ok).toBe(true);
		expect(judgeLateEntry(start, after(1), 0, '').ok).toBe(false);
	});
});
