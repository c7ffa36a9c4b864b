"""An applicant's own data over the portal login session; no session, another role or another county: refused."""

from tests.api.conftest import assert_error, bearer


def test_applicant_reads_profile_application_and_history(client, login, submitted_item):
    found = submitted_item("jiashan", real_name="陈新民")
    person = found["person"]
    login(client, person)
    me = client.get("/jiashan/api/v1/me")
    assert me.status_code == 200
    body = me.get_json()
    assert body["id"] == person.id and body["real_name"] == "陈新民"
    assert person.id_number not in me.get_data(as_text=True) and body["id_number"].startswith("3304")
    assert person.mobile not in me.get_data(as_text=True) and body["has_residence_permit"] is True
    application = client.get("/jiashan/api/v1/me/application").get_json()
    assert application["id"] == found["application"] and application["status"] == "submitted"
    assert [i["id"] for i in application["items"]] == [found["item"]] and application["items"][0]["status"] == "pending"
    history = client.get("/jiashan/api/v1/me/application/history?limit=1").get_json()
    assert history["items"][0]["status"] == "draft" and history["next"] is not None
    rest = client.get(history["next"]).get_json()
    assert [e["status"] for e in rest["items"]] == ["submitted"] and rest["next"] is None
    assert client.get("/jiashan/api/v1/me/program-applications").get_json() == {"items": [], "next": None,
                                                                                 "next_after": None}


def test_program_applications_with_their_round(client, login, published_round):
    found = published_round("jiashan")
    login(client, found["people"][0])
    items = client.get("/jiashan/api/v1/me/program-applications").get_json()["items"]
    assert [(i["id"], i["round_id"], i["program_key"]) for i in items] == [
        (found["numbers"][0], found["round"], "hukou_transfer")]


def test_a_new_applicant_has_no_application_yet(client, login, make_user):
    login(client, make_user("jiashan"))
    body = client.get("/jiashan/api/v1/me/application").get_json()
    assert body["status"] == "none" and body["items"] == [] and body["id"] is None


def test_session_endpoints_refuse_anonymous_other_roles_other_counties_and_tokens(client, login, make_user, make_token):
    assert_error(client.get("/jiashan/api/v1/me"), 401)
    _id, token = make_token("jiashan")
    assert_error(client.get("/jiashan/api/v1/me", headers=bearer(token)), 401)  # tokens are for department systems
    login(client, make_user("jiashan", role="reviewer", department="education"))
    assert_error(client.get("/jiashan/api/v1/me/application"), 403, "forbidden")
    other = client.application.test_client()
    other.__class__ = type(client)
    login(other, make_user("haining"))
    assert other.get("/haining/api/v1/me").status_code == 200
    assert_error(other.get("/jiashan/api/v1/me"), 401)  # a Haining session is worthless in Jiashan
