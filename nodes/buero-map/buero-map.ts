import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';

type BueroMapConfig = NodeDef;

// Node skeleton: passes messages on until its behaviour lands with its issue.
export = function (RED: NodeAPI) {
  function BueroMapNode(this: Node, config: BueroMapConfig) {
    RED.nodes.createNode(this, config);
    this.on('input', (msg: NodeMessageInFlow, send, done) => {
      send(msg);
      done();
    });
  }
  RED.nodes.registerType('buero-map', BueroMapNode);
};
