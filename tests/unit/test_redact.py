"""`logoff run` masks secrets in every log record (bot/redact.py); the process-level check
is tests/contract/test_contract_b.py."""

from __future__ import annotations

import logging

import pytest

from bot.config import parse
from bot.redact import MASK, Redact, configured_secrets


def test_named_secrets_and_credential_values_are_masked_and_names_are_not(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGOFF_T_TOKEN", "tok-SEKRIT-1")
    monkeypatch.setenv("LOGOFF_T_PW", "pw-SEKRIT-2")
    cfg = parse({"bot": {"database": "postgresql://u@h/db", "database_password_env": "LOGOFF_T_PW"},
                 "discord": {"token_env": "LOGOFF_T_TOKEN"}})
    assert sorted(configured_secrets(cfg)) == ["pw-SEKRIT-2", "tok-SEKRIT-1"]
    redact = Redact(configured_secrets(cfg))
    record = logging.LogRecord("x", logging.DEBUG, __file__, 1, "sent %s and got %r", (
        "Bot tok-SEKRIT-1", {"access_token": "syt_abc", "user_id": "@a:b"}), None)
    assert redact.filter(record)
    assert record.getMessage() == f"sent Bot {MASK} and got {{'access_token': '{MASK}', 'user_id': '@a:b'}}"
    try:
        raise RuntimeError("login with password=pw-SEKRIT-2 refused")
    except RuntimeError:
        import sys
        failed = logging.LogRecord("x", logging.ERROR, __file__, 1, "token_env = %s", ("LOGOFF_T_TOKEN",),
                                   sys.exc_info())
    redact.filter(failed)
    assert failed.getMessage() == "token_env = LOGOFF_T_TOKEN"
    assert "SEKRIT" not in (failed.exc_text or "") and f"password={MASK}" in (failed.exc_text or "")


def test_a_bad_log_call_is_left_to_the_handler_and_headers_and_stacks_are_masked() -> None:
    redact = Redact(["tok-SEKRIT-1"])
    broken = logging.LogRecord("x", logging.INFO, __file__, 1, "sync took %s ms for %s", (12,), None)
    assert redact.filter(broken)  # the caller goes on; logging prints its own "Logging error"
    header = logging.LogRecord("x", logging.DEBUG, __file__, 1, "headers %s",
                               ({"Authorization": "Bearer syt_abc123"},), None)
    redact.filter(header)
    assert "syt_abc123" not in header.getMessage() and MASK in header.getMessage()
    stacked = logging.LogRecord("x", logging.DEBUG, __file__, 1, "here", (), None, sinfo="at tok-SEKRIT-1")
    redact.filter(stacked)
    assert stacked.stack_info == f"at {MASK}"
    plain = logging.LogRecord("x", logging.INFO, __file__, 1, "%d rooms, 100%% synced", (3,), None)
    redact.filter(plain)
    assert logging.Formatter().format(plain) == "3 rooms, 100% synced"


def test_the_database_clients_own_password_variable_is_masked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no database_password_env, the server's client reads PGPASSWORD: it is as secret."""
    monkeypatch.setenv("PGPASSWORD", "pg-SEKRIT-3")
    cfg = parse({"bot": {"database": "postgresql://u@h/db"}})
    redact = Redact(configured_secrets(cfg))
    record = logging.LogRecord("x", logging.DEBUG, __file__, 1, "connect(%s)", ("pg-SEKRIT-3",), None)
    redact.filter(record)
    assert record.getMessage() == f"connect({MASK})"
    # A SQLite database has no use for it, and it is no secret of ours there.
    assert configured_secrets(parse({"bot": {"database": "x.db"}})) == []
