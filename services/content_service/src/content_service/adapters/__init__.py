"""Database tables and repositories of content service."""
