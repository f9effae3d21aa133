// The layers of src/lib/server, bottom to top: one list, read by ESLint (eslint.config.js) and by
// dependency-cruiser (.dependency-cruiser.cjs), and drawn in docs/architecture.md. A folder may
// import only folders below it; the kernel (the files at src/lib/server's root) is below them all.
// A new folder goes in this list, at the height its imports put it, before it goes in the tree.
// (CommonJS so that dependency-cruiser's CommonJS config can read it too.)
const SERVER_LAYERS = [
	'db',
	'ops',
	'audit',
	'live',
	'auth',
	'accounts',
	'centres',
	'registrations',
	'bank',
	'sittings',
	'attempts',
	'scripts',
	'delivery',
	'quality',
	'marking',
	'awarding',
	'invigilation',
	'reviews',
	'reports',
	'certificates',
	'mocks',
	'streams',
	'http'
];

module.exports = { SERVER_LAYERS };
