import pino from 'pino';

/** One structured logger for the server (JSON lines on stdout). LOG_LEVEL sets the level. */
export const logger = pino({ level: process.env.LOG_LEVEL || (process.env.NODE_ENV === 'test' ? 'silent' : 'info') });
