-- analytics 2 (adapters/sqlite/analytics.py)

CREATE TABLE analytics_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL);
