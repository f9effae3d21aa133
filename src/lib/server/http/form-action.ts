/**
 * The one shape of a form action that changes something: guard the request, read the form, run the
 * service and return what the page shows, or report the service's error inline on the form it
 * came from (failFromError: 4xx, nothing changed; 401 and 403 are the site's error page).
 */
import type { ActionFailure } from '@sveltejs/kit';

import { failFromError, type FormFailure } from './responses.js';

export interface FormActionOptions<E, G, V, F extends string | undefined> {
	/** Who may: throws (an error page or a redirect) when the request may not run; its value goes to the handler. */
	guard: (event: E) => G | Promise<G>;
	/** Which of the page's forms this is: added to the result and to a failure's values, so the page shows it by that form. */
	form?: F;
	/** The form's fields as the handler reads them, given back to show again when the change is refused. */
	values?: (data: FormData) => V;
}

export interface FormActionInput<E, G, V> {
	event: E;
	data: FormData;
	/** What the guard returned. */
	guarded: G;
	/** What `values` read from the form ({} without it). */
	values: V;
}

type Tagged<F> = F extends string ? { form: F } : unknown;

export function formAction<
	E extends { request: Request },
	G,
	R extends object,
	V extends Record<string, unknown> = Record<string, never>,
	F extends string | undefined = undefined
>(
	options: FormActionOptions<E, G, V, F>,
	run: (input: FormActionInput<E, G, V>) => Promise<R>
): (event: E) => Promise<(Tagged<F> & R) | ActionFailure<FormFailure>> {
	return async (event) => {
		const guarded = await options.guard(event);
		const data = await event.request.formData();
		const values = options.values ? options.values(data) : ({} as V);
		const tag: Record<string, string> = options.form === undefined ? {} : { form: options.form };
		try {
			const result = await run({ event, data, guarded, values });
			// The tag is there exactly when F is a form's name (Tagged<F>).
			return { ...tag, ...result } as Tagged<F> & R;
		} catch (err) {
			return failFromError(err, { ...values, ...tag });
		}
	};
}
