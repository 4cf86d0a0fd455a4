import type { Node, NodeAPI, NodeDef } from 'node-red';

type BueroConnectionConfig = NodeDef;

// Config node skeleton: the settings arrive with their issue.
export = function (RED: NodeAPI) {
  function BueroConnectionNode(this: Node, config: BueroConnectionConfig) {
    RED.nodes.createNode(this, config);
  }
  RED.nodes.registerType('buero-connection', BueroConnectionNode);
};
