#!/usr/bin/python3
"""The benchmark's yardstick: Debian's python3-exchangelib writes appointments with
Account.bulk_create (CreateItem in chunks of 100) into the same EWS endpoint the reference flow
wrote to, with the same account (NTLM, impersonation, HTTPS with the sandbox's CA through
REQUESTS_CA_BUNDLE). The appointments are spread over the mailboxes as the flow's are (the i-th
to mailbox i mod n); the mailboxes are written in parallel, at most as many at once as the
flow's writer sends requests (its maxConcurrent), each mailbox's chunks one after the other.

Usage: exchangelib-bulk.py <EWS url> <user> <password> <count> <threads> <mailbox>...
Prints one JSON object: items written, seconds (first CreateItem to the last answer), items/s.
"""
from concurrent.futures import ThreadPoolExecutor
import json
import sys
import time

from exchangelib import (IMPERSONATION, NTLM, Account, Build, CalendarItem, Configuration, Credentials, EWSDateTime,
                         EWSTimeZone, Version)

url, user, password, count, threads = sys.argv[1:6]
mailboxes = sys.argv[6:]
count, threads = int(count), int(threads)
config = Configuration(service_endpoint=url, credentials=Credentials(user, password), auth_type=NTLM,
                       version=Version(build=Build(15, 1, 2507, 6)), max_connections=threads)
berlin = EWSTimeZone('Europe/Berlin')
accounts = [Account(primary_smtp_address=m, config=config, autodiscover=False, access_type=IMPERSONATION)
            for m in mailboxes]


def items_for(k):
    account = accounts[k]
    out = []
    for i in range(k, count, len(accounts)):
        day = 1 + i % 28
        out.append(CalendarItem(account=account, folder=account.calendar, subject=f'exchangelib {i}',
                                start=EWSDateTime(2027, 5, day, 10, 0, tzinfo=berlin),
                                end=EWSDateTime(2027, 5, day, 11, 0, tzinfo=berlin)))
    return out


batches = [items_for(k) for k in range(len(accounts))]
# Folder ids are looked up once per account before the clock starts (the flow caches them too).
for account in accounts:
    account.calendar


def write(k):
    results = accounts[k].bulk_create(folder=accounts[k].calendar, items=batches[k], chunk_size=100)
    failed = [r for r in results if isinstance(r, Exception)]
    if failed:
        raise RuntimeError(f'{mailboxes[k]}: {failed[0]}')
    return len(results)


started = time.monotonic()
with ThreadPoolExecutor(max_workers=threads) as pool:
    written = sum(pool.map(write, range(len(accounts))))
seconds = time.monotonic() - started
print(json.dumps({'items': written, 'seconds': seconds, 'perSecond': written / seconds}))
