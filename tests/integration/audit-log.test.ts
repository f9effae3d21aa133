import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { auditDetailLines } from '../../src/lib/domain/audit.js';
import {
	AUDIT_PAGE_SIZE,
	listAuditPage,
	writeAudit,
	type Actor
} from '../../src/lib/server/audit/index.js';
import {
	correctCandidate,
	deleteCandidate,
	registerCandidate
} from '../../src/lib/server/centres/candidates.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { createTestDatabase } from '../helpers/db.js';
import { makeCentre } from '../helpers/fixtures.js';

let h: DatabaseHandle;
const alice: Actor = { userId: null, label: 'alice@example.test' };
const bob: Actor = { userId: null, label: 'bob@example.test' };
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

describe('the audit log page', () => {
	it('names subjects (candidate number and name, centre number and name), even a deleted candidate, and reads details as before → after', async () => {
		const centre = await makeCentre(h.db, 'Audit Centre');
		const cand = await registerCandidate(h.db, alice, centre.id, {
			candidate_number: '0003',
			first_name: 'Ann',
			last_name: 'Le'
		});
		await correctCandidate(h.db, alice, centre.id, cand.id, {
			candidate_number: '0003',
			first_name: 'Ann',
			last_name: 'Lee'
		});
		const gone = await registerCandidate(h.db, alice, centre.id, {
			candidate_number: '0004',
			first_name: 'Typo',
			last_name: 'Entry'
		});
		await deleteCandidate(h.db, alice, centre.id, gone.id);

		const { entries } = await listAuditPage(h.db, { actor: 'alice' });
		const correct = entries.find((e) => e.action === 'candidate.correct')!;
		expect(correct.subject).toBe('candidate 0003 Ann Lee');
		expect(auditDetailLines(correct.details)).toEqual(['last name: Le → Lee']);
		expect(entries.find((e) => e.action === 'candidate.delete')!.subject).toBe(
			'candidate 0004 Typo Entry'
		);
		const created = (await listAuditPage(h.db, { action: 'centre.create', subject: centre.number }))
			.entries;
		expect(created.map((e) => e.subject)).toEqual([`centre ${centre.number} ${centre.name}`]);
		expect(
			auditDetailLines({ file: 'a.csv', count: 2, numbers: ['0001', '0002'], rest_breaks: true })
		).toEqual(['file: a.csv', 'count: 2', 'numbers: 0001, 0002', 'rest breaks: yes']);
	});

	it('filters by actor, action, subject and dates, and pages 50 at a time', async () => {
		const centre = await makeCentre(h.db, 'Paging Centre');
		for (let i = 0; i < AUDIT_PAGE_SIZE + 5; i++) {
			await writeAudit(h.db, bob, {
				action: 'test.paging',
				centreId: centre.id,
				subjectType: 'centre',
				subjectId: centre.id,
				details: { i }
			});
		}
		const first = await listAuditPage(h.db, { actor: 'BOB@', action: 'test.paging' });
		expect(first.entries).toHaveLength(AUDIT_PAGE_SIZE);
		expect(first.hasNext).toBe(true);
		expect(first.entries[0]!.details).toEqual({ i: AUDIT_PAGE_SIZE + 4 });
		const second = await listAuditPage(h.db, { actor: 'bob', action: 'test.paging', page: 2 });
		expect(second.entries.map((e) => e.details.i)).toEqual([4, 3, 2, 1, 0]);
		expect(second.hasNext).toBe(false);
		expect((await listAuditPage(h.db, { actor: 'alice', action: 'test.paging' })).entries).toEqual(
			[]
		);
		expect(
			(await listAuditPage(h.db, { subject: 'paging centre', action: 'test.paging' })).entries
		).toHaveLength(AUDIT_PAGE_SIZE);
		const today = new Date().toISOString().slice(0, 10);
		expect(
			(await listAuditPage(h.db, { action: 'test.paging', from: today, to: today })).entries
		).toHaveLength(AUDIT_PAGE_SIZE);
		expect(
			(await listAuditPage(h.db, { action: 'test.paging', to: '2000-01-01' })).entries
		).toEqual([]);
		// A search is text, never a pattern: "%" matches only a "%".
		expect((await listAuditPage(h.db, { actor: '%', action: 'test.paging' })).entries).toEqual([]);
	});
});

describe('the audit log in UK time', () => {
	it('shows each entry in Europe/London time (BST in summer, GMT in winter) and reads the date filters as UK days', async () => {
		const { load } = await import('../../src/routes/admin/audit/+page.server.js');
		const at = (iso: string, i: number) =>
			h.db
				.insertInto('audit_log')
				.values({
					actor_label: 'zone@example.test',
					action: 'test.zone',
					details: JSON.stringify({ i }),
					occurred_at: new Date(iso)
				})
				.execute();
		await at('2026-07-01T23:30:00Z', 1); // 00:30 on 2 July in London (BST)
		await at('2026-12-01T23:30:00Z', 2); // 23:30 on 1 December (GMT)
		const page = async (q: string) =>
			(await load({
				locals: { db: h.db },
				url: new URL(`http://localhost/admin/audit?action=test.zone${q}`)
			} as never)) as {
				entries: { at: string }[];
			};
		expect((await page('')).entries.map((e) => e.at)).toEqual([
			'1 Dec 2026, 23:30:00',
			'2 Jul 2026, 00:30:00'
		]);
		expect((await page('&from=2026-07-02&to=2026-07-02')).entries.map((e) => e.at)).toEqual([
			'2 Jul 2026, 00:30:00'
		]);
		expect((await page('&from=2026-07-01&to=2026-07-01')).entries).toEqual([]);
		expect((await page('&from=2026-12-01&to=2026-12-01')).entries.map((e) => e.at)).toEqual([
			'1 Dec 2026, 23:30:00'
		]);
	});
});
