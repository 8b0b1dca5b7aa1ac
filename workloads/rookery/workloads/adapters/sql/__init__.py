"""What the SQLite and PostgreSQL adapters share: keyset paging (``paging``), the row -> domain
mappers (``from_row``), the InteractionStore methods that only name a table (``interactions``) and
the report filter (``moderation``). The SQL text itself stays in each dialect's store, written out."""
