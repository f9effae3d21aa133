/**
 * Cross-site request forgery: may a request that changes something go ahead, judging by where the
 * browser says it comes from?
 *
 * SvelteKit refuses cross-site form posts by itself (`csrf.checkOrigin`), but only for the content
 * types an HTML form can send. The exam API takes JSON and empty bodies (`POST …/submit` has none),
 * and a page on another site can send those too (`fetch(…, { method: 'POST', credentials: 'include',
 * mode: 'no-cors' })`); the candidate's cookie goes along whenever the browser counts the two sites
 * as one (SameSite=Lax is about sites, not origins: a sibling subdomain, or http vs https, is
 * "same-site"). So every state-changing request must come from this app's own origin.
 */

export type OriginJudgement = { allowed: true } | { allowed: false; reason: string };

/** Methods that read only (RFC 9110 "safe"); everything else can change something. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The decision, from the request's method, its `Origin` and `Sec-Fetch-Site` headers (null when
 * absent) and the app's own origin (`https://exams.example.org`).
 *
 * - A safe method is always allowed.
 * - An `Origin` header must be exactly the app's origin ("null", sent by sandboxed frames, data:
 *   URLs and cross-site redirects, is foreign too).
 * - With no `Origin`, `Sec-Fetch-Site` decides: `cross-site` or `same-site` is another site's page
 *   (refused), as is any value but `same-origin` or `none` (the user's own action).
 * - With neither header the request is allowed. Every current browser sends `Origin` on any request
 *   that is not GET or HEAD, and `Sec-Fetch-Site` on every request, so such a request comes from a
 *   program (curl, the load tests, a script) rather than a victim's browser. A program has only the
 *   cookies it was given itself, so there is no one's session to forge with: refusing it would
 *   protect nothing.
 * - When both are present, both must agree the request is the app's own.
 */
export function judgeRequestOrigin(
	method: string,
	originHeader: string | null,
	secFetchSite: string | null,
	appOrigin: string
): OriginJudgement {
	if (SAFE_METHODS.has(method.toUpperCase())) return { allowed: true };
	const site = secFetchSite?.trim().toLowerCase() || null;
	if (site !== null && site !== 'same-origin' && site !== 'none') {
		return {
			allowed: false,
			reason: `Cross-site ${method.toUpperCase()} requests are refused (Sec-Fetch-Site: ${site.slice(0, 40)})`
		};
	}
	if (originHeader !== null) {
		const origin = normaliseOrigin(originHeader);
		if (origin === null || origin !== normaliseOrigin(appOrigin)) {
			return {
				allowed: false,
				reason: `Cross-origin ${method.toUpperCase()} requests are refused (Origin: ${originHeader.slice(0, 200)})`
			};
		}
	}
	return { allowed: true };
}

/** `scheme://host[:port]` in its canonical form (lower case, no default port), or null for "null" or junk. */
function normaliseOrigin(value: string): string | null {
	const v = value.trim();
	if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#\s@]+$/i.test(v)) return null;
	try {
		const origin = new URL(v).origin;
		return origin === 'null' ? null : origin;
	} catch {
		return null;
	}
}
