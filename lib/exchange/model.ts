/**
 * The writer's contract: one message per change, produced by `buero-map` (or by a user's own
 * flow) and consumed by `buero-exchange-writer`. Transport-neutral: EWS and Microsoft Graph
 * both write these items. Times are exact instants (ISO 8601 with offset or `Z`) plus an
 * IANA time zone for display and for series.
 */
export type ItemKind = 'appointment' | 'task' | 'contact';
export type WriteAction = 'upsert' | 'delete';

export interface Body {
  format: 'html' | 'text';
  content: string;
}

export type Weekday = 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';

export interface Recurrence {
  /**
   * daily | weekly (days) | absoluteMonthly (dayOfMonth) | relativeMonthly (days + index) |
   * absoluteYearly (month + dayOfMonth) | relativeYearly (month + days + index).
   */
  pattern: 'daily' | 'weekly' | 'absoluteMonthly' | 'relativeMonthly' | 'absoluteYearly' | 'relativeYearly';
  interval: number;
  days?: Weekday[];
  dayOfMonth?: number;
  /** 1–12. */
  month?: number;
  index?: 'first' | 'second' | 'third' | 'fourth' | 'last';
  /**
   * Weekly series: the day a week starts on (RFC 5545 WKST, default monday). It decides which
   * weeks an interval above 1 selects; EWS and Graph default to sunday, so the writer sets it.
   */
  firstDayOfWeek?: Weekday;
  /** First occurrence's date, `YYYY-MM-DD` in the item's time zone. */
  startDate: string;
  /** Last possible occurrence date `YYYY-MM-DD` (inclusive); or count; or neither (no end). */
  until?: string;
  count?: number;
  /** Occurrences removed from the series: their original start dates, `YYYY-MM-DD`. */
  deletedOccurrences?: string[];
}

export interface Appointment {
  subject: string;
  body?: Body;
  /** ISO 8601 instant. For all-day: midnight in timeZone. */
  start: string;
  /** ISO 8601 instant; exclusive. For all-day: midnight after the last day, in timeZone. */
  end: string;
  /** IANA zone, e.g. `Europe/Berlin`. */
  timeZone: string;
  isAllDay: boolean;
  location?: string;
  reminderMinutes: number | null;
  categories?: string[];
  freeBusy?: 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere';
  sensitivity?: 'normal' | 'personal' | 'private' | 'confidential';
  recurrence?: Recurrence;
}

export interface Task {
  subject: string;
  body?: Body;
  /** `YYYY-MM-DD` (tasks are dates in the user's zone). */
  startDate?: string;
  dueDate?: string;
  timeZone: string;
  complete: boolean;
  percentComplete?: number;
  importance?: 'low' | 'normal' | 'high';
  /** ISO 8601 instant of the reminder, or null for none. */
  reminder?: string | null;
  categories?: string[];
}

export interface PostalAddress {
  street?: string;
  postalCode?: string;
  city?: string;
  state?: string;
  countryOrRegion?: string;
}

export interface Contact {
  /** Anrede, e.g. `Frau`, `Herr`. */
  title?: string;
  givenName?: string;
  surname?: string;
  /** What Outlook shows; the mapper fills it (company name for a company contact). */
  displayName: string;
  companyName?: string;
  department?: string;
  jobTitle?: string;
  /** Up to three addresses. */
  emailAddresses?: string[];
  businessPhone?: string;
  mobilePhone?: string;
  homePhone?: string;
  businessFax?: string;
  businessAddress?: PostalAddress;
  notes?: Body;
  categories?: string[];
}

export type ItemByKind = { appointment: Appointment; task: Task; contact: Contact };

/** Fields of an item an update must not overwrite ("Informationen nicht hinterlegen": `body`). */
export type KeepField = string;

export interface WriterMessage<K extends ItemKind = ItemKind> {
  action: WriteAction;
  kind: K;
  /** SMTP address of the target mailbox. */
  mailbox: string;
  /** Stable id of this record's copy in this mailbox, stored in the item's extended property. */
  key: string;
  /** büro+ fldModifyLSN, for logs and ordering (a later version never loses to an earlier one). */
  version?: string;
  /** The neutral item; absent for delete. */
  item?: ItemByKind[K];
  keep?: KeepField[];
  /**
   * More changes follow at once (the change source is catching up): the writer holds a batch
   * that is not full for them, up to its burst hold, instead of sending it half full.
   */
  more?: boolean;
}

/** A mailbox a change goes to, with the key of the record's copy there. */
export interface WriterTarget {
  mailbox: string;
  key: string;
}

/**
 * One change for several mailboxes, as `buero-map` sends it: a WriterMessage with `targets`
 * instead of `mailbox` and `key`. The writer queues it once per target. One message instead of
 * one per mailbox: a contact going to every mailbox is one item to copy and to deliver, not 22
 * (docs/architecture.md, "Memory").
 */
export type WriterFanOut<K extends ItemKind = ItemKind> = Omit<WriterMessage<K>, 'mailbox' | 'key'> & { targets: WriterTarget[] };

/** What the writer takes: a message for one mailbox, or one for several. */
export type WriterInput = WriterMessage | WriterFanOut;

