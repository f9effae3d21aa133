import type { QuestionPaper } from '$lib/domain/question-paper';

import type { PageLoad } from './$types';

/**
 * The question paper joins the page's data here, in the browser, from its own address: the server
 * builds it once per paper version and sends it compressed, and the browser keeps it (revalidating,
 * so a reload costs a 304). Without it (not released yet, or the request failed) the page shows
 * the waiting screen, and loads the paper again when the clock next says the exam has started.
 */
export const load: PageLoad = async ({ data, fetch }) => {
	const { paperUrl, ...rest } = data;
	return { ...rest, paper: paperUrl ? await fetchPaper(fetch, paperUrl) : null };
};

async function fetchPaper(f: typeof fetch, url: string): Promise<QuestionPaper | null> {
	try {
		const res = await f(url);
		return res.ok ? ((await res.json()) as QuestionPaper) : null;
	} catch {
		return null;
	}
}
