import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const count = async (table: 'centre' | 'app_user' | 'candidate') =>
		Number((await locals.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
	return { centres: await count('centre'), staff: await count('app_user'), candidates: await count('candidate') };
};
