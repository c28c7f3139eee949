"""Database tables, Redis, password hashing and the content service client."""
