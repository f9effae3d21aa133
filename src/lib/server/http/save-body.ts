import { z } from 'zod';

/** Largest autosave request body accepted at all; larger bodies are refused unread (400). */
export const MAX_SAVE_BODY_BYTES = 256 * 1024;

export const saveBodySchema = z.object({
	seq: z.number().int().min(0).max(2_000_000_000),
	// PostgreSQL text cannot hold NUL; no keyboard types it, so such a body is malformed (400), not a 500.
	text: z.string().refine((t) => !t.includes('\u0000'), 'Answers cannot contain the NUL character')
});
