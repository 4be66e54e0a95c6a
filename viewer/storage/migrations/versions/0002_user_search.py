"""The feed search index: an FTS5 table of user id, name and email, kept in step by triggers.

The trigram tokenizer matches any substring of three or more characters, so "jane", "example.com"
and "er-12" all find user-123 <jane.customer@example.com>.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_STATEMENTS = [
    "CREATE VIRTUAL TABLE user_search USING fts5(user_id, name, email, tokenize='trigram')",
    """CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
        INSERT INTO user_search(rowid, user_id, name, email)
        VALUES (new.pk, new.id, coalesce(new.name, ''), coalesce(new.email, ''));
    END""",
    """CREATE TRIGGER users_search_update AFTER UPDATE ON users BEGIN
        DELETE FROM user_search WHERE rowid = old.pk;
        INSERT INTO user_search(rowid, user_id, name, email)
        VALUES (new.pk, new.id, coalesce(new.name, ''), coalesce(new.email, ''));
    END""",
    """CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
        DELETE FROM user_search WHERE rowid = old.pk;
    END""",
    """INSERT INTO user_search(rowid, user_id, name, email)
        SELECT pk, id, coalesce(name, ''), coalesce(email, '') FROM users""",
]


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for name in ("users_search_insert", "users_search_update", "users_search_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS user_search")
