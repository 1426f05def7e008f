from club.awards import services
from tests.award_factories import make_category, make_edition, make_finalists, move_to, score, vote
from tests.case_factories import make_case
from tests.factories import make_member, make_organiser
from tests.helpers import login, logout, url

EN = {"Accept-Language": "en"}


def test_whole_flow(client):
    organiser = make_organiser()
    edition = make_edition("nominations")
    category = make_category(edition)
    author = make_member()
    case = make_case(author)
    other_case = make_case(make_member(), organisation="Altra")
    login(client, author)
    r = client.get(url("awards.edition", edition_id=edition.id), headers=EN)
    assert r.status_code == 200, r.text
    r = client.post(
        url("awards.nominate", edition_id=edition.id),
        data={"category_id": category.id, "case": str(case.id)},
        headers=EN,
    )
    assert r.status_code == 302, r.text
    r = client.post(
        url("awards.nominate", edition_id=edition.id),
        data={"category_id": category.id, "case": f"http://x/cases/{other_case.id}"},
        headers=EN,
    )
    assert r.status_code == 302, r.text
    r = client.get(url("awards.edition", edition_id=edition.id), headers=EN)
    assert "Waiting for the authors" in r.text
    move_to(edition, "selection")
    logout(client)
    login(client, organiser)
    r = client.get(url("awards.manage", category_id=category.id), headers=EN)
    assert r.status_code == 200, r.text
    nom = services.category_nominations(category)
    entered = [n for n in nom if n.counts][0]
    r = client.post(url("awards.eligibility", nomination_id=entered.id), data={"decision": "eligible"}, headers=EN)
    assert r.status_code == 302
    r = client.post(
        url("awards.choose_finalists", category_id=category.id), data={"finalists": [entered.id]}, headers=EN
    )
    assert r.status_code == 302, r.text
    juror = make_member()
    r = client.post(url("awards.set_jurors", category_id=category.id), data={"emails": juror.email}, headers=EN)
    assert r.status_code == 302, r.text
    c2 = make_case(make_member(), organisation="Terza")
    make_finalists(category, c2)
    move_to(edition, "judging_voting")
    r = client.get(url("awards.manage", category_id=category.id), headers=EN)
    assert r.status_code == 200, r.text
    finals = services.finalists(category)
    for f in finals:
        score(f, juror, 8, 7, 9)
    voter = make_member()
    receipt = vote(category, make_member(), c2, case)
    logout(client)
    login(client, voter)
    r = client.get(url("awards.ballot", category_id=category.id), headers=EN)
    assert r.status_code == 200, r.text
    r = client.post(
        url("awards.cast", category_id=category.id), data={f"place_{case.id}": "1", f"place_{c2.id}": "2"}, headers=EN
    )
    assert r.status_code == 302, r.text
    r = client.get(url("awards.ballot", category_id=category.id), headers=EN)
    assert "receipt code" in r.text
    logout(client)
    login(client, juror)
    r = client.get(url("awards.jury", category_id=category.id), headers=EN)
    assert r.status_code == 200, r.text
    r = client.get(url("awards.score", nomination_id=finals[0].id), headers=EN)
    assert r.status_code == 200, r.text
    move_to(edition, "closed")
    logout(client)
    login(client, organiser)
    r = client.get(url("awards.edition", edition_id=edition.id), headers=EN)
    assert "Publish the results" in r.text
    r = client.post(url("awards.publish", edition_id=edition.id), headers=EN)
    assert r.status_code == 302, r.text
    for ep in ("awards.results", "awards.ballots_csv", "awards.scores_csv"):
        r = client.get(url(ep, category_id=category.id), headers=EN)
        assert r.status_code == 200, r.text
    print(client.get(url("awards.ballots_csv", category_id=category.id)).text)
    r = client.get(url("awards.certificate", category_id=category.id, case_id=case.id), headers=EN)
    assert r.status_code == 200 and r.data[:4] == b"%PDF"
    r = client.get(url("awards.audit_log", edition_id=edition.id), headers=EN)
    assert r.status_code == 200 and "Results published" in r.text
    r = client.get(url("cases.detail", case_id=case.id), headers=EN)
    assert "award-badge" in r.text
    r = client.get(url("members.profile", user_id=author.id), headers=EN)
    assert "award-badge" in r.text, r.text
    r = client.get(url("awards.receipt", edition_id=edition.id, receipt=receipt), headers=EN)
    assert r.status_code == 200 and "counted as cast" in r.text
    r = client.get("/", headers=EN)
    assert r.status_code == 200
