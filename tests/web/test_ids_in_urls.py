"""Numbers in URLs: an id past what the database's BIGINT holds matches no route (404), never a database error."""

import pytest

from jifen.app import ID_MAX

HUGE = 10**20


def test_every_int_argument_is_bounded_to_the_ids_range(app):
    bounded = [rule for rule in app.url_map.iter_rules()
               if any(getattr(c, "max", None) == ID_MAX for c in rule._converters.values())]
    with_ints = [rule for rule in app.url_map.iter_rules()
                 if any(type(c).__name__ == "IdConverter" for c in rule._converters.values())]
    assert with_ints and bounded == with_ints


@pytest.mark.parametrize("path", [
    "/jiashan/admin/rounds/{n}",
    "/jiashan/admin/users/{n}",
    "/jiashan/review/items/{n}",
])
def test_a_number_past_the_ids_range_is_a_404(client_as, path):
    admin = client_as("jiashan", role="admin")
    assert admin.get(path.format(n=HUGE)).status_code == 404
    assert admin.get(path.format(n=ID_MAX)).status_code == 404  # the largest id: looked up, not found
