import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';

type BueroSyncLogConfig = NodeDef;

// Node skeleton: passes messages on until its behaviour lands with its issue.
export = function (RED: NodeAPI) {
  function BueroSyncLogNode(this: Node, config: BueroSyncLogConfig) {
    RED.nodes.createNode(this, config);
    this.on('input', (msg: NodeMessageInFlow, send, done) => {
      send(msg);
      done();
    });
  }
  RED.nodes.registerType('buero-sync-log', BueroSyncLogNode);
};
