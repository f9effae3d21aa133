import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { submitAttempt } from '../../src/lib/server/delivery/submission.js';
import { markAttendance } from '../../src/lib/server/invigilation/attendance.js';
import { startSitting } from '../../src/lib/server/invigilation/start.js';
import { voidAttempt } from '../../src/lib/server/invigilation/voiding.js';
import { createReadyScripts, scriptAnswers } from '../../src/lib/server/scripts/store.js';
import { createTestDatabase } from '../helpers/db.js';
import { makeScripts } from '../helpers/marking-fixture.js';
import { makeSitting } from '../helpers/sitting-fixture.js';

let h: DatabaseHandle;
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

describe('scripts', () => {
	it('makes one anonymous script per submitted attempt when the sitting ends; absent candidates get none', async () => {
		const f = await makeScripts(h.db, [{ '1': 'Members of the public' }, {}, { '2': 'Email' }], {
			absent: [1]
		});
		expect(f.scripts).toHaveLength(2);
		expect(f.scriptOf(1)).toBeUndefined();
		for (const s of f.scripts) expect(s.script_number).toMatch(/^S-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
		expect(new Set(f.scripts.map((s) => s.script_number)).size).toBe(2);
		expect(Object.fromEntries(await scriptAnswers(h.db, f.scriptOf(0)!.id))).toEqual({
			'1': 'Members of the public'
		});
		// Running again makes nothing new: one live script per attempt.
		expect(await createReadyScripts(h.db, new Date())).toBe(0);
	});

	it('waits for the save grace after a submission before the sitting ends, and never scripts a voided attempt', async () => {
		const t0 = new Date(Date.now() - 60_000);
		const f = await makeSitting(h.db, 2, [], { scheduledAt: t0 });
		for (const c of f.candidates)
			await markAttendance(h.db, { ...f.ctx, now: t0 }, f.sitting.id, f.attemptOf(c.id), true);
		await startSitting(h.db, { ...f.ctx, now: t0 }, f.sitting.id);
		const [a, b] = f.candidates.map((c) => f.attemptOf(c.id));
		const submittedAt = new Date(t0.getTime() + 6 * 60_000);
		await submitAttempt(h.db, a!, submittedAt);
		await submitAttempt(h.db, b!, submittedAt);
		await voidAttempt(
			h.db,
			{ ...f.ctx, now: new Date(submittedAt.getTime() + 1000) },
			f.sitting.id,
			b!,
			'Notes found in a pocket'
		);
		// Within the 60 s grace a late save may still land: no script yet.
		expect(
			await createReadyScripts(
				h.db,
				new Date(submittedAt.getTime() + 30_000),
				f.sitting.paper_version_id
			)
		).toBe(0);
		expect(
			await createReadyScripts(
				h.db,
				new Date(submittedAt.getTime() + 61_000),
				f.sitting.paper_version_id
			)
		).toBe(1);
		const made = await h.db
			.selectFrom('script')
			.select('attempt_id')
			.where('attempt_id', 'in', [a!, b!])
			.execute();
		expect(made.map((r) => r.attempt_id)).toEqual([a]);
	});
});
