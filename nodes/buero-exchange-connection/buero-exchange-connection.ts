import type { Node, NodeAPI, NodeDef } from 'node-red';

type BueroExchangeConnectionConfig = NodeDef;

// Config node skeleton: the settings arrive with their issue.
export = function (RED: NodeAPI) {
  function BueroExchangeConnectionNode(this: Node, config: BueroExchangeConnectionConfig) {
    RED.nodes.createNode(this, config);
  }
  RED.nodes.registerType('buero-exchange-connection', BueroExchangeConnectionNode);
};
