/**
 * The last step for every item, after the overrides: texts without control characters, a
 * subject Exchange accepts, only valid e-mail addresses. Each repair is a warning naming the
 * record and the field the value came from.
 */
import { MappingCode } from '../error-codes';
import type { Body } from '../exchange/model';
import type { MapContext } from './record';
import { show } from './record';
import { cut, removeControlChars } from './text';

/** Exchange's limit for a subject (EWS: ErrorPropertyValueTooLong / Graph: 255 characters). */
export const SUBJECT_MAX = 255;

export function cleanLine(ctx: MapContext, target: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const { text, removed } = removeControlChars(value, true);
  if (removed) ctx.warn(MappingCode.controlCharsRemoved, ctx.fieldFor(target), 'control characters or line breaks were removed.');
  return text.replace(/ {2,}/g, ' ').trim();
}

export function cleanBody(ctx: MapContext, target: string, body: Body | undefined): Body | undefined {
  if (body === undefined) return undefined;
  const { text, removed } = removeControlChars(body.content, false);
  if (removed) ctx.warn(MappingCode.controlCharsRemoved, ctx.fieldFor(target), 'control characters were removed.');
  return { format: body.format, content: text };
}

/** Subject: control characters out, a placeholder for an empty one, cut at 255 characters. */
export function cleanSubject(ctx: MapContext, target: string, value: string, placeholder: string): string {
  const subject = cleanLine(ctx, target, value) ?? '';
  if (subject === '') {
    ctx.warn(MappingCode.subjectEmpty, ctx.fieldFor(target), `the subject is empty; "${placeholder}" is used instead.`);
    return placeholder;
  }
  if (subject.length > SUBJECT_MAX) {
    ctx.warn(MappingCode.subjectCut, ctx.fieldFor(target), `the subject has ${subject.length} characters; it was cut to ${SUBJECT_MAX}.`);
    return cut(subject, SUBJECT_MAX).trimEnd();
  }
  return subject;
}

// A practical check (RFC 5321 shape: local part @ domain with a dot), not the full grammar:
// it rejects what Exchange rejects as an SMTP address, e.g. "max.mustermann", "a@b", "a b@c.de".
const EMAIL = /^(?!\.)(?!.*\.\.)[^\s@<>()[\]\\,;:"]+(?<!\.)@(?=.{1,253}$)(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+[\p{L}]{2,}$/u;

export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

/** Keeps valid addresses (at most `max`); every other one is dropped with a warning. */
export function cleanEmails(ctx: MapContext, candidates: Array<{ value: string; field: string }>, max = 3): string[] {
  // Warnings about büro+ addresses lapse when an override replaces the list.
  const target = 'emailAddresses';
  const out: string[] = [];
  for (const { value, field } of candidates) {
    const address = value.trim().replace(/^mailto:/i, '').replace(/^<(.*)>$/, '$1').trim();
    if (address === '') continue;
    if (!isEmail(address)) {
      ctx.warn(MappingCode.emailDropped, field, `${show(value)} is no valid e-mail address; it was left out.`, field.startsWith('override') ? undefined : target);
      continue;
    }
    if (out.some((a) => a.toLowerCase() === address.toLowerCase())) continue;
    if (out.length === max) {
      ctx.warn(MappingCode.emailDropped, field, `${show(address)} was left out: Exchange contacts hold ${max} e-mail addresses.`, field.startsWith('override') ? undefined : target);
      continue;
    }
    out.push(address);
  }
  return out;
}
