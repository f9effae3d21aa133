// The import graph of src/, measured (npm run lint runs `depcruise src`): no cycles, no import in
// src/lib/server running from a lower layer to a higher one (the layer list is
// architecture-layers.js, shared with ESLint), the domain pure, the demo data out of the app.
/* eslint-disable @typescript-eslint/no-require-imports */
const { SERVER_LAYERS } = require('./architecture-layers.cjs');

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const layerPath = (name) => `^src/lib/server/${esc(name)}/`;

/** For each layer, a rule forbidding imports of every layer above it. */
const upward = SERVER_LAYERS.slice(0, -1).map((name, i) => ({
	name: `layer-${name}`,
	comment: `src/lib/server/${name} may import only the layers below it (${SERVER_LAYERS.slice(0, i).join(', ') || 'the kernel'})`,
	severity: 'error',
	from: { path: layerPath(name) },
	to: {
		path: `^src/lib/server/(${SERVER_LAYERS.slice(i + 1)
			.map(esc)
			.join('|')})/`
	}
}));

module.exports = {
	forbidden: [
		{
			name: 'no-circular',
			comment: 'A cycle makes two modules one: split the shared part out, lower down.',
			severity: 'error',
			from: { path: '^src/' },
			to: { circular: true }
		},
		{
			name: 'kernel-imports-no-layer',
			comment: 'The kernel (src/lib/server/*.ts) is below every layer.',
			severity: 'error',
			from: { path: '^src/lib/server/[^/]+\\.ts$' },
			to: { path: '^src/lib/server/[^/]+/' }
		},
		...upward,
		{
			name: 'domain-is-pure',
			comment: 'src/lib/domain imports no server, client or framework code.',
			severity: 'error',
			from: { path: '^src/lib/domain/' },
			to: { path: '^src/lib/(server|client|components)/|^src/routes/|node_modules' }
		},
		{
			name: 'demo-data-is-tooling',
			comment: 'Demo data is operator tooling: the served app never imports it.',
			severity: 'error',
			from: { path: '^src/(lib|routes)/|^src/hooks' },
			to: { path: '^src/cli/' }
		}
	],
	options: {
		doNotFollow: { path: 'node_modules' },
		exclude: { path: '\\.svelte-kit|node_modules' },
		tsPreCompilationDeps: true,
		tsConfig: { fileName: 'tsconfig.json' },
		enhancedResolveOptions: {
			extensions: ['.ts', '.js', '.svelte'],
			exportsFields: ['exports'],
			conditionNames: ['import', 'require', 'node', 'default', 'types']
		}
	}
};
