// Shared set-up for node tests: node-red-node-test-helper bound to the Node-RED runtime that
// is installed (4.x here; the test:nr5 script runs the same tests against Node-RED 5).
import helper from 'node-red-node-test-helper';

helper.init(require.resolve('node-red'));

export { helper };

/** Every node module of the package, as Node-RED loads them (from the TypeScript source). */
export const allNodes = [
  require('../../nodes/buero-connection/buero-connection'),
  require('../../nodes/buero-changes/buero-changes'),
  require('../../nodes/buero-map/buero-map'),
  require('../../nodes/buero-exchange-connection/buero-exchange-connection'),
  require('../../nodes/buero-exchange-writer/buero-exchange-writer'),
  require('../../nodes/buero-sync-log/buero-sync-log'),
  require('../../nodes/buero-outlook-changes/buero-outlook-changes'),
  require('../../nodes/buero-writer/buero-writer'),
];
