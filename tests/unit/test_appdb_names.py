"""Names and URLs of deployed platforms' databases (no server needed)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

from webnova.adapters.appdb import PlatformDatabases, database_name, driver_url


def test_names_follow_the_slug_and_fit_postgresql_identifiers() -> None:
    assert database_name("dental-clinic") == "wn_dental_clinic"
    assert len(database_name("a" + "-b" * 60)) == 63
    with pytest.raises(ValueError, match="not a platform slug"):
        database_name('x"; DROP DATABASE postgres; --')


@pytest.mark.parametrize(("admin", "expected"), [
    ("postgresql+psycopg://root:pw@db.internal:6543/postgres?sslmode=require",
     "postgresql://wn_shop:p%40ss%2Fw%3Ard@db.internal:6543/wn_shop?sslmode=require"),
    ("postgres://root@[::1]/postgres", "postgresql://wn_shop:p%40ss%2Fw%3Ard@[::1]/wn_shop"),
])
def test_a_platform_url_is_on_the_admin_server_with_its_own_credentials(
        admin: str, expected: str) -> None:
    url = PlatformDatabases(admin).url_for("wn_shop", "p@ss/w:rd")
    assert url == expected
    assert unquote(urlsplit(url).password or "") == "p@ss/w:rd"


def test_only_postgresql_urls_are_accepted_and_none_is_shown_with_its_password() -> None:
    with pytest.raises(ValueError, match="postgresql://"):
        driver_url("mysql://root@localhost/db")
    assert PlatformDatabases("postgresql://root:secret@127.0.0.1/postgres").describe() == \
        "127.0.0.1:5432"
