/**
 * How the sync log and the nodes' messages name a node: `"name" (type)`, or the type alone when
 * the node has no name (the log names the sources of Catch and Status messages the same way).
 */
export function nodeLabel(node: { name?: string; type: string }): string {
  return node.name ? `"${node.name}" (${node.type})` : node.type;
}
