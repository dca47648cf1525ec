"""Message search through the HTTP API finds a word in any of its forms (Russian stemming: on
SQLite the server's own stemmer in the full-text index, on PostgreSQL `to_tsvector('russian')`),
keeps up with edits and deletions, and still does after a restart (on SQLite every connection of
the new process must have the SQL function the index's triggers call)."""

from __future__ import annotations

from parta_e2e import approve_and_activate, create_operator, expect, submit_application


def test_search_finds_the_forms_of_a_word_through_edits_deletes_and_a_restart(server):
    operator = create_operator(server)
    admin = approve_and_activate(server, operator, submit_application(server))
    school = admin.school_id
    channel = next(c for c in expect(admin.get(f"/api/v1/schools/{school}/chats"), 200)["items"]
                   if c.get("audience") == "school")
    chat_messages = f"/api/v1/chats/{channel['id']}/messages"

    def found(q: str) -> list[str]:
        hits = expect(admin.get(f"/api/v1/schools/{school}/search", params={"q": q}), 200)["items"]
        return [hit["message"]["id"] for hit in hits]

    test = expect(admin.post(chat_messages, json={"text": "Завтра контрольная по алгебре"}), 201)
    trip = expect(admin.post(chat_messages, json={"text": "Экскурсия в музей переносится на пятницу"}), 201)

    for q in ["контрольную", "контрольной", "Контрольная", "КОНТРОЛЬНЫЕ", "алгебры", "контрольную алгебры"]:
        assert found(q) == [test["id"]], q
    assert found("экскурсии") == [trip["id"]]
    assert found("физика") == []
    assert found("контрольную физика") == [], "every word must be found"

    # What a person types is words, never the index's query language.
    for q in ['"контрольную', 'контрольную" OR "музей', "NEAR(алгебры", "text:контрольную", "алгебр*", "-алгебры", "^завтра"]:
        expect(admin.get(f"/api/v1/schools/{school}/search", params={"q": q}), 200)
    expect(admin.get(f"/api/v1/schools/{school}/search", params={"q": '" * ( )'}), 400)

    # An edit changes what the message is found by.
    expect(admin.patch(f"/api/v1/messages/{test['id']}", json={"text": "Завтра диктант по русскому языку"}), 200)
    assert found("контрольную") == []
    assert found("диктанты") == [test["id"]]

    # A new process on the same data: sends, edits and searches go on as before.
    assert server.stop() == 0
    server.start()
    final = expect(admin.post(chat_messages, json={"text": "Итоговые контрольные работы — в мае"}), 201)
    assert found("контрольная") == [final["id"]]
    assert found("диктантом") == [test["id"]]
    expect(admin.patch(f"/api/v1/messages/{trip['id']}", json={"text": "Экскурсия в театр переносится на пятницу"}), 200)
    assert found("музей") == []
    assert found("театре") == [trip["id"]]

    # A deleted message is found by nothing.
    expect(admin.delete(f"/api/v1/messages/{test['id']}"), 200)
    assert found("диктант") == []
    assert found("пятницу") == [trip["id"]]
