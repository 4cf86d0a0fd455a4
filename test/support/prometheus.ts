import assert from 'node:assert/strict';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A small reader of the Prometheus text format (0.0.4): HELP and TYPE lines, samples with
 * escaped label values. Throws on a line it does not understand or a sample of a family
 * without its HELP and TYPE.
 */
export function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  assert.ok(text.endsWith('\n'), 'the text ends with a line feed');
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    let m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (m) {
      if (m[1] === 'HELP') helps.add(m[2]);
      else types.set(m[2], m[3]);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:\\.|[^"\\])*)"(,|$)/y;
    let at = 0;
    while (at < body.length) {
      re.lastIndex = at;
      const l = re.exec(body);
      assert.ok(l, `bad labels: ${body}`);
      labels[l[1]] = l[2].replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
      at = re.lastIndex;
    }
    assert.ok(helps.has(m[1]) && types.has(m[1]), `${m[1]} has HELP and TYPE before its samples`);
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { samples, types };
}
