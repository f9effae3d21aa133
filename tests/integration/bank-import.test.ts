import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

import { describeImport } from '../../src/cli/bank.js';
import { gridView, judgeAward } from '../../src/lib/domain/grid.js';
import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import { updateBoundaries } from '../../src/lib/server/awarding/boundary-changes.js';
import { importBank } from '../../src/lib/server/bank/import.js';
import { loadBank } from '../../src/lib/server/bank/load.js';
import {
	getMarkingGrid,
	getPaperVersion,
	listPapers,
	listVersions
} from '../../src/lib/server/bank/papers.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { ConflictError, ValidationError } from '../../src/lib/server/errors.js';
import { validPaper, writeBank } from '../helpers/bank-fixture.js';
import { createTestDatabase } from '../helpers/db.js';

let h: DatabaseHandle;
let root: string;
beforeAll(async () => {
	h = await createTestDatabase();
	root = writeBank();
});
afterAll(async () => {
	await h.close();
	rmSync(root, { recursive: true, force: true });
});

const snapshot = async () => ({
	papers: await h.db.selectFrom('paper').selectAll().orderBy('code').execute(),
	versions: await h.db
		.selectFrom('paper_version')
		.select(['id', 'version', 'content_hash'])
		.orderBy('id')
		.execute(),
	items: await h.db
		.selectFrom('paper_item')
		.selectAll()
		.orderBy('paper_version_id')
		.orderBy('position')
		.execute()
});

describe('bank import', () => {
	it('imports a paper with its items, then a second import changes nothing', async () => {
		const first = await importBank(h.db, loadBank(root), SYSTEM_ACTOR);
		expect(first.papersCreated).toEqual(['8992-111-T']);
		expect(first.newVersions).toEqual([{ code: '8992-111-T', version: 1 }]);
		const before = await snapshot();
		expect(before.items.map((i) => [i.item_key, i.label, i.max_marks, i.area])).toEqual([
			['1', '1', 5, 'FL'],
			['2', '2', 5, 'FN'],
			['3.a', '3(a)', 5, 'FM'],
			['3.b', '3(b)', 5, 'FO']
		]);
		const second = await importBank(h.db, loadBank(root), SYSTEM_ACTOR);
		expect(second).toEqual({
			unitsChanged: [],
			papersCreated: [],
			newVersions: [],
			reverted: [],
			unchanged: ['8992-111-T']
		});
		expect(await snapshot()).toEqual(before);
	});

	it('editing a paper makes a new version and keeps the old one unchanged', async () => {
		const v1 = await getPaperVersion(h.db, '8992-111-T');
		const edited = validPaper();
		edited.sections[0].questions[0].stem = 'Identify three types of customer.';
		writeFileSync(join(root, '8992-111', '8992-111-T.yaml'), stringify(edited));
		const r = await importBank(h.db, loadBank(root), SYSTEM_ACTOR);
		expect(r.newVersions).toEqual([{ code: '8992-111-T', version: 2 }]);
		const current = await getPaperVersion(h.db, '8992-111-T');
		expect(current.version).toBe(2);
		expect(current.paper.sections[0]!.questions[0]!.stem).toBe('Identify three types of customer.');
		const old = await getPaperVersion(h.db, '8992-111-T', 1);
		expect(old.versionId).toBe(v1.versionId);
		expect(old.paper.sections[0]!.questions[0]!.stem).toBe('Identify two types of customer.');
		expect((await listVersions(h.db, '8992-111-T')).map((v) => v.version)).toEqual([2, 1]);
	});

	it('does not import a bad file', async () => {
		const bad = validPaper();
		bad.code = '8992-111-U';
		bad.sections[0].questions[0].area = 'FS';
		writeFileSync(join(root, '8992-111', '8992-111-U.yaml'), stringify(bad));
		const bank = loadBank(root);
		expect(bank.problems.length).toBeGreaterThan(0);
		expect([...bank.badFiles]).toEqual([expect.stringMatching(/8992-111\/8992-111-U\.yaml$/)]);
		await importBank(h.db, bank, SYSTEM_ACTOR);
		expect((await listPapers(h.db)).map((p) => p.code)).toEqual(['8992-111-T']);
		rmSync(join(root, '8992-111', '8992-111-U.yaml'));
	});

	it('imports neither file of a duplicate paper code', async () => {
		const dup = validPaper();
		dup.code = '8992-111-D';
		const copy = { ...dup, title: 'Another paper claiming the same code' };
		writeFileSync(join(root, '8992-111', '8992-111-D.yaml'), stringify(dup));
		writeFileSync(join(root, '8992-111', 'draft.yaml'), stringify(copy));
		const bank = loadBank(root);
		expect([...bank.badFiles].map((f) => f.replace(/^.*\/8992-111\//, '')).sort()).toEqual([
			'8992-111-D.yaml',
			'draft.yaml'
		]);
		await importBank(h.db, bank, SYSTEM_ACTOR);
		expect((await listPapers(h.db)).map((p) => p.code)).toEqual(['8992-111-T']);
		rmSync(join(root, '8992-111', '8992-111-D.yaml'));
		rmSync(join(root, '8992-111', 'draft.yaml'));
	});

	it('changing only the boundaries in the file is not a new version (boundaries are edited in the app)', async () => {
		const edited = validPaper();
		edited.sections[0].questions[0].stem = 'Identify three types of customer.';
		edited.boundaries = { pass: 11, first_class: 17 };
		writeFileSync(join(root, '8992-111', '8992-111-T.yaml'), stringify(edited));
		const r = await importBank(h.db, loadBank(root), SYSTEM_ACTOR);
		expect(r.newVersions).toEqual([]);
	});

	it('reverting a paper to earlier content (A → B → A) makes that earlier version current again', async () => {
		// The file now holds v2's content; put v1's content back.
		writeFileSync(join(root, '8992-111', '8992-111-T.yaml'), stringify(validPaper()));
		const r = await importBank(h.db, loadBank(root), SYSTEM_ACTOR);
		expect(r).toEqual({
			unitsChanged: [],
			papersCreated: [],
			newVersions: [],
			reverted: [{ code: '8992-111-T', version: 1 }],
			unchanged: []
		});
		expect(describeImport(r)).toContain('8992-111-T reverted to v1');
		const current = await getPaperVersion(h.db, '8992-111-T');
		expect(current.version).toBe(1);
		expect(current.paper.sections[0]!.questions[0]!.stem).toBe('Identify two types of customer.');
		expect((await listVersions(h.db, '8992-111-T')).map((v) => v.version)).toEqual([2, 1]);
		expect(
			await h.db
				.selectFrom('audit_log')
				.select('action')
				.where('action', '=', 'bank.revert_version')
				.execute()
		).toHaveLength(1);
		// Importing again is now simply unchanged; and going forward again (B) makes v2 current, not v3.
		expect((await importBank(h.db, loadBank(root), SYSTEM_ACTOR)).unchanged).toEqual([
			'8992-111-T'
		]);
		const edited = validPaper();
		edited.sections[0].questions[0].stem = 'Identify three types of customer.';
		writeFileSync(join(root, '8992-111', '8992-111-T.yaml'), stringify(edited));
		expect((await importBank(h.db, loadBank(root), SYSTEM_ACTOR)).reverted).toEqual([
			{ code: '8992-111-T', version: 2 }
		]);
		expect((await getPaperVersion(h.db, '8992-111-T')).version).toBe(2);
	});
});

describe('structured grids', () => {
	it('a grid with groups, caps and partial credit is stored as written and read back for marking; changing a cap makes a new version', async () => {
		const paper = validPaper();
		paper.code = '8992-111-G';
		paper.sections[0].questions[0].grid = {
			mode: 'points',
			points: [
				{ text: 'explains the effect', marks: 2, partial: '1 for identifying, 1 for explaining' },
				{ text: 'apologises', marks: 1 }
			],
			groups: [
				{
					text: 'Naming sources',
					cap: 2,
					points: ['website', 'colleague', 'handbook'].map((text) => ({ text, marks: 1 }))
				}
			],
			guidance: 'Accept other reliable sources.'
		};
		const dir = writeBank({ papers: [paper] });
		try {
			const bank = loadBank(dir);
			expect(bank.problems).toEqual([]);
			const first = await importBank(h.db, bank, SYSTEM_ACTOR);
			expect(first.newVersions).toEqual([{ code: '8992-111-G', version: 1 }]);
			const grid = await getMarkingGrid(h.db, '8992-111-G');
			const item = grid.items.find((i) => i.key === '1')!;
			expect(item.grid).toEqual(paper.sections[0].questions[0].grid);
			const view = gridView(item.grid, item.marks);
			expect(view.groups).toEqual([{ id: 'g1', text: 'Naming sources', cap: 2 }]);
			expect(judgeAward(view, { kind: 'points', awarded: { p1: 2, p3: 1, p4: 1, p5: 1 } })).toEqual(
				{
					ok: true,
					mark: 4,
					notes: ['Naming sources: capped at 2']
				}
			);
			// The same file again changes nothing; a new cap is new content, so a new version.
			expect((await importBank(h.db, loadBank(dir), SYSTEM_ACTOR)).unchanged).toEqual([
				'8992-111-G'
			]);
			paper.sections[0].questions[0].grid.groups[0].cap = 3;
			writeFileSync(join(dir, '8992-111', '8992-111-G.yaml'), stringify(paper));
			expect((await importBank(h.db, loadBank(dir), SYSTEM_ACTOR)).newVersions).toEqual([
				{ code: '8992-111-G', version: 2 }
			]);
			expect(
				(await getPaperVersion(h.db, '8992-111-G', 1)).paper.sections[0]!.questions[0]!.grid
			).toMatchObject({ groups: [{ cap: 2 }] });
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe('boundaries', () => {
	it('are edited with an audit entry, and refused when invalid', async () => {
		const v = await getPaperVersion(h.db, '8992-111-T');
		await updateBoundaries(h.db, { userId: null, label: 'admin@test' }, v.versionId, {
			pass: '13',
			first_class: '18'
		});
		const after = await getPaperVersion(h.db, '8992-111-T');
		expect([after.pass, after.firstClass]).toEqual([13, 18]);
		const audit = await h.db
			.selectFrom('audit_log')
			.selectAll()
			.where('action', '=', 'paper.update_boundaries')
			.executeTakeFirstOrThrow();
		expect(audit.details).toEqual({
			before: { pass: 12, first_class: 16 },
			after: { pass: 13, first_class: 18 }
		});
		await expect(
			updateBoundaries(h.db, SYSTEM_ACTOR, v.versionId, { pass: '18', first_class: '18' })
		).rejects.toBeInstanceOf(ValidationError);
		await expect(
			updateBoundaries(h.db, SYSTEM_ACTOR, v.versionId, { pass: '10', first_class: '21' })
		).rejects.toBeInstanceOf(ValidationError);
	});
	it('are refused once results are approved (locked), and stay as they were', async () => {
		const v = await getPaperVersion(h.db, '8992-111-T');
		await h.db
			.updateTable('paper_version')
			.set({ boundaries_locked_at: new Date() })
			.where('id', '=', v.versionId)
			.execute();
		await expect(
			updateBoundaries(h.db, SYSTEM_ACTOR, v.versionId, { pass: '10', first_class: '15' })
		).rejects.toBeInstanceOf(ConflictError);
		const after = await getPaperVersion(h.db, '8992-111-T');
		expect([after.pass, after.firstClass, after.locked]).toEqual([13, 18, true]);
	});
});
