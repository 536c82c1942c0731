"""Class mode: one practice server for a whole course (`examkit class ...`), on PostgreSQL."""
