"""What the SQLite and PostgreSQL adapters share: keyset paging (``paging``) and the row -> domain
mappers (``rows``). The SQL text itself stays in each dialect's store, written out in full."""
