"""The gateway's schema: sign-in sessions (refresh-token families) and the refresh tokens in them.

A family is one sign-in: each refresh replaces its token with a new one in the same family, so
the family is what logout, a password change and reuse detection revoke. Only a token's sha256
is stored; the token itself exists only on the client.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, MetaData, Table, Text, Uuid, func

metadata = MetaData()

token_families = Table(
    "token_families",
    metadata,
    Column("family_id", Uuid, primary_key=True),
    Column("user_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    # Why the family ended: logout, password_change or reuse (for support, and the tests).
    Column("revoked_reason", Text, nullable=True),
    Index("ix_token_families_user_id", "user_id"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("family_id", Uuid, ForeignKey("token_families.family_id", ondelete="CASCADE"), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    # Set when the token is exchanged; presenting it again after that is a reuse.
    Column("rotated_at", DateTime(timezone=True), nullable=True),
    Index("ix_refresh_tokens_family_id", "family_id"),
)
