import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';

type BueroExchangeWriterConfig = NodeDef;

// Node skeleton: passes messages on until its behaviour lands with its issue.
export = function (RED: NodeAPI) {
  function BueroExchangeWriterNode(this: Node, config: BueroExchangeWriterConfig) {
    RED.nodes.createNode(this, config);
    this.on('input', (msg: NodeMessageInFlow, send, done) => {
      send(msg);
      done();
    });
  }
  RED.nodes.registerType('buero-exchange-writer', BueroExchangeWriterNode);
};
