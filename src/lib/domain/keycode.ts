/**
 * Session keycodes: six characters from an alphabet without look-alikes (no I, L, O, 0, 1), so a
 * code read off a whiteboard is typed right; compared without regard to case or spaces.
 */
export const KEYCODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const KEYCODE_LENGTH = 6;

/** `randomIndex(n)` returns a uniform integer in [0, n); pass a cryptographic source. */
export function generateKeycode(randomIndex: (n: number) => number): string {
	return Array.from(
		{ length: KEYCODE_LENGTH },
		() => KEYCODE_ALPHABET[randomIndex(KEYCODE_ALPHABET.length)]
	).join('');
}

export function normaliseKeycode(input: string): string {
	return input.replace(/[\s-]/g, '').toUpperCase();
}

export function isWellFormedKeycode(code: string): boolean {
	return code.length === KEYCODE_LENGTH && [...code].every((c) => KEYCODE_ALPHABET.includes(c));
}
