"""The RSVP write unit, and its bulk form: the same rules as one server-side call.

`repo.apply_mark` is the reference: the embedded store runs it, and so does any retry that
must isolate a failing unit. On a database server each of its statements is a round trip,
which is what bounds a reaction storm there, so the unit also carries a bulk form: the
function below does the same work in one call and the store pipelines the calls of a batch
(bot.bulk). The two must agree on every outcome; tests/reliability/test_rsvp_bulk.py runs
both on the same random histories and compares results and tables.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.bulk import Bulk, BulkUnit, ServerSide

from . import repo


@dataclass(frozen=True)
class Marked:
    is_open: bool  # the event takes RSVPs
    result: repo.RsvpResult | None  # None: nothing changed
    has_role: bool  # the event has a role to follow who is going (known only when changed)


# Marks by card (each reaction's card, and the event's live cards as a JSON list) replaced the
# first form of the function, which a database made before has. That one stays: processes of
# the previous version may still be running on the same database while others upgrade, and it
# still works on the marks table (its rows say no card).
FUNCTION = ServerSide(r"""
CREATE OR REPLACE FUNCTION logoff_rsvp_card_marks(
    a_event BIGINT[], a_user TEXT[], a_name TEXT[], a_status TEXT[], a_added BOOLEAN[], a_source TEXT[],
    a_now DOUBLE PRECISION[], a_length DOUBLE PRECISION[], a_card TEXT[], a_live TEXT[])
RETURNS TABLE(is_open BOOLEAN, changed BOOLEAN, old_status TEXT, new_status TEXT,
              promoted_user TEXT, promoted_name TEXT, waitlisted_at BIGINT, has_role BOOLEAN)
LANGUAGE plpgsql AS $fn$
DECLARE
    i INT; p_event BIGINT; p_user TEXT; p_name TEXT; p_status TEXT; p_source TEXT; p_card TEXT;
    v_cap BIGINT; v_state TEXT; v_end DOUBLE PRECISION; v_role BOOLEAN; v_n BIGINT;
    v_found BOOLEAN; v_oldname TEXT; v_seq BIGINT; v_was_in BOOLEAN; v_name TEXT; k INT;
    -- what each event of the call is, read once: RSVPs do not change their event
    c_id BIGINT[] := '{}'; c_cap BIGINT[] := '{}'; c_state TEXT[] := '{}';
    c_end DOUBLE PRECISION[] := '{}'; c_role BOOLEAN[] := '{}';
    -- and the highest mark number of each, once known and until a mark of it is deleted
    c_seq BIGINT[] := '{}'; v_next BIGINT;
BEGIN
    FOR i IN 1 .. COALESCE(array_length(a_event, 1), 0) LOOP
        p_event := a_event[i]; p_user := a_user[i]; p_name := a_name[i]; p_status := a_status[i];
        p_source := a_source[i]; p_card := a_card[i];
        is_open := FALSE; changed := FALSE; has_role := FALSE; old_status := NULL; new_status := NULL;
        promoted_user := NULL; promoted_name := NULL; waitlisted_at := NULL; v_was_in := FALSE;
        k := array_position(c_id, p_event);
        IF k IS NULL THEN
            SELECT e.capacity, e.state, COALESCE(e.ends_at, e.starts_at + a_length[i]), n.role_id IS NOT NULL
                INTO v_cap, v_state, v_end, v_role
                FROM events e LEFT JOIN event_native n ON n.event_id = e.id WHERE e.id = p_event;
            IF NOT FOUND THEN
                v_state := 'missing';
            END IF;
            c_id := c_id || p_event; c_cap := c_cap || v_cap; c_state := c_state || v_state;
            c_end := c_end || v_end; c_role := c_role || v_role; c_seq := c_seq || NULL::BIGINT;
            k := array_length(c_id, 1);
        ELSE
            v_cap := c_cap[k]; v_state := c_state[k]; v_end := c_end[k]; v_role := c_role[k];
        END IF;
        IF v_state IN ('missing', 'cancelled') OR v_end <= a_now[i] THEN
            RETURN NEXT;
            CONTINUE;
        END IF;
        is_open := TRUE;
        IF a_added[i] THEN
            IF p_source = 'text' THEN
                DELETE FROM event_marks WHERE object_id = p_event AND "user" = p_user AND source = 'text';
                GET DIAGNOSTICS v_n = ROW_COUNT;
                IF v_n > 0 THEN
                    c_seq[k] := NULL;
                END IF;
            END IF;
            v_next := c_seq[k];
            IF v_next IS NULL THEN
                SELECT COALESCE(MAX(seq), 0) INTO v_next FROM event_marks WHERE object_id = p_event;
            END IF;
            INSERT INTO event_marks(object_id, "user", value, source, card, seq, name)
                VALUES (p_event, p_user, p_status, p_source, p_card, v_next + 1, p_name)
                ON CONFLICT DO NOTHING;
            GET DIAGNOSTICS v_n = ROW_COUNT;
            c_seq[k] := v_next + v_n;
        ELSE
            DELETE FROM event_marks
                WHERE object_id = p_event AND "user" = p_user AND value = p_status AND source = p_source
                AND (card = p_card OR NOT card = ANY(ARRAY(SELECT jsonb_array_elements_text(a_live[i]::jsonb))));
            GET DIAGNOSTICS v_n = ROW_COUNT;
            IF v_n > 0 THEN
                c_seq[k] := NULL;
            END IF;
        END IF;
        IF v_n = 0 THEN
            RETURN NEXT;
            CONTINUE;
        END IF;
        changed := TRUE;
        has_role := v_role;
        SELECT status, name, going_seq INTO old_status, v_oldname, v_seq
            FROM rsvps WHERE event_id = p_event AND "user" = p_user;
        v_found := FOUND;
        IF v_cap IS NOT NULL AND old_status = 'going' THEN
            SELECT COUNT(*) INTO v_n FROM rsvps
                WHERE event_id = p_event AND status = 'going' AND going_seq <= v_seq;
            v_was_in := v_n <= v_cap;
        END IF;
        IF a_added[i] THEN
            new_status := p_status;
        ELSE
            SELECT value INTO new_status FROM event_marks
                WHERE object_id = p_event AND "user" = p_user ORDER BY seq DESC LIMIT 1;
        END IF;
        v_name := CASE WHEN p_name <> '' THEN p_name ELSE COALESCE(v_oldname, '') END;
        IF new_status IS NULL THEN
            DELETE FROM rsvps WHERE event_id = p_event AND "user" = p_user;
        ELSIF new_status = 'going' AND old_status IS DISTINCT FROM 'going' THEN
            INSERT INTO rsvps(event_id, "user", name, status, going_seq)
                VALUES (p_event, p_user, v_name, new_status,
                        (SELECT COALESCE(MAX(going_seq), 0) + 1 FROM rsvps
                         WHERE event_id = p_event AND status = 'going'))
                ON CONFLICT (event_id, "user") DO UPDATE
                SET name = excluded.name, status = excluded.status, going_seq = excluded.going_seq;
        ELSIF new_status IS DISTINCT FROM old_status OR (v_found AND v_name <> v_oldname) THEN
            INSERT INTO rsvps(event_id, "user", name, status, going_seq)
                VALUES (p_event, p_user, v_name, new_status, 0)
                ON CONFLICT (event_id, "user") DO UPDATE SET status = excluded.status, name = excluded.name;
        END IF;
        IF v_cap IS NOT NULL THEN
            IF v_was_in AND new_status IS DISTINCT FROM 'going' THEN
                SELECT "user", name INTO promoted_user, promoted_name FROM rsvps
                    WHERE event_id = p_event AND status = 'going' ORDER BY going_seq LIMIT 1 OFFSET v_cap - 1;
            END IF;
            IF new_status = 'going' AND old_status IS DISTINCT FROM 'going' THEN
                SELECT COUNT(*) INTO v_n FROM rsvps WHERE event_id = p_event AND status = 'going';
                IF v_n > v_cap THEN
                    waitlisted_at := v_n - v_cap;
                END IF;
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$fn$;
""")

# A PL/pgSQL function's rows come out in the order it returned them (a function scan reads
# its result in order), which is the order of the units.
_CALL = "SELECT * FROM logoff_rsvp_card_marks($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"


def mark_unit(event_id: int, user: str, name: str, status: str, *, added: bool, source: str,
              now: datetime, card: str = "", live: Collection[str] = ()) -> BulkUnit[Marked]:
    """`card`: the card reacted on ('' for text); `live`: the event's cards now."""
    def unit(conn: sqlite3.Connection) -> Marked:
        is_open, result = repo.apply_mark(conn, event_id, user, name, status, added=added,
                                          source=source, now=now, card=card, live=live)
        has_role = result is not None and conn.execute(
            "SELECT 1 FROM event_native WHERE event_id=? AND role_id IS NOT NULL", (event_id,)).fetchone() is not None
        return Marked(is_open, result, has_role)

    args = (event_id, user, name, status, added, source, now.timestamp(), repo.DEFAULT_LENGTH.total_seconds(),
            card, json.dumps(sorted(live)))
    return BulkUnit(unit, Bulk(_CALL, args, _decode))


def _decode(row: Any) -> Marked:
    if not row["changed"]:
        return Marked(bool(row["is_open"]), None, False)
    promoted = (repo.Attendee(row["promoted_user"], row["promoted_name"]),) if row["promoted_user"] is not None else ()
    result = repo.RsvpResult(row["old_status"], row["new_status"], promoted, row["waitlisted_at"])
    return Marked(True, result, bool(row["has_role"]))
