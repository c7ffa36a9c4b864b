"""County administrators switch plugins on their admin page; effective on the next request, audited."""

import re

from sqlalchemy import select

from jifen.models import AuditEvent


def programs_on(client, slug):
    return set(re.findall(r'data-program="([a-z_]+)"', client.get(f"/{slug}/").get_data(as_text=True)))


def test_disabling_a_program_in_one_county_leaves_the_other_alone(client, make_user, login, county):
    visitor = client.application.test_client()
    assert "school_enrollment" in programs_on(visitor, "jiashan")
    assert "school_enrollment" in programs_on(visitor, "haining")

    admin = make_user("jiashan", role="admin")
    login(client, admin)
    response = client.submit("/jiashan/admin/plugins/school_enrollment", {"action": "disable"},
                             form_page="/jiashan/admin/plugins")
    assert response.status_code == 302

    # Same running application, next request: gone from Jiashan, still on Haining.
    assert "school_enrollment" not in programs_on(visitor, "jiashan")
    assert "hukou_transfer" in programs_on(visitor, "jiashan")
    assert "school_enrollment" in programs_on(visitor, "haining")
    assert visitor.get("/jiashan/programs/school_enrollment").status_code == 404

    with county("jiashan") as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert (event.action, event.target_id, event.actor) == ("plugin.disabled", "school_enrollment", f"user:{admin.id}")

    client.submit("/jiashan/admin/plugins/school_enrollment", {"action": "enable"}, form_page="/jiashan/admin/plugins")
    assert "school_enrollment" in programs_on(visitor, "jiashan")


def test_plugins_page_lists_installed_plugins_with_their_state(client_as):
    html = client_as("haining", role="admin").get("/haining/admin/plugins").get_data(as_text=True)
    for name in ("education", "school_enrollment", "hukou_transfer", "public_rental_housing"):
        assert f'data-plugin="{name}"' in html


def test_switching_an_unknown_plugin_is_404_and_a_bad_action_400(client_as):
    client = client_as("jiashan", role="admin")
    token_page = "/jiashan/admin/plugins"
    assert client.submit("/jiashan/admin/plugins/no_such_plugin", {"action": "enable"}, form_page=token_page).status_code == 404
    assert client.submit("/jiashan/admin/plugins/education", {"action": "explode"}, form_page=token_page).status_code == 400


def test_admin_changes_a_role_and_it_is_audited(client, make_user, login, county):
    admin = make_user("jiashan", role="admin")
    target = make_user("jiashan")
    login(client, admin)
    client.get("/jiashan/?lang=en")
    bad = client.submit(f"/jiashan/admin/users/{target.id}", {"role": "reviewer"})
    assert bad.status_code == 400 and "A reviewer belongs to a department." in bad.get_data(as_text=True)
    ok = client.submit(f"/jiashan/admin/users/{target.id}", {"role": "reviewer", "departments": "education"})
    assert ok.status_code == 302
    with county("jiashan") as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.role_changed")).one()
        assert event.details["after"] == {"role": "reviewer", "departments": ["education"]}
    audit_page = client.get("/jiashan/admin/audit").get_data(as_text=True)
    shown = re.sub(r'value="[^"]*"', "", audit_page)  # the filter's options carry keys as their values
    assert "Role changed" in shown and "user.role_changed" not in shown and "chain of" in shown


def test_users_page_masks_personal_data(client, make_user, login):
    login(client, make_user("jiashan", role="admin"))
    person = make_user("jiashan", real_name="赵新居")
    html = client.get("/jiashan/admin/users").get_data(as_text=True)
    assert "赵*居" in html and "赵新居" not in html and person.mobile not in html
