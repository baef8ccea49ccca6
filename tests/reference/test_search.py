"""Search of a child's record: FTS5 over its case notes, in step with every way notes arrive."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import text

from accredit.specs import load_specs
from load.caseload import SCALES, Caseload
from load.into_reference import load_into_reference
from reference_impl.store.db import make_engine, make_sessions
from reference_impl.store.note_search import fts_phrase, search_notes
from tests.reference.conftest import AUTHOR, Api, assert_error, created, ok


def note(api: Api, child_id: int, words: str) -> dict[str, object]:
    return created(api.as_user(AUTHOR).post(f"/children/{child_id}/notes", {"text": words}))


def found(api: Api, child_id: int, query: str, user: str = AUTHOR) -> list[int]:
    answer = ok(api.as_user(user).request("GET", f"/children/{child_id}/search",
                                          params={"q": query}))  # fmt: skip
    assert answer["query"] == query
    return [n["id"] for n in answer["notes"]]


def test_search_finds_the_phrase_in_this_childs_notes_only(api: Api) -> None:
    first, second = api.child(), api.child()
    nurse = note(api, first["id"], "Agreed the school nurse will see Seren next week.")
    note(api, first["id"], "The nurse came to school.")  # both words, not the phrase
    note(api, second["id"], "The school nurse will visit.")  # the phrase, another child
    assert found(api, first["id"], "school nurse") == [nurse["id"]]
    assert found(api, first["id"], "SCHOOL  nurse!") == [nurse["id"]]  # case, punctuation
    assert found(api, first["id"], "health visitor") == []


def test_search_reads_syntax_as_words(api: Api) -> None:
    child = api.child()
    hit = note(api, child["id"], 'She said "NOT now" OR later.')
    for query in ('"NOT', "now OR", "said NOT(", "OR:later", "*"):
        expected = [hit["id"]] if query != "*" else []
        assert found(api, child["id"], query) == expected, query


def test_search_is_refused_without_a_token_or_a_child(api: Api) -> None:
    child = api.child()
    assert api.as_user(None).get(f"/children/{child['id']}/search?q=x").status_code == 401
    assert_error(api.as_user(AUTHOR).get("/children/999999/search?q=x"), 404, "not_found")
    assert api.as_user(AUTHOR).get(f"/children/{child['id']}/search?q=").status_code == 422


def test_fts_phrase_quotes_only_words() -> None:
    assert fts_phrase('a "b" c*') == '"a b c"'
    assert fts_phrase("!!!") is None


def test_a_bulk_load_into_the_database_is_searchable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ref.db'}"
    caseload = Caseload(load_specs(), SCALES["small"], 5, date(2026, 11, 1))
    load_into_reference(caseload, url)
    engine = make_engine(url)
    with make_sessions(engine)() as session:
        notes = [n for n in caseload.notes() if n.child == 7]
        hits = search_notes(session, 7, "Home visit", 100)
        assert [n.text for n in hits] == [n.text for n in notes if "Home visit" in n.text]
        indexed = session.execute(text("SELECT count(*) FROM notes_fts")).scalar_one()
        assert indexed == SCALES["small"].children * SCALES["small"].notes_per_child
    engine.dispose()


def test_an_index_added_to_an_older_database_is_built_from_its_notes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in ("DROP TRIGGER notes_fts_insert", "DROP TABLE notes_fts"):
            connection.execute(text(statement))
        connection.execute(
            text(
                "INSERT INTO children (id, given_name, family_name, date_of_birth, sex, team, "
                "created_at) VALUES (1, 'A', 'B', '2019-01-01', 'female', 'A', '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO notes (child_id, author, text, occurred_on, created_at) "
                "VALUES (1, 'sw_a', 'Core group meeting held.', '2026-01-01', '2026-01-01')"
            )
        )
    engine.dispose()
    engine = make_engine(url)
    with make_sessions(engine)() as session:
        assert [n.text for n in search_notes(session, 1, "core group", 10)] == [
            "Core group meeting held."
        ]
    engine.dispose()
