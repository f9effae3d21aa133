import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { awardingOverview } from '../../src/lib/server/awarding/approval.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { quarantineSave } from '../../src/lib/server/delivery/autosave.js';
import { extendTime, pause, resume } from '../../src/lib/server/invigilation/clock-actions.js';
import { endSitting } from '../../src/lib/server/invigilation/end.js';
import { logIncident } from '../../src/lib/server/invigilation/incidents.js';
import { voidAttempt } from '../../src/lib/server/invigilation/voiding.js';
import { createTestDatabase } from '../helpers/db.js';
import { startedSitting } from '../helpers/sitting-fixture.js';

/*
 * Approval with the record in view (issue 21, item 3): the awarding page's overview carries, per
 * ended sitting, what its log says happened: incidents, voids, extra time, pauses and refused late
 * saves, each with its candidate and reason; a sitting where nothing happened says it is clean.
 */
let h: DatabaseHandle;
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

describe("the sitting's record on the awarding page", () => {
	it('lists the incidents, voids, extra time, pauses and refused saves of each sitting, with candidate and reason', async () => {
		const f = await startedSitting(h.db, 3);
		const [a, b, c] = f.candidates.map((x) => f.attemptOf(x.id));
		const at = (minutes: number) => ({
			...f.ctx,
			now: new Date(f.t0.getTime() + minutes * 60_000)
		});
		await logIncident(h.db, at(10), f.sitting.id, null, 'Fire alarm: the room left for 8 minutes');
		await extendTime(h.db, at(11), f.sitting.id, b!, '8', 'Time lost to the fire alarm');
		await pause(h.db, at(12), f.sitting.id, c!, 'Unwell');
		await resume(h.db, at(13), f.sitting.id, c!, 'Better');
		await voidAttempt(h.db, at(14), f.sitting.id, c!, 'Notes found under the desk');
		await endSitting(h.db, at(15), f.sitting.id);
		await quarantineSave(
			h.db,
			a!,
			'1',
			{ seq: 9, text: 'too late' },
			'after submission',
			at(16).now
		);

		const o = await awardingOverview(h.db, f.sitting.paper_version_id);
		const record = o.sittings.find((s) => s.id === f.sitting.id)!.record;
		expect(record.entries.map((e) => [e.kind, e.candidateNumber, e.minutes, e.reason])).toEqual([
			['incident', null, null, 'Fire alarm: the room left for 8 minutes'],
			['extra_time', '0002', 8, 'Time lost to the fire alarm'],
			['pause', '0003', null, 'Unwell'],
			['void', '0003', null, 'Notes found under the desk']
		]);
		expect(record).toMatchObject({
			counts: { incident: 1, extra_time: 1, pause: 1, void: 1 },
			voided: 1,
			refusedSaves: 1,
			clean: false
		});
	});

	it('a sitting where nothing happened is clean', async () => {
		const f = await startedSitting(h.db, 1);
		await endSitting(h.db, { ...f.ctx, now: new Date(f.t0.getTime() + 60_000) }, f.sitting.id);
		const o = await awardingOverview(h.db, f.sitting.paper_version_id);
		expect(o.sittings.find((s) => s.id === f.sitting.id)!.record).toEqual({
			entries: [],
			counts: {},
			voided: 0,
			refusedSaves: 0,
			clean: true
		});
	});
});
