"""What several service replicas share: one PostgreSQL database (``--database URL``), its
connection pool and its versioned schema. The memory, the corrections, the jobs, their files and
the rate limits live there when a URL is given; without one each stays on this machine (SQLite
files and process memory), as it always was. It imports only psycopg and the errors, never a
model, the engine or the service: they come to it."""

from .postgres import (
    DATABASE_ENV,
    SCHEMA_VERSION,
    Database,
    DatabaseError,
    database_url,
    open_database,
    redacted,
)

__all__ = [
    "DATABASE_ENV",
    "SCHEMA_VERSION",
    "Database",
    "DatabaseError",
    "database_url",
    "open_database",
    "redacted",
]
