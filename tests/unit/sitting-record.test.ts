import { describe, expect, it } from 'vitest';

import { sittingRecord, type LoggedEvent } from '../../src/lib/domain/sitting-record.js';

const at = (m: number) => new Date(Date.UTC(2026, 11, 7, 9, m));
const event = (kind: string, m: number, more: Partial<LoggedEvent> = {}): LoggedEvent => ({
	kind,
	candidateNumber: '0001',
	minutes: null,
	reason: null,
	at: at(m),
	restBreaksArranged: false,
	...more
});

describe("a sitting's record for awarding", () => {
	it('keeps what the awarding body must see, oldest first, and leaves routine entries out', () => {
		const r = sittingRecord({
			events: [
				event('extra_time', 20, { minutes: 10, reason: 'Fire alarm' }),
				event('start', 0, { candidateNumber: null }),
				event('incident', 15, { candidateNumber: null, reason: 'Fire alarm' }),
				event('submit', 50),
				event('start_one', 5, { candidateNumber: '0002' })
			],
			voided: 0,
			refusedSaves: 0
		});
		expect(r.entries.map((e) => [e.kind, e.what])).toEqual([
			['start_one', 'Late start'],
			['incident', 'Incident logged'],
			['extra_time', 'Extra time given on the day']
		]);
		expect(r.counts).toEqual({ start_one: 1, incident: 1, extra_time: 1 });
		expect(r.clean).toBe(false);
	});

	it('a rest break is on the record only when the arrangements did not include rest breaks', () => {
		const r = sittingRecord({
			events: [
				event('rest_break_start', 10, { restBreaksArranged: true }),
				event('rest_break_start', 12, { candidateNumber: '0002', restBreaksArranged: false })
			],
			voided: 0,
			refusedSaves: 0
		});
		expect(r.entries.map((e) => e.candidateNumber)).toEqual(['0002']);
	});

	it('is clean only with no entry, no void and no refused save', () => {
		expect(sittingRecord({ events: [event('start', 0)], voided: 0, refusedSaves: 0 }).clean).toBe(
			true
		);
		expect(sittingRecord({ events: [], voided: 1, refusedSaves: 0 }).clean).toBe(false);
		expect(sittingRecord({ events: [], voided: 0, refusedSaves: 2 }).clean).toBe(false);
	});
});
