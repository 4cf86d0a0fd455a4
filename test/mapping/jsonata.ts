// The override evaluator for lib tests: the JSONata engine Node-RED itself uses (node-red
// depends on `jsonata`), bound the way the node binds it ($item, $change, $address,
// $postalAddress). The node test runs the same overrides through Node-RED's RED.util.
import jsonata from 'jsonata';
import type { OverrideEvaluator } from '../../lib/mapping';

export const evaluateJsonata: OverrideEvaluator = (override, input, bindings) =>
  jsonata(override.expression).evaluate(input, {
    item: bindings.item,
    change: bindings.change,
    address: bindings.address,
    postalAddress: bindings.postalAddress,
  });
