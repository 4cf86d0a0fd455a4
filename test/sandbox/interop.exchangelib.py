#!/usr/bin/python3
"""Independent EWS client against the sandbox simulator: Debian's python3-exchangelib creates,
reads, updates and deletes an appointment, a task and a contact over Basic auth with
impersonation, over HTTPS (the test CA is trusted through REQUESTS_CA_BUNDLE).

Usage: interop.exchangelib.py <EWS url> <user> <password> <mailbox>
Prints one JSON object with what it read back; exits non-zero on any failure.
"""
import json
from decimal import Decimal
import sys

from exchangelib import (BASIC, IMPERSONATION, Account, Build, CalendarItem, Configuration, Credentials,
                         EWSDate, EWSDateTime, EWSTimeZone, Version)
from exchangelib.indexed_properties import EmailAddress, PhoneNumber, PhysicalAddress
from exchangelib.items import Contact, Task
from exchangelib.properties import DistinguishedFolderId

url, user, password, mailbox = sys.argv[1:5]
config = Configuration(service_endpoint=url, credentials=Credentials(user, password), auth_type=BASIC,
                       version=Version(build=Build(15, 1, 2507, 6)))
account = Account(primary_smtp_address=mailbox, config=config, autodiscover=False, access_type=IMPERSONATION)
berlin = EWSTimeZone('Europe/Berlin')
out = {}

# Appointment: create, read, update, read, delete.
start = EWSDateTime(2026, 3, 29, 10, 0, tzinfo=berlin)
item = CalendarItem(account=account, folder=account.calendar, subject='Interop: Termin <ä & ß>',
                    body='Zeile 1\nZeile 2', start=start, end=EWSDateTime(2026, 3, 29, 11, 30, tzinfo=berlin),
                    location='Raum "3"', categories=['büro+'])
item.save()
got = account.calendar.get(id=item.id)
out['appointment'] = {
    'subject': got.subject, 'start': got.start.astimezone(EWSTimeZone('UTC')).isoformat(),
    'end': got.end.astimezone(EWSTimeZone('UTC')).isoformat(), 'location': got.location,
    'categories': got.categories, 'body': str(got.body),
}
got.subject = 'Interop: Termin geändert'
got.save(update_fields=['subject'])
out['appointment']['updated'] = account.calendar.get(id=item.id).subject
got.delete()
out['appointment']['deleted'] = account.calendar.filter(subject='Interop: Termin geändert').count() == 0

# Task.
task = Task(account=account, folder=account.tasks, subject='Interop: Aufgabe', due_date=EWSDate(2026, 10, 26),
            status='NotStarted')
task.save()
got = account.tasks.get(id=task.id)
out['task'] = {'subject': got.subject, 'status': got.status}
got.percent_complete = Decimal(100)
got.save(update_fields=['percent_complete'])
got = account.tasks.get(id=task.id)
out['task'].update({'updated_status': got.status, 'percent_complete': str(got.percent_complete)})
got.delete()
out['task']['deleted'] = len(list(account.tasks.all())) == 0

# Contact with indexed properties.
contact = Contact(account=account, folder=account.contacts, given_name='Jürgen', surname='Groß', display_name='Jürgen Groß',
                  company_name='Groß GmbH',
                  email_addresses=[EmailAddress(email='j.gross@example.de', label='EmailAddress1')],
                  phone_numbers=[PhoneNumber(label='BusinessPhone', phone_number='+49 30 1234-0')],
                  physical_addresses=[PhysicalAddress(label='Business', street='Hauptstraße 1', city='München', zipcode='80331')])
contact.save()
got = account.contacts.get(id=contact.id)
out['contact'] = {
    'display_name': got.display_name, 'email': got.email_addresses[0].email,
    'phone': got.phone_numbers[0].phone_number, 'city': got.physical_addresses[0].city,
}
got.company_name = 'Groß & Söhne GmbH'
got.save(update_fields=['company_name'])
out['contact']['updated'] = account.contacts.get(id=contact.id).company_name
got.delete()
out['contact']['deleted'] = len(list(account.contacts.all())) == 0

print(json.dumps(out, ensure_ascii=False))
