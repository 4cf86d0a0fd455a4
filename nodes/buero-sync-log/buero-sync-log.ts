import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { LogFile } from '../../lib/log/file';
import { redact } from '../../lib/log/redact';
import { resolveSettings, type RawLogSettings } from '../../lib/log/settings';
import { LOG_TOPIC, SyncLog, type LogEntry } from '../../lib/log/sync-log';
import type { Level } from '../../lib/log/format';
import { upgradeConfig } from '../shared/config-version';
import { userDir } from '../shared/state-file';
import { throttledStatus } from '../shared/status';
import { typedInputReader } from '../shared/typed-input';

interface BueroSyncLogConfig extends NodeDef {
  file?: string;
  maxSize?: string | number;
  files?: string | number;
  language?: string;
  languageType?: string;
  transfers?: string;
  transfersType?: string;
  forward?: string;
  forwardType?: string;
}

/** The node status changes at most this often (a 2,000-item sync must not flood the editor). */
const STATUS_INTERVAL_MS = 1000;

// Log sink: the Node-RED side of lib/log (settings, file, status, output).
export = function (RED: NodeAPI) {
  function BueroSyncLogNode(this: Node, config: BueroSyncLogConfig) {
    RED.nodes.createNode(this, config);
    start(this, config);
  }

  function start(node: Node, saved: BueroSyncLogConfig) {
    let config: BueroSyncLogConfig;
    try {
      config = upgradeConfig(saved);
    } catch (err) {
      // Not written with settings it may misread; the lines go nowhere until the package is updated.
      node.error((err as Error).message);
      node.status({ fill: 'red', shape: 'ring', text: RED._('buero-sync-log.status.settings') });
      node.on('input', (_msg: NodeMessageInFlow, _send, done) => done());
      return;
    }
    // A TypedInput of type "env" names an environment variable; other types hold the value.
    const typed = typedInputReader(RED, node);
    const raw: RawLogSettings = {
      file: config.file,
      maxSizeMb: config.maxSize,
      files: config.files,
      language: typed(config.language, config.languageType),
      logTransfers: typed(config.transfers, config.transfersType),
      forward: typed(config.forward, config.forwardType),
    };
    const { settings, problems } = resolveSettings(raw, userDir(RED));
    for (const p of problems) node.warn(RED._('buero-sync-log.warn.setting', { ...p }));

    // Status keys of other nodes (`node-red:common.status.connected`) in the log's language.
    const lng = settings.language === 'de' ? 'de' : 'en-US';
    const translateStatus = (text: string): string => {
      if (!/^[\w@/-]*[A-Za-z][\w@/-]*:[A-Za-z][\w-]*(?:\.[\w-]+)+$/.test(text)) return text;
      const words = RED._(text, { lng } as never);
      // i18next answers a missing key with the key (without its namespace).
      const missing = words === text || words === text.slice(text.indexOf(':') + 1);
      return typeof words === 'string' && !missing ? words : text;
    };

    const log = new SyncLog({
      language: settings.language,
      logTransfers: settings.logTransfers,
      selfId: node.id,
      translateStatus,
    });

    let linesWritten = 0;
    let lastErrorAt: Date | undefined;

    const toNodeRedLog = (level: Level, text: string) => {
      // node.error without a message object goes to the log only, never to Catch nodes
      // (a Catch node wired to this sink would otherwise loop).
      if (level === 'error') node.error(text);
      else if (level === 'warn') node.warn(text);
      else node.log(text);
    };

    let file: LogFile | undefined;
    const status = throttledStatus(STATUS_INTERVAL_MS, showStatus);
    try {
      file = new LogFile({
        file: settings.file,
        maxBytes: settings.maxBytes,
        files: settings.files,
        onError: (err) => {
          node.error(RED._('buero-sync-log.error.file', { file: settings.file, reason: redact(err.message) }));
          status.update(true);
        },
        onRecovered: (lost) => {
          if (lost > 0) write(log.linesLost(lost));
          status.update(true);
        },
      });
    } catch (err) {
      node.error(RED._('buero-sync-log.error.file', { file: settings.file, reason: redact((err as Error).message) }));
    }

    function showStatus() {
      if (!file || file.failure) {
        node.status({ fill: 'red', shape: 'ring', text: RED._('buero-sync-log.status.fileError') });
      } else if (lastErrorAt) {
        const time = `${String(lastErrorAt.getHours()).padStart(2, '0')}:${String(lastErrorAt.getMinutes()).padStart(2, '0')}`;
        node.status({ fill: 'yellow', shape: 'dot', text: RED._('buero-sync-log.status.lastError', { time }) });
      } else {
        node.status({ fill: 'green', shape: 'dot', text: RED._('buero-sync-log.status.lines', { count: linesWritten }) });
      }
    }

    /** Writes one entry; while the file fails, the line goes to Node-RED's log instead. */
    function write(entry: LogEntry): void {
      const written = file ? file.write(entry.line) : false;
      if (written) linesWritten++;
      if (settings.forward || !written) toNodeRedLog(entry.level, entry.text);
      if (entry.level === 'error') lastErrorAt = new Date();
      status.update();
    }

    status.update(true);

    // Every transfer not logged is skipped for the same reason: its words are made once, not
    // once per item (a backlog of 100,000 items made them 100,000 times, all garbage).
    const skipped = new Map<string, string>();
    const skippedWords = (why: string): string => {
      let words = skipped.get(why);
      if (words === undefined) {
        words = RED._('buero-sync-log.debug.skipped', { why: redact(why) });
        if (skipped.size < 100) skipped.set(why, words);
      }
      return words;
    };

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      try {
        const result = log.accept(msg);
        if ('skipped' in result) {
          node.debug(skippedWords(result.skipped));
        } else {
          write(result.entry);
          // The event carries values; its words are the line's (rendered once, by the log).
          const { event, line, text, level } = result.entry;
          send({ topic: LOG_TOPIC, payload: event, line, text, level } as never);
        }
        done();
      } catch (err) {
        // Not done(err): the Catch node that feeds this sink would bring the error back here.
        node.error(redact(String((err as Error)?.message ?? err)));
        done();
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      status.stop();
      const closing = file ? file.close() : Promise.resolve();
      closing.then(done, done);
    });
  }
  RED.nodes.registerType('buero-sync-log', BueroSyncLogNode);
};
