import { z } from 'zod';

/** Largest autosave request body accepted at all; larger bodies are refused unread (400). */
export const MAX_SAVE_BODY_BYTES = 256 * 1024;

export const saveBodySchema = z.object({
	seq: z.number().int().min(0).max(2_000_000_000),
	text: z.string()
});
