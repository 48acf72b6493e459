"""The index's hot read queries, written once as SQL text.

These statements are plain text with bound parameters, one per shape of cut (built
once per process, then found in SQLAlchemy's statement cache); SQLite and PostgreSQL
run them as they are. Every condition on the rows a cut admits (``_seen``) keeps
``story`` and a range on ``sort_utc`` in front, so each part is a range scan of one of
the index's indexes (by timeline, by kind, facts by key).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import TextClause, text

from domain.timeline import Cut
from domain.when import utc_text
from storage.tables import FIELDS, REBUILT

_COLUMNS = ", ".join(f't."{name}"' for name in FIELDS)


# The row of each fact key's latest value in force. PostgreSQL would hash the whole table
# to join ``seq IN (...)`` to a recursive CTE, whose size it cannot guess: a LATERAL join
# probes by key instead.
_LATEST_FACTS = {
    "sqlite": "SELECT {columns} FROM story_updates t WHERE t.seq IN"
    " (SELECT (SELECT t.seq FROM story_updates t WHERE {latest}) FROM fact_keys k)",
    "postgresql": "SELECT {columns} FROM fact_keys k CROSS JOIN LATERAL"
    " (SELECT * FROM story_updates t WHERE {latest}) t",
}


# The story's fact keys, in order: each the next one up the facts index (a loose scan,
# one probe per key, where a GROUP BY would read every fact row).
_FACT_KEYS = (
    "fact_keys(key) AS (SELECT min(t.fact_key) FROM story_updates t"
    " WHERE t.story = :slug AND t.kind = 'fact'"
    " UNION ALL SELECT (SELECT min(t.fact_key) FROM story_updates t"
    " WHERE t.story = :slug AND t.kind = 'fact' AND t.fact_key > k.key)"
    " FROM fact_keys k WHERE k.key IS NOT NULL)"
)


def _upto(alias: str, place: str, after: bool = False) -> str:
    """Whether row ``alias`` is up to a place on the timeline: the cut's report-date
    ``"limit"`` (``:limit``), or the ``"bound"`` (``:bs``, ``:bq``) that a version already
    read sets; ``after``: whether it is past it, the same comparison the other way. Both
    are written as ranges of (sort_utc, seq), so that the timeline index answers either."""
    sort_utc, seq = f"{alias}.sort_utc", f"{alias}.seq"
    most, less = (">", ">") if after else ("<=", "<")  # the place itself, then before it
    if place == "limit":
        return f"{sort_utc} {most} :limit"
    return f"{sort_utc} {less}= :bs AND ({sort_utc} {less} :bs OR {seq} {most} :bq)"


def _seen(alias: str, limit: bool, known: bool, bound: bool, story: bool = True) -> str:
    """The as-of rule, the SQL twin of ``domain.timeline.Cut.admits`` (the only one): the
    rows of story ``:slug`` reported by ``:limit`` and recorded by ``:known``, and up to
    the bound ``(:bs, :bq)`` on the timeline, each only when the cut has it."""
    parts = [f"{alias}.story = :slug" if story else "1 = 1"]
    if limit:
        parts.append(_upto(alias, "limit"))
    if known:
        parts.append(f"{alias}.recorded_at <= :known")
    if bound:
        parts.append(_upto(alias, "bound"))
    return " AND ".join(parts)


# The middle day of a story's reported days, from its story_stats row ``s``.
_MIDDLE = {
    "sqlite": "date((julianday(s.first_day) + julianday(s.last_day)) / 2)",
    "postgresql": "to_char(CAST(s.first_day AS DATE)"
    " + (CAST(s.last_day AS DATE) - CAST(s.first_day AS DATE)) / 2, 'YYYY-MM-DD')",
}


def _version(dialect: str, limit: bool, known: bool, bound: bool) -> str:
    """The version number: how many of the story's updates the cut admits.

    A cut by report date alone is a prefix of the story's timeline, so it is the story's
    size (story_stats, written with the rows) less the updates after the cut when the cut
    falls in the story's second half: the timeline index then counts the shorter side. A
    cut that also bounds what was recorded is counted as it is.
    """
    seen = _seen("t", limit, known, bound)
    counted = f"(SELECT count(*) FROM story_updates t WHERE {seen})"
    if known or (limit and bound):
        return counted
    size = "(SELECT s.updates FROM story_stats s WHERE s.story = :slug)"
    if not (limit or bound):
        return f"coalesce({size}, 0)"
    # The rows after the cut: _seen's limit or bound, on its other side.
    at, place = (":limit", "limit") if limit else (":bs", "bound")
    after = _upto("t", place, after=True)
    later = f"(SELECT count(*) FROM story_updates t WHERE t.story = :slug AND {after})"
    middle = f"(SELECT {_MIDDLE[dialect]} FROM story_stats s WHERE s.story = :slug)"
    return f"CASE WHEN {at} > {middle} THEN {size} - {later} ELSE {counted} END"


_REBUILT = f"(SELECT value FROM story_meta WHERE name = '{REBUILT}')"


@cache
def relevant(dialect: str, limit: bool, known: bool, bound: bool, keys: bool) -> TextClause:
    """The rows whose content can show in a cut (a row may come twice), and a row with no
    update id whose ``seq`` is the version number and whose ``sort_utc`` is when the
    index was last rebuilt (NULL: never): one statement, one snapshot.

    ``keys``: only each row's (update_id, sort_utc, seq), for a reader that has the
    updates decoded already (storage.index).
    """
    columns = "t.update_id, t.sort_utc, t.seq" if keys else _COLUMNS
    seen = _seen("t", limit, known, bound)
    live = (
        f"{seen} AND t.update_id NOT IN (SELECT x.target FROM story_updates x"
        f" WHERE {_seen('x', limit, known, bound)} AND x.kind = 'retraction')"
    )
    latest = "ORDER BY t.sort_utc DESC, t.seq DESC LIMIT 1"
    by_seq = f"SELECT {columns} FROM story_updates t WHERE t.seq IN"
    # The last revision in force (rs, rq), or ('', 0); (hs, hq) the same if it has a
    # headline: the latest headline is then among the rows from it on.
    bounds = (
        f"WITH RECURSIVE {_FACT_KEYS}, rev AS (SELECT t.sort_utc AS rs, t.seq AS rq,"
        f" CASE WHEN t.headline IS NULL THEN '' ELSE t.sort_utc END AS hs,"
        f" CASE WHEN t.headline IS NULL THEN 0 ELSE t.seq END AS hq"
        f" FROM story_updates t WHERE {live} AND t.kind = 'revision' {latest}),"
        f" b AS (SELECT coalesce(max(rs), '') AS rs, coalesce(max(rq), 0) AS rq,"
        f" coalesce(max(hs), '') AS hs, coalesce(max(hq), 0) AS hq FROM rev) "
    )
    rs, rq, hs, hq = (f"(SELECT b.{name} FROM b)" for name in ("rs", "rq", "hs", "hq"))
    marks = {"seq": _version(dialect, limit, known, bound), "sort_utc": _REBUILT}
    count = ", ".join(
        marks.get(name, "NULL") for name in (("update_id", "sort_utc", "seq") if keys else FIELDS)
    )
    parts = [
        # The amendments, and the statements in force.
        f"SELECT {columns} FROM story_updates t"
        f" WHERE {seen} AND t.kind IN ('correction', 'retraction')",
        f"SELECT {columns} FROM story_updates t WHERE {live} AND t.kind = 'statement'",
        # The last revision in force and the reports after it, and the retracted reports
        # and revisions among them too: the fold notes where withdrawn text stood.
        f"SELECT {columns} FROM story_updates t WHERE {seen}"
        f" AND t.kind IN ('report', 'revision') AND t.sort_utc >= {rs}"
        f" AND (t.sort_utc > {rs} OR t.seq >= {rq})",
        # The latest value of each fact: one probe of the facts index per fact key.
        _LATEST_FACTS[dialect].format(
            columns=columns,
            latest=f"{live} AND t.kind = 'fact' AND t.fact_key = k.key {latest}",
        ),
        # The headline is the latest one in force: the latest own headline, unless a
        # later update took one from a correction (only the fold knows which correction
        # of an update is the last, so all their targets go along).
        f"{by_seq} (SELECT t.seq FROM story_updates t WHERE {live}"
        f" AND t.kind IN ('report', 'revision') AND t.headline IS NOT NULL"
        f" AND t.sort_utc >= {hs} AND (t.sort_utc > {hs} OR t.seq >= {hq}) {latest})",
        f"SELECT {columns} FROM story_updates t JOIN story_updates fix"
        f" ON fix.target = t.update_id WHERE {_seen('fix', limit, known, bound)}"
        f" AND fix.kind = 'correction' AND fix.headline IS NOT NULL AND {seen}",
        # The update that made the version (the fold skips it if it cannot show).
        f"{by_seq} (SELECT t.seq FROM story_updates t WHERE {seen} {latest})",
        # The version number.
        f"SELECT {count}",
    ]
    return text(bounds + " UNION ALL ".join(parts))


@cache
def admitted(limit: bool, known: bool, story: bool) -> TextClause:
    """The rows a cut admits (of one story, or of every story story by story), each
    story's in version order."""
    return text(
        f"SELECT {_COLUMNS} FROM story_updates t WHERE {_seen('t', limit, known, False, story)}"
        " ORDER BY t.story, t.sort_utc, t.seq"
    )


def shape(cut: Cut | None, bound: Any = None) -> tuple[tuple[bool, bool, bool], dict[str, Any]]:
    """The statements' shape for a cut and an optional bound (sort_utc, seq), and the
    parameters they take."""
    limit = cut.reported_by if cut is not None else None
    known = cut.recorded_by if cut is not None else None
    params: dict[str, Any] = {}
    if limit is not None:
        params["limit"] = utc_text(limit)
    if known is not None:
        params["known"] = utc_text(known)
    if bound is not None:
        params["bs"], params["bq"] = bound[0], bound[1]
    return (limit is not None, known is not None, bound is not None), params
