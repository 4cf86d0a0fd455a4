import assert from 'node:assert/strict';
import { contentHash, fieldHashes } from '../../lib/exchange/content';
import type { WriterMessage } from '../../lib/exchange/model';
import { isOlder, nextStep, type Change, type KeyFacts } from '../../lib/exchange/writer/plan';
import type { IdMapEntry } from '../../lib/state/id-map';
import { appointment, remove, upsert } from './support';

// The writer's planning rules (lib/exchange/writer/plan.ts, pure): what it does next for one
// key, given its queued changes, its id map entry and the pending mark of a lost create.
describe('writer plan: the next step for a key', function () {
  const written = appointment();
  const entry = (extra: Partial<IdMapEntry> = {}): IdMapEntry => ({
    mailbox: 'anna.meier@firma.de', key: 'k', kind: 'appointment', transport: 'ews', itemId: 'AAMk1', changeKey: 'ck',
    contentHash: contentHash('appointment', fieldHashes(written)), fields: fieldHashes(written), version: '5', updatedAt: 0, ...extra,
  });
  const changes = (...messages: WriterMessage[]): Change[] => messages.map((message, i) => ({ id: i + 1, message }));
  const facts = (extra: Partial<KeyFacts>): KeyFacts => ({ changes: [], pending: false, transport: 'ews', needsRefresh: false, ...extra });
  const step = (extra: Partial<KeyFacts>) => {
    const s = nextStep(facts(extra));
    return 'settle' in s ? { settle: s.settle, itemId: s.itemId, version: s.version, count: s.count } : { stage: s.stage, fields: s.fields, count: s.count };
  };

  const table: [string, Partial<KeyFacts>, object][] = [
    ['an earlier create of unknown fate: look it up first', { changes: changes(upsert('k', written)), pending: true },
      { stage: 'find', fields: undefined, count: 1 }],
    ["an id the other transport stored: look it up first", { changes: changes(upsert('k', written)), entry: entry({ transport: 'graph' }) },
      { stage: 'find', fields: undefined, count: 1 }],
    ['a new record: create', { changes: changes(upsert('k', written)) }, { stage: 'create', fields: undefined, count: 1 }],
    ['a delete of something never written: done at once', { changes: changes(remove('k')) },
      { settle: 'deleted', itemId: undefined, version: undefined, count: 1 }],
    ['a delete of a written item: delete', { changes: changes(remove('k')), entry: entry() }, { stage: 'delete', fields: undefined, count: 1 }],
    ['an older version than the one written: skipped', { changes: changes(upsert('k', appointment({ subject: 'alt' }), { version: '4' })), entry: entry() },
      { settle: 'skipped', itemId: 'AAMk1', version: undefined, count: 1 }],
    ['the same content under a newer version: unchanged, the id map moves to the version',
      { changes: changes(upsert('k', written, { version: '6' })), entry: entry() }, { settle: 'unchanged', itemId: 'AAMk1', version: '6', count: 1 }],
    ['the same content, the same version: unchanged', { changes: changes(upsert('k', written, { version: '5' })), entry: entry() },
      { settle: 'unchanged', itemId: 'AAMk1', version: undefined, count: 1 }],
    ['only a field the user keeps changed: unchanged',
      { changes: changes(upsert('k', appointment({ body: { format: 'text', content: 'neu' } }), { version: '6', keep: ['body'] })), entry: entry() },
      { settle: 'unchanged', itemId: 'AAMk1', version: '6', count: 1 }],
    ['changed fields: update only those', { changes: changes(upsert('k', appointment({ subject: 'neu' }), { version: '6' })), entry: entry() },
      { stage: 'update', fields: ['subject'], count: 1 }],
    ['changed fields after a conflict: re-read the ChangeKey first',
      { changes: changes(upsert('k', appointment({ subject: 'neu' }), { version: '6' })), entry: entry(), needsRefresh: true },
      { stage: 'refresh', fields: ['subject'], count: 1 }],
    ['several changes: the newest version wins, all are settled by the step',
      { changes: changes(upsert('k', appointment({ subject: 'neu' }), { version: '7' }), upsert('k', written, { version: '6' })), entry: entry() },
      { stage: 'update', fields: ['subject'], count: 2 }],
  ];
  for (const [name, given, expected] of table) {
    it(name, function () {
      assert.deepEqual(step(given), expected);
    });
  }

  it('the newest version wins; of equal versions, the later change', function () {
    const s = nextStep(facts({ changes: changes(upsert('k', appointment({ subject: 'a' }), { version: '7' }), upsert('k', appointment({ subject: 'b' }), { version: '7' })) }));
    assert.ok(!('settle' in s));
    assert.equal(s.change.id, 2);
  });

  it('isOlder compares büro+ LSNs as numbers, and nothing else', function () {
    assert.equal(isOlder('9', '10'), true);
    assert.equal(isOlder('10', '9'), false);
    assert.equal(isOlder('18446744073709551615', '18446744073709551616'), true);
    assert.equal(isOlder('5', '5'), false);
    assert.equal(isOlder(undefined, '5'), false);
    assert.equal(isOlder('a', '5'), false);
  });
});
