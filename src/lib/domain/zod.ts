/**
 * zod, as the domain uses it. Its schemas reach the browser too (the candidates page imports the
 * arrangement rules), where zod would probe whether `new Function` is allowed: under the app's
 * Content-Security-Policy (no 'unsafe-eval') that probe is caught but still reported as a
 * violation. `jitless` skips the probe; parsing is a little slower, which nothing here notices.
 */
import { z } from 'zod';

z.config({ jitless: true });

export { z };
