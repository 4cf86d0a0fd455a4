import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ERROR_CODES, STATION_PREFIX, type Station } from '../lib/error-codes';

const STATIONS = Object.keys(ERROR_CODES) as Station[];
const codesOf = (station: Station): string[] => Object.values(ERROR_CODES[station]);

/** The codes the sync log's help lists, by the `####` heading they are listed under. */
function helpCodes(lang: string): Map<string, string[]> {
  const file = path.join(__dirname, '../nodes/buero-sync-log/locales', lang, 'buero-sync-log.html');
  const html = fs.readFileSync(file, 'utf8');
  const heading = lang === 'de' ? '### Fehlercodes' : '### Error codes';
  const start = html.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `${lang}: the help has a section "${heading}"`);
  const section = html.slice(start + heading.length + 2).split(/\n### |<\/script>/)[0];
  const byHeading = new Map<string, string[]>();
  let current = '';
  for (const line of section.split('\n')) {
    if (line.startsWith('#### ')) byHeading.set((current = line.slice(5).trim()), []);
    const item = /^- `([A-Z0-9_]+)` — \S/.exec(line);
    if (item) {
      assert.ok(current, `${lang}: ${item[1]} is listed under a station's heading`);
      byHeading.get(current)!.push(item[1]);
    }
  }
  return byHeading;
}

describe('error codes: one spelling, a table per station, named the same in the help', function () {
  it('every code is upper snake case with its station as prefix, and no code is in two tables', function () {
    const seen = new Map<string, Station>();
    for (const station of STATIONS) {
      for (const code of codesOf(station)) {
        assert.match(code, /^[A-Z]+(_[A-Z0-9]+)+$/, code);
        assert.ok(code.startsWith(STATION_PREFIX[station]), `${code} starts with ${STATION_PREFIX[station]}`);
        assert.equal(seen.get(code), undefined, `${code} is in ${seen.get(code)} and in ${station}`);
        seen.set(code, station);
      }
    }
  });

  for (const lang of ['en-US', 'de']) {
    it(`the sync log's help (${lang}) lists each station's codes under one heading, each once, and no other code`, function () {
      const listed = helpCodes(lang);
      const all = [...listed.values()].flat();
      assert.equal(new Set(all).size, all.length, `${lang}: a code listed twice`);
      for (const station of STATIONS) {
        const headings = [...listed].filter(([, codes]) => codes.some((c) => c.startsWith(STATION_PREFIX[station])));
        assert.equal(headings.length, 1, `${lang}: the ${station} codes are under one heading (${headings.map(([h]) => h).join(', ')})`);
        const [heading, codes] = headings[0];
        assert.deepEqual([...codes].sort(), codesOf(station).sort(), `${lang}, "${heading}": the help lists the ${station} table (missing or extra codes)`);
      }
      assert.equal(all.length, STATIONS.flatMap(codesOf).length, `${lang}: the help lists a code that is in no table`);
    });
  }
});
