"""Start, check and stop the real servers Rookery uses, all on 127.0.0.1 (``python -m e2e.stack``)."""
