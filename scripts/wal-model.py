#!/usr/bin/env python3
"""How many bytes of SQLite write-ahead log a stored response costs, by row size and page size,
when rows are inserted at random keys (as `storage::responses` places them, for privacy) in
groups, and when they are appended in key order. A model of the response writer's log traffic,
not a benchmark: Python's sqlite3, no server. Run: scripts/wal-model.py (about a minute).

Each case fills a table with 50,000 rows, then inserts 50,000 more in transactions of 40 rows
(the group size seen under load) with automatic checkpoints off, and reports the log's size
divided by the rows inserted."""
import os
import random
import sqlite3
import tempfile


def log_bytes_per_row(page_size, row_size, group=40, rows=50_000, in_order=False):
    path = os.path.join(tempfile.mkdtemp(), "model.db")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"PRAGMA page_size = {page_size}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA wal_autocheckpoint = 0")
    db.execute("CREATE TABLE r (slot INTEGER PRIMARY KEY, body TEXT)")
    body = "x" * row_size
    key = (lambda n: n) if in_order else (lambda n: random.getrandbits(47))
    db.execute("BEGIN")
    for n in range(rows):
        db.execute("INSERT INTO r VALUES (?, ?)", (key(n), body))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for g in range(rows // group):
        db.execute("BEGIN")
        for n in range(group):
            db.execute("INSERT INTO r VALUES (?, ?)", (key(rows + g * group + n), body))
        db.execute("COMMIT")
    return os.path.getsize(path + "-wal") / (rows // group * group)


if __name__ == "__main__":
    print("page  row bytes  order    log bytes per row")
    for page in (1024, 4096, 8192):
        for row in (850, 500, 250):
            print(f"{page:5} {row:9}  random  {log_bytes_per_row(page, row):10.0f}")
    print(f"{4096:5} {850:9}  in order{log_bytes_per_row(4096, 850, in_order=True):10.0f}")
