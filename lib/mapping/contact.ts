/**
 * büro+ contacts → neutral Exchange contacts: one contact per contact person
 * (Ansprechpartner, tblContactPeople), filled from the person, their postal address
 * (Anschrift) and the address (Adresse); an address without contact people becomes a
 * company contact (tblAddresses), named after the company.
 */
import { MappingCode } from '../error-codes';
import type { BueroChange } from '../buero/change';
import type { Contact, PostalAddress } from '../exchange/model';
import { cleanBody, cleanEmails, cleanLine } from './clean';
import { readText, type BueroRecord, type MapContext } from './record';
import type { MapSettings } from './settings';
import { composeBody } from './text';

/** Fields that are single lines of text and get cleaned after the overrides. */
const LINE_FIELDS = [
  'title', 'givenName', 'surname', 'displayName', 'companyName', 'department', 'jobTitle',
  'businessPhone', 'mobilePhone', 'homePhone', 'businessFax',
] as const;
const ADDRESS_FIELDS = ['street', 'postalCode', 'city', 'state', 'countryOrRegion'] as const;

function postalAddressOf(ctx: MapContext, postal: BueroRecord | undefined, settings: MapSettings): PostalAddress | undefined {
  const f = settings.fields.postalAddress;
  const address: PostalAddress = {};
  const set = (key: keyof PostalAddress, field: string) => {
    const value = readText(ctx, postal, field)?.trim();
    if (value) {
      address[key] = value;
      ctx.from(`businessAddress.${key}`, field);
    }
  };
  set('street', f.street);
  set('postalCode', f.postalCode);
  set('city', f.city);
  set('countryOrRegion', f.country);
  return Object.keys(address).length > 0 ? address : undefined;
}

/** Puts a value into the contact when present, remembering the büro+ field it came from. */
function put(ctx: MapContext, contact: Contact, key: (typeof LINE_FIELDS)[number], sources: Array<[BueroRecord | undefined, string]>): void {
  for (const [record, field] of sources) {
    const value = readText(ctx, record, field)?.trim();
    if (value) {
      contact[key] = value;
      ctx.from(key, field);
      return;
    }
  }
}

export function toExchangeContact(change: BueroChange, ctx: MapContext, settings: MapSettings): Contact {
  const record = change.record ?? {};
  const { address, postalAddress } = change;
  const categories = settings.category.trim() === '' ? [] : [settings.category.trim()];
  const contact: Contact = { displayName: '', categories };
  const fa = settings.fields.address;
  const fp = settings.fields.postalAddress;

  if (change.table === 'tblContactPeople') {
    const f = settings.fields.contactPerson;
    put(ctx, contact, 'title', [[record, f.salutation]]);
    put(ctx, contact, 'givenName', [[record, f.givenName]]);
    put(ctx, contact, 'surname', [[record, f.surname]]);
    put(ctx, contact, 'companyName', [[postalAddress, fp.name], [address, fa.name]]);
    put(ctx, contact, 'department', [[record, f.department], [postalAddress, fp.department]]);
    put(ctx, contact, 'jobTitle', [[record, f.jobTitle]]);
    put(ctx, contact, 'businessPhone', [[record, f.phone], [postalAddress, fp.phone]]);
    put(ctx, contact, 'mobilePhone', [[record, f.mobile]]);
    put(ctx, contact, 'homePhone', [[record, f.homePhone]]);
    put(ctx, contact, 'businessFax', [[record, f.fax], [postalAddress, fp.fax]]);
    contact.emailAddresses = cleanEmails(
      ctx,
      [f.email1, f.email2, f.email3]
        .map((field) => ({ value: readText(ctx, record, field) ?? '', field }))
        .filter((c) => c.value.trim() !== ''),
    );
    contact.notes = composeBody([readText(ctx, record, f.info), readText(ctx, record, f.memo)], settings.bodyFormat);
    ctx.from('notes', f.info);
  } else {
    // A company contact: the address itself, its main postal address when the source sends one.
    put(ctx, contact, 'companyName', [[postalAddress, fp.name], [record, fa.name]]);
    put(ctx, contact, 'department', [[postalAddress, fp.department]]);
    put(ctx, contact, 'businessPhone', [[postalAddress, fp.phone], [record, fa.phone]]);
    put(ctx, contact, 'businessFax', [[postalAddress, fp.fax]]);
    contact.emailAddresses = cleanEmails(
      ctx,
      [
        { value: readText(ctx, record, fa.email) ?? '', field: fa.email },
        { value: readText(ctx, postalAddress, fp.email) ?? '', field: `${fp.email} (postal address)` },
      ].filter((c) => c.value.trim() !== ''),
    );
    contact.notes = composeBody([readText(ctx, record, fa.info), readText(ctx, record, fa.memo)], settings.bodyFormat);
    ctx.from('notes', fa.info);
  }
  const businessAddress = postalAddressOf(ctx, postalAddress, settings);
  if (businessAddress) contact.businessAddress = businessAddress;
  contact.displayName = displayNameOf(contact);
  ctx.from('displayName', change.table === 'tblContactPeople' ? settings.fields.contactPerson.surname : fa.name);
  return contact;
}

/** The name Outlook lists: the person's name, else the company, else the first e-mail address. */
function displayNameOf(c: Contact): string {
  const person = [c.givenName, c.surname].filter(Boolean).join(' ');
  return person || c.companyName || c.emailAddresses?.[0] || '';
}

export function finishContact(c: Contact, ctx: MapContext): Contact {
  for (const key of LINE_FIELDS) {
    const value = cleanLine(ctx, key, c[key]);
    if (value) c[key] = value;
    else if (key !== 'displayName') delete c[key];
  }
  if (c.businessAddress) {
    for (const key of ADDRESS_FIELDS) {
      const value = cleanLine(ctx, `businessAddress.${key}`, c.businessAddress[key]);
      if (value) c.businessAddress[key] = value;
      else delete c.businessAddress[key];
    }
    if (Object.keys(c.businessAddress).length === 0) delete c.businessAddress;
  }
  if (c.emailAddresses) {
    // Addresses from an override are checked here; the büro+ ones were checked already.
    c.emailAddresses = cleanEmails(ctx, c.emailAddresses.map((value) => ({ value, field: ctx.fieldFor('emailAddresses') })));
  }
  c.notes = cleanBody(ctx, 'notes', c.notes);
  // The name follows the (possibly overridden) name fields, unless an override set it.
  if (!c.displayName || !ctx.fieldFor('displayName').startsWith('override')) c.displayName = displayNameOf(c);
  if (!c.displayName) {
    throw ctx.error(
      MappingCode.contactNoName,
      ctx.fieldFor('displayName'),
      'the contact has no name, no company and no e-mail address; Outlook could not list it.',
    );
  }
  return c;
}
