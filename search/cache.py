"""The proof cache: solved and failed goals, shared by workers and kept across runs.

One SQLite file (WAL mode, so readers never block the writer and several processes can
share it), read and written through `sqlite-utils` tables. Goals are keyed by their normalised text. A proof is stored as its tactic list; a
failure records the largest budget spent on the goal, so a later search can skip it (same or
smaller budget) or try again with more; Lean's suggestions for a goal (the concrete tactics
`exact?`, `rw?`, … printed, :mod:`lean_env.suggestions`) are stored with the suggestion
tactics that were asked, so a goal is never asked twice. Every write is one transaction: a worker killed
mid-write leaves the database as it was before that write.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from lean_prover.lean_env.suggestions import Suggestion


def normalise_goal(goals: str) -> str:
    """Goal text with whitespace runs collapsed and inaccessible-name suffixes unified."""
    text = re.sub(r"\s+", " ", goals.strip())
    return re.sub(r"✝[⁰¹²³⁴⁵⁶⁷⁸⁹]*", "✝", text)


def goal_key(goals: str) -> str:
    """The cache key of a goal text (sha256 of its normal form)."""
    return hashlib.sha256(normalise_goal(goals).encode()).hexdigest()


@dataclass(frozen=True)
class Failure:
    """The largest budget a search spent on a goal without proving it (each limit separately)."""

    expansions: int
    time_s: float
    attempts: int
    lean_calls: int = 0


class ProofCache:
    """SQLite-backed store of proofs and failures, safe for concurrent processes."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(str(self.path), timeout=60, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA busy_timeout=60000")
        self.db = sqlite_utils.Database(connection)
        with self._write():
            self.db["proofs"].create({"key": str, "goal": str, "tactics": str, "source": str, "created": float},
                                     pk="key", if_not_exists=True)
            self.db["failures"].create({"key": str, "goal": str, "expansions": int, "time_s": float,
                                        "attempts": int, "updated": float}, pk="key", if_not_exists=True)
            self.db["suggestions"].create({"key": str, "goal": str, "asked": str, "suggestions": str,
                                           "created": float}, pk="key", if_not_exists=True)
            if "lean_calls" not in self.db["failures"].columns_dict:  # caches written before the column
                self.db["failures"].add_column("lean_calls", int, not_null_default=0)

    def _write(self):
        return _Transaction(self.db.conn)

    def get_proof(self, goals: str) -> list[str] | None:
        """The cached tactic script proving `goals`, or None."""
        row = self._row("proofs", goals)
        return json.loads(row["tactics"]) if row else None

    def put_proof(self, goals: str, tactics: list[str], source: str = "") -> None:
        """Store a proof (first proof wins); clears any failure record of the goal."""
        key = goal_key(goals)
        with self._write():
            self.db["proofs"].insert({"key": key, "goal": goals, "tactics": json.dumps(tactics), "source": source,
                                      "created": time.time()}, ignore=True)
            self.db["failures"].delete_where("key = ?", [key])

    def get_failure(self, goals: str) -> Failure | None:
        """The failure record of `goals`, or None."""
        row = self._row("failures", goals)
        return Failure(row["expansions"], row["time_s"], row["attempts"], row["lean_calls"]) if row else None

    def record_failure(self, goals: str, expansions: int, time_s: float, lean_calls: int = 0) -> None:
        """Note an unsuccessful search; keeps the largest budget spent (per limit) and counts attempts.
        The read and the write are one `BEGIN IMMEDIATE` transaction, so concurrent writers lose nothing."""
        with self._write():
            old = self.get_failure(goals)
            self.db["failures"].upsert({
                "key": goal_key(goals), "goal": goals, "updated": time.time(),
                "expansions": max(expansions, old.expansions if old else 0),
                "time_s": max(time_s, old.time_s if old else 0.0),
                "lean_calls": max(lean_calls, old.lean_calls if old else 0),
                "attempts": (old.attempts if old else 0) + 1,
            }, pk="key")

    def _row(self, table: str, goals: str) -> dict | None:
        try:
            return self.db[table].get(goal_key(goals))
        except sqlite_utils.db.NotFoundError:
            return None

    def should_skip(self, goals: str, max_expansions: int, max_lean_calls: int | None = None) -> bool:
        """True when a search that spent at least `max_expansions` expansions, or at least
        `max_lean_calls` Lean calls, already failed on `goals`: a deterministic search with this
        budget stops at one of those limits, within what the failed search already explored."""
        failure = self.get_failure(goals)
        if failure is None:
            return False
        return failure.expansions >= max_expansions or (
            max_lean_calls is not None and failure.lean_calls >= max_lean_calls)

    def get_suggestions(self, goals: str, asked: tuple[str, ...]) -> list[Suggestion] | None:
        """Lean's suggestions for `goals`, when every tactic of `asked` was asked before; else None."""
        row = self.db.execute("SELECT asked, suggestions FROM suggestions WHERE key = ?", [goal_key(goals)]).fetchone()
        if row is None or not set(asked) <= set(json.loads(row[0])):
            return None
        return [s for s in map(Suggestion.from_dict, json.loads(row[1])) if s.origin in asked]

    def put_suggestions(self, goals: str, asked: tuple[str, ...], suggestions: list[Suggestion]) -> None:
        """Record what Lean suggested for `goals` when asked the tactics `asked` (merged with
        what an earlier run recorded for other tactics)."""
        key = goal_key(goals)
        with self._write():
            row = self.db.execute("SELECT asked, suggestions FROM suggestions WHERE key = ?", [key]).fetchone()
            before = json.loads(row[1]) if row else []
            known = set(json.loads(row[0])) if row else set()
            merged = [s for s in before if s["origin"] not in asked] + [s.to_dict() for s in suggestions]
            self.db.execute(
                "INSERT OR REPLACE INTO suggestions (key, goal, asked, suggestions, created) VALUES (?, ?, ?, ?, ?)",
                [key, goals, json.dumps(sorted(known | set(asked))), json.dumps(merged, ensure_ascii=False),
                 time.time()])

    def stats(self) -> dict[str, int]:
        """Counts of cached proofs, failures and goals with suggestions."""
        return {"proofs": self.db["proofs"].count, "failures": self.db["failures"].count,
                "suggestions": self.db["suggestions"].count}

    def reopen(self) -> "ProofCache":
        """Another connection to the same file (one per thread: a connection is not shared)."""
        return ProofCache(self.path)

    def close(self) -> None:
        """Close the connection."""
        self.db.conn.close()


class _Transaction:
    """`BEGIN IMMEDIATE` … `COMMIT` (or `ROLLBACK` on error): one atomic write. Hand-written
    because `sqlite-utils`' own `atomic()` opens a deferred `BEGIN`, under which a read followed
    by a write can fail with SQLITE_BUSY when another process writes in between; its table
    operations nest inside this transaction as savepoints."""

    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    def __enter__(self) -> None:
        self.connection.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb) -> None:
        self.connection.execute("ROLLBACK" if exc_type else "COMMIT")
