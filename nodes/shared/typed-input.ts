import type { Node, NodeAPI, NodeMessage } from 'node-red';

/**
 * Reads TypedInput settings of a node: a fixed value as it is, or for the type `env` the value
 * of the environment variable it names (Node-RED looks in the flow, group and global
 * environment first, then in the process environment).
 */
export function typedInputReader(RED: NodeAPI, node: Node): (value: unknown, type: string | undefined) => unknown {
  return (value, type) => (type === 'env' ? RED.util.evaluateNodeProperty(String(value ?? ''), 'env', node, {} as NodeMessage) : value);
}
