import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { MappingCode } from '../../lib/error-codes';
import { split } from '../../lib/ack-token';
import { SyncError, toError } from '../../lib/errors';
import { EVENT_TOPIC } from '../../lib/log/events';
import {
  checkOverrides,
  mapChange,
  settingsFromFlow,
  type FieldOverride,
  type MapSettings,
  type OverrideEvaluator,
  warningEvent,
} from '../../lib/mapping';
import { upgradeConfig } from '../shared/config-version';
import { nodeLabel } from '../shared/label';
import { throttledStatus } from '../shared/status';
import { typedInputReader } from '../shared/typed-input';

/** The node's configuration in today's layout (nodes/shared/config-version.ts). */
interface BueroMapConfig extends NodeDef {
  version?: number;
  timeZone?: string;
  bodyFormat?: string;
  bodyFormatType?: string;
  keepInfo?: string | boolean;
  keepInfoType?: string;
  category?: string;
  companyContacts?: string | boolean;
  companyContactsType?: string;
  reminderDefault?: string;
  placeholderSubject?: string;
  freeBusy?: string;
  freeBusyType?: string;
  fields?: string;
  overrides?: FieldOverride[];
}

type Expression = ReturnType<NodeAPI['util']['prepareJSONataExpression']>;

/**
 * Thin adapter over lib/mapping: reads the settings (fixed values, ${VAR} texts or
 * environment-variable typed inputs), maps each change, sends the writer messages on output 1
 * and the warnings as sync-log events on output 2. Changes are mapped one after the other, so
 * the writer receives them in the order the source sent them.
 */

/** Writer messages sent before the mapper lets the event loop run (memory of a large backlog). */
const YIELD_EVERY = 1000;
export = function (RED: NodeAPI) {
  function BueroMapNode(this: Node, config: BueroMapConfig) {
    RED.nodes.createNode(this, config);
    start(this, config);
  }

  function start(node: Node, saved: BueroMapConfig) {
    // Typed inputs hold a fixed value or the name of an environment variable ('env').
    const typed = typedInputReader(RED, node);

    let settings: MapSettings | undefined;
    let configError: SyncError | undefined;
    try {
      const config = upgradeConfig(saved);
      const overrides = checkOverrides(config.overrides ?? []);
      const compiled = new Map<string, Expression>();
      overrides.forEach((o, i) => {
        try {
          compiled.set(o.expression, RED.util.prepareJSONataExpression(o.expression, node));
        } catch (err) {
          throw new SyncError(MappingCode.configInvalid, `Field override ${i + 1} (${o.field}): ${toError(err).message}`, {
            record: 'buero-map settings',
            field: `overrides[${i}]`,
          });
        }
      });
      // Node-RED's own JSONata: $env, $flowContext, $globalContext and $moment work as in a Change node.
      const evaluate: OverrideEvaluator = (override, input, bindings) =>
        new Promise((resolve, reject) => {
          const expr = compiled.get(override.expression)!;
          expr.assign('item', bindings.item);
          expr.assign('change', bindings.change);
          expr.assign('address', bindings.address);
          expr.assign('postalAddress', bindings.postalAddress);
          RED.util.evaluateJSONataExpression(expr, input as NodeMessage, (err, value) => (err ? reject(err) : resolve(value)));
        });
      settings = settingsFromFlow({
        timeZone: config.timeZone,
        bodyFormat: typed(config.bodyFormat, config.bodyFormatType),
        keepInfo: typed(config.keepInfo, config.keepInfoType),
        category: config.category,
        companyContacts: typed(config.companyContacts, config.companyContactsType),
        reminderDefault: config.reminderDefault,
        placeholderSubject: config.placeholderSubject,
        freeBusy: typed(config.freeBusy, config.freeBusyType),
        fields: config.fields,
        overrides,
        evaluate,
      });
    } catch (err) {
      configError = err instanceof SyncError ? err : new SyncError(MappingCode.configInvalid, toError(err).message, { cause: err });
      node.error(configError.message);
      node.status({ fill: 'red', shape: 'ring', text: RED._('buero-map.status.configError') });
    }

    // How the sync log names this node in its warnings.
    const source = nodeLabel(node);
    let mapped = 0;
    let warned = 0;
    // Thousands of changes in a catch-up: the count is shown at most twice a second.
    const status = throttledStatus(500, () => node.status(
      warned > 0
        ? { fill: 'yellow', shape: 'dot', text: RED._('buero-map.status.warnings', { count: warned }) }
        : { fill: 'green', shape: 'dot', text: RED._('buero-map.status.mapped', { count: mapped }) },
    ));
    let queue: Promise<void> = Promise.resolve();

    async function handle(msg: NodeMessageInFlow, send: (m: Array<NodeMessage[]>) => void, done: (err?: Error) => void) {
      if (configError || !settings) {
        // Not acknowledged: the source sends the change again once the settings are fixed.
        done(configError);
        return;
      }
      try {
        const { messages, warnings } = await mapChange(msg.payload, settings);
        const tokens = split((msg as { ack?: unknown }).ack, messages.length);
        const writerMessages = messages.map((payload, i) => {
          const out: NodeMessage & { ack?: unknown } = { topic: `${payload.kind}/${payload.action}`, payload };
          if (tokens[i]) out.ack = tokens[i];
          return out;
        });
        const now = new Date();
        const events = warnings.map((w) => ({ topic: EVENT_TOPIC, payload: warningEvent(w, now, source) }) as NodeMessage);
        for (const w of warnings) node.warn(w.message);
        mapped++;
        warned += warnings.length;
        // One send per message: Node-RED deep-copies every message after the first of one
        // send() call, and these are already separate objects (a copy per mailbox would be
        // garbage: bench/README.md, memory).
        for (const m of writerMessages) send([[m], []]);
        sinceYield += writerMessages.length;
        if (events.length > 0) send([[], events]);
        status.update();
        done();
      } catch (err) {
        const error = err instanceof SyncError ? err : new SyncError(MappingCode.failed, toError(err).message, { cause: err });
        // The fault is reported (Catch nodes, log); acknowledging keeps the source moving. The
        // record comes again once it is corrected in büro+ (a new version).
        if (error.code !== MappingCode.configInvalid) split((msg as { ack?: unknown }).ack, 0);
        status.stop();
        node.status({ fill: 'red', shape: 'ring', text: RED._('buero-map.status.recordError') });
        done(error);
      }
    }

    // Mapping needs no I/O, so a page of changes would be mapped in one go and all its writer
    // messages would be in memory and go into one SQLite transaction of the writer at once.
    // After YIELD_EVERY messages the queue lets the event loop run, so the writer takes what
    // came so far (bench/README.md, memory). A message is one change for all its mailboxes; the
    // change source keeps at most 5,000 mailbox writes unacknowledged (maxPending).
    let sinceYield = 0;
    const breathe = async () => {
      if (sinceYield < YIELD_EVERY) return;
      sinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
    };

    node.on('input', (msg, send, done) => {
      queue = queue.then(() => handle(msg, send as (m: Array<NodeMessage[]>) => void, done)).then(breathe);
    });

    node.on('close', (done: () => void) => {
      // Let changes already received finish mapping before the flow stops.
      queue.then(() => done(), () => done()).finally(() => status.stop());
    });
  }
  RED.nodes.registerType('buero-map', BueroMapNode);
};
