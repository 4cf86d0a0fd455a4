import assert from 'node:assert/strict';
import { BueroCode } from '../../lib/error-codes';
import type { SyncUser } from '../../lib/buero/change';
import { expandSetting, resolveSettings } from '../../lib/buero/connection';
import { addTrigger, ContactTriggers, planContacts, postalOf } from '../../lib/buero/feed/contacts';
import { DEFAULT_FIELDS, resolveFieldMap, unknownFieldError } from '../../lib/buero/fields';
import { createPkce } from '../../lib/buero/oauth';
import { calendarTargets, participantsOf, removedTargets } from '../../lib/buero/feed/targets';
import { diffUsers, syncedUsers } from '../../lib/buero/feed/users';
import { lookupIn } from '../../lib/env';
import { SyncError } from '../../lib/errors';

const fields = resolveFieldMap({});
const anna: SyncUser = { nr: 1, login: 'anna', mailbox: 'anna@firma.de' };
const ben: SyncUser = { nr: 2, login: 'ben', mailbox: 'ben@firma.de' };
const users = new Map([anna, ben].map((u) => [u.nr, u]));

describe('büro+ rules', function () {
  describe('synced users: start Mandant = this Mandant and a mailbox', function () {
    const cases: [string, Record<string, unknown>, boolean][] = [
      ['Mandant and mailbox', { fldNr: 1, fldAnmNa: 'a', fldExchPostfach: 'a@x.de', fldStartMandNr: 1 }, true],
      ['Mandant as text', { fldNr: 1, fldAnmNa: 'a', fldExchPostfach: 'a@x.de', fldStartMandNr: '1' }, true],
      ['other Mandant', { fldNr: 1, fldAnmNa: 'a', fldExchPostfach: 'a@x.de', fldStartMandNr: 2 }, false],
      ['no Mandant', { fldNr: 1, fldAnmNa: 'a', fldExchPostfach: 'a@x.de', fldStartMandNr: null }, false],
      ['empty mailbox', { fldNr: 1, fldAnmNa: 'a', fldExchPostfach: '  ', fldStartMandNr: 1 }, false],
      ['no mailbox', { fldNr: 1, fldAnmNa: 'a', fldExchPostfach: null, fldStartMandNr: 1 }, false],
    ];
    for (const [name, row, synced] of cases) {
      it(`${name} → ${synced ? 'synced' : 'not synced'}`, function () {
        assert.equal(syncedUsers([row], fields, 1).length, synced ? 1 : 0);
      });
    }
    it('reports added, removed and moved users', function () {
      const d = diffUsers([anna, ben], [{ ...anna, mailbox: 'anna.neu@firma.de' }, { nr: 3, login: 'carl', mailbox: 'carl@firma.de' }]);
      assert.deepEqual(d.added.map((u) => u.nr), [3]);
      assert.deepEqual(d.removed.map((u) => u.nr), [2]);
      assert.equal(d.moved[0].after.mailbox, 'anna.neu@firma.de');
    });
  });

  describe('calendar targets: owner and synced participants', function () {
    const cases: [string, number | undefined, string, string[]][] = [
      ['owner only', 1, '', ['owner:anna@firma.de']],
      ['owner and participant', 1, '2', ['owner:anna@firma.de', 'participant:ben@firma.de']],
      ['owner listed as participant too', 1, '1;2', ['owner:anna@firma.de', 'participant:ben@firma.de']],
      ['owner not synced, participant synced', 9, ' 2 ; 7 ', ['participant:ben@firma.de']],
      ['nobody synced', 9, '7;8', []],
    ];
    for (const [name, owner, part, want] of cases) {
      it(name, function () {
        const t = calendarTargets(owner, participantsOf({ fldTeilnehmer: part }, fields, 'x'), users);
        assert.deepEqual(t.map((x) => `${x.role}:${x.mailbox}`), want);
      });
    }
    it('a participant list that is not user numbers is an error naming record and field', function () {
      assert.throws(
        () => participantsOf({ fldTeilnehmer: '1;zwei' }, fields, 'tblCalendar 12'),
        (e: SyncError) => e.code === BueroCode.malformedRow && e.record === 'tblCalendar 12' && e.field === 'fldTeilnehmer' && /zwei/.test(e.message),
      );
    });
    it('removed: previous mailboxes not targeted any more, only of users still synced', function () {
      const prev = [
        { mailbox: 'anna@firma.de', user: 1, role: 'owner' as const },
        { mailbox: 'ben@firma.de', user: 2, role: 'participant' as const },
        { mailbox: 'gone@firma.de', user: 9, role: 'participant' as const },
      ];
      const now = calendarTargets(1, [], users);
      assert.deepEqual(removedTargets(prev, now, users, undefined).map((t) => t.mailbox), ['ben@firma.de']);
    });
  });

  describe('contacts: which contacts a change emits', function () {
    const address = { fldID: 10, fldModifyLSN: 5, fldAdrNr: '10001', fldNa1: 'Müller GmbH' };
    const postal1 = { fldID: 20, fldModifyLSN: 5, fldAdrNr: '10001', fldAnsNr: 1, fldOrt: 'Köln' };
    const postal2 = { fldID: 21, fldModifyLSN: 5, fldAdrNr: '10001', fldAnsNr: 2, fldOrt: 'Bonn' };
    const p1 = { fldID: 30, fldModifyLSN: 5, fldAdrNr: '10001', fldAnsNr: 1, fldNNa: 'Schröder' };
    const p2 = { fldID: 31, fldModifyLSN: 5, fldAdrNr: '10001', fldAnsNr: 2, fldNNa: 'Weiß' };
    const rows = { address, postals: [postal1, postal2], persons: [p1, p2] };
    const plan = (setup: (t: ContactTriggers) => void, r = rows, companySent = false) => {
      const t = new ContactTriggers();
      setup(t);
      return planContacts('10001', r, t, fields, companySent).map((p) => `${p.kind}:${(p.person ?? p.address)?.fldID}`);
    };
    it('an address change emits every contact person of it', function () {
      assert.deepEqual(plan((t) => addTrigger(t, 'tblAddresses', address, fields, 6n)), ['person:30', 'person:31']);
    });
    it('a postal address change emits the contact people at that postal address', function () {
      assert.deepEqual(plan((t) => addTrigger(t, 'tblPostalAddresses', postal2, fields, 6n)), ['person:31']);
    });
    it('a contact person change emits that contact only', function () {
      assert.deepEqual(plan((t) => addTrigger(t, 'tblContactPeople', p1, fields, 6n)), ['person:30']);
    });
    it('an address without contact people is a company contact', function () {
      assert.deepEqual(plan((t) => addTrigger(t, 'tblAddresses', address, fields, 6n), { address, postals: [postal1], persons: [] }), ['company:10']);
    });
    it('losing its last contact person makes the address a company contact', function () {
      assert.deepEqual(plan((t) => t.lostPerson.add('10001'), { address, postals: [postal1], persons: [] }), ['company:10']);
    });
    it('a first contact person removes a company contact that was sent', function () {
      assert.deepEqual(plan((t) => addTrigger(t, 'tblContactPeople', p1, fields, 6n), { address, postals: [postal1], persons: [p1] }, true), ['person:30', 'companyGone:10']);
    });
    it('a contact person without a matching postal number gets the first postal address', function () {
      assert.equal(postalOf({ ...p1, fldAnsNr: 7 }, [postal2, postal1], fields), postal1);
    });
  });

  describe('field map and settings', function () {
    it('defaults to the assumed names and takes overrides', function () {
      const f = resolveFieldMap({ calendar: { subject: 'fldBetreff', info: '' }, calendarKinds: { task: 'ToDo' } });
      assert.equal(f.calendar.subject, 'fldBetreff');
      assert.equal(f.calendar.info, DEFAULT_FIELDS.calendar.info);
      assert.equal(f.calendarKinds.task, 'ToDo');
    });
    it('an unknown field error names field, type and setting', function () {
      const f = resolveFieldMap({ calendar: { subject: 'fldBetreff' } });
      const e = unknownFieldError('Cannot query field "fldBetreff" on type "CalendarEntry".', f) as SyncError;
      assert.equal(e.code, BueroCode.unknownField);
      assert.equal(e.field, 'fldBetreff');
      assert.match(e.message, /fldBetreff.*CalendarEntry.*calendar\.subject/);
    });
    it('a field name that is not a GraphQL name is refused', function () {
      assert.throws(() => resolveFieldMap({ users: { mailbox: 'fld Exch' } }), /users\.mailbox/);
    });
    it('expands ${ENV} anywhere in a value; an unset variable means the default, or an error naming it for a required setting', function () {
      assert.equal(expandSetting('https://${HOST}:8443/graphql', lookupIn({ HOST: 'buero.local' }), 'endpoint URL'), 'https://buero.local:8443/graphql');
      assert.equal(expandSetting('${BUERO_CA_FILE}', lookupIn({}), 'CA certificate'), '');
      assert.throws(() => expandSetting('${NOPE}', lookupIn({}), 'endpoint URL', true), /NOPE.*endpoint URL/);
      assert.throws(() => resolveSettings({ endpoint: '${BUERO_URL}', mandant: '1', staticToken: 't' }, lookupIn({})), /BUERO_URL.*endpoint URL/);
      assert.throws(() => resolveSettings({ endpoint: 'https://b.local/graphql', mandant: '${BUERO_MANDANT}', staticToken: 't' }, lookupIn({})), /BUERO_MANDANT.*Mandant/);
    });
    it('an open auth setting (unset ${BUERO_AUTH}) means static with only a token, OAuth with a client ID', function () {
      const base = { endpoint: 'https://b.local/graphql', mandant: '1', auth: '${BUERO_AUTH}' };
      assert.equal(resolveSettings({ ...base, staticToken: '${BUERO_TOKEN}', clientId: '${BUERO_CLIENT_ID}' }, lookupIn({ BUERO_TOKEN: 'abc' })).auth, 'static');
      assert.equal(resolveSettings({ ...base, staticToken: '${BUERO_TOKEN}', clientId: '${BUERO_CLIENT_ID}' }, lookupIn({ BUERO_CLIENT_ID: 'app' })).auth, 'oauth');
      assert.equal(resolveSettings({ ...base, staticToken: '${BUERO_TOKEN}', clientId: '${BUERO_CLIENT_ID}' }, lookupIn({ BUERO_AUTH: 'oauth', BUERO_TOKEN: 'abc', BUERO_CLIENT_ID: 'app' })).auth, 'oauth');
    });
    it('checks endpoint, Mandant and the credentials the sign-in needs', function () {
      const base = { endpoint: 'https://b.local/graphql', mandant: '1', auth: 'static' as const, staticToken: '${TOKEN}' };
      assert.equal(resolveSettings(base, lookupIn({ TOKEN: 'abc' })).staticToken, 'abc');
      assert.throws(() => resolveSettings({ ...base, mandant: 'eins' }, lookupIn({ TOKEN: 'x' })), /Mandant/);
      assert.throws(() => resolveSettings({ ...base, endpoint: 'buero.local' }, lookupIn({ TOKEN: 'x' })), /endpoint URL/);
      assert.throws(() => resolveSettings({ ...base, auth: 'oauth' }, lookupIn({ TOKEN: 'x' })), /client ID/);
    });
    it('secrets named as environment variables (the reference flow as flows.json); a missing one is named: the variable, the setting, the connection', function () {
      const base = { name: 'büro+', endpoint: 'https://b.local/graphql', mandant: '1', auth: '${BUERO_AUTH}', staticTokenEnv: 'BUERO_TOKEN', clientIdEnv: 'BUERO_CLIENT_ID', clientSecretEnv: 'BUERO_CLIENT_SECRET' };
      const token = resolveSettings(base, lookupIn({ BUERO_TOKEN: 'abc' }));
      assert.deepEqual([token.auth, token.staticToken], ['static', 'abc']);
      const oauth = resolveSettings(base, lookupIn({ BUERO_CLIENT_ID: 'app', BUERO_CLIENT_SECRET: 's3cret' }));
      assert.deepEqual([oauth.auth, oauth.clientId, oauth.clientSecret], ['oauth', 'app', 's3cret']);
      // A typed credential wins over the variable.
      assert.equal(resolveSettings({ ...base, staticToken: 'typed' }, lookupIn({ BUERO_TOKEN: 'abc' })).staticToken, 'typed');
      const refused = (settings: object, env: Record<string, string>, message: string, variable: string | undefined) =>
        assert.throws(() => resolveSettings(settings as typeof base, lookupIn(env)), (err: SyncError) => {
          assert.equal(err.message, message);
          assert.equal(err.variable, variable);
          return true;
        });
      // Nothing set at all (the administrator's first start without BUERO_TOKEN): not "uses OAuth but has no client ID".
      refused(base, {}, 'The büro+ connection "büro+" has no sign-in. Static token: the environment variable BUERO_TOKEN (setting "Token") is not set. ' +
        'OAuth: the environment variable BUERO_CLIENT_ID (setting "Client ID") is not set. Set one of them (the choice of sign-in comes from BUERO_AUTH, which is not set either).', 'BUERO_TOKEN');
      refused({ ...base, auth: '${BUERO_AUTH}' }, { BUERO_AUTH: 'static' }, 'The büro+ connection "büro+" signs in with a static token but has none: the environment variable BUERO_TOKEN (setting "Token") is not set.', 'BUERO_TOKEN');
      refused({ ...base, auth: 'oauth' }, { BUERO_TOKEN: 'abc' }, 'The büro+ connection "büro+" signs in with OAuth but has no client ID: the environment variable BUERO_CLIENT_ID (setting "Client ID") is not set.', 'BUERO_CLIENT_ID');
      refused({ endpoint: base.endpoint, mandant: '1', auth: 'static' }, {}, 'The büro+ connection signs in with a static token but has none: the setting "Token" is empty.', undefined);
    });
  });

  it('PKCE: the challenge is the base64url SHA-256 of the verifier (RFC 7636 appendix B)', function () {
    // The RFC's example: these 32 octets give this verifier and challenge.
    const octets = Buffer.from([116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121]);
    const p = createPkce(() => octets);
    assert.equal(p.verifier, 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk');
    assert.equal(p.challenge, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });
});
