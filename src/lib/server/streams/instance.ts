import { getDatabase } from '../ops/database.js';
import { onShutdown } from '../ops/lifecycle.js';
import { setOpenStreamsCounter } from '../ops/metrics.js';
import { LiveHub } from './hub.js';

/**
 * The application's one live hub (as db/instance.ts is its one database handle). Only routes and
 * hooks import this; services and tests make their own LiveHub on the database they are given.
 */
let hub: LiveHub | null = null;

export async function getLiveHub(): Promise<LiveHub> {
	if (hub) return hub;
	const h = await getDatabase();
	if (hub) return hub;
	const created = (hub = new LiveHub(h.db, h.live));
	// A graceful stop ends every stream first (the browsers reconnect, to another process if this
	// one is going), then, with the database, the hub's LISTEN connection.
	onShutdown('live streams', () => created.closeAll(), 'streams');
	onShutdown('live channel', () => created.close(), 'database');
	setOpenStreamsCounter(() => created.openStreams);
	return created;
}
