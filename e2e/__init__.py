"""The real stack (every server Rookery talks to, on 127.0.0.1) and whole-system scenarios."""
