import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';

type BueroChangesConfig = NodeDef;

// Node skeleton: passes messages on until its behaviour lands with its issue.
export = function (RED: NodeAPI) {
  function BueroChangesNode(this: Node, config: BueroChangesConfig) {
    RED.nodes.createNode(this, config);
    this.on('input', (msg: NodeMessageInFlow, send, done) => {
      send(msg);
      done();
    });
  }
  RED.nodes.registerType('buero-changes', BueroChangesNode);
};
