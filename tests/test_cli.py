"""The `tessera` command line and the home page of the web app."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from starlette.testclient import TestClient

import engine
from server.app import create_app
from server.cli import main
from tests.ui_helpers import sign_in


@pytest.fixture
def crm(db: engine.Database) -> engine.Database:
    base = db.create_base("客户管理")
    customers = base.create_table(
        "客户",
        [
            {"name": "姓名", "rules": {"required": True}},
            {"name": "手机", "type": "phone", "rules": {"unique": True}},
            {"name": "已成交", "type": "checkbox"},
        ],
    )
    customers.create_many([{"姓名": "张三"}, {"姓名": "李四"}])
    base.create_table("订单 <b>2024</b>", [{"name": "编号"}])
    db.create_base("Empty")
    return db


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_schema_prints_bases_tables_and_fields(crm, db_url, capsys):
    code, out, err = run(capsys, "--db", db_url, "schema")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("客户管理  (base ")
    assert lines[1].startswith("  客户  (table ") and lines[1].endswith(", 2 records)")
    assert lines[2:5] == [
        "   * 姓名: text  rules={'required': True}",
        "     手机: phone  rules={'unique': True}",
        "     已成交: checkbox",
    ]
    assert lines[5].startswith("  订单 <b>2024</b>  (table ") and lines[5].endswith(", 0 records)")
    assert lines[6] == "   * 编号: text"
    assert lines[7].startswith("Empty  (base ")
    assert len(lines) == 8


def test_schema_of_one_base(crm, db_url, capsys):
    code, out, _ = run(capsys, "--db", db_url, "schema", "empty")
    assert code == 0 and out.splitlines() == [out.splitlines()[0]]
    assert out.startswith("Empty  (base ")


def test_schema_of_an_empty_database(db_url, capsys):
    assert run(capsys, "--db", db_url, "schema") == (0, "No bases yet / 还没有库\n", "")


def test_the_database_url_comes_from_the_environment(crm, db_url, capsys, monkeypatch):
    monkeypatch.setenv("TESSERA_DATABASE_URL", db_url)
    code, out, _ = run(capsys, "schema")
    assert code == 0 and "客户管理" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["schema", "No such base"], "No base 'No such base'"),
        (["--db", "nosuchdb://x/y", "schema"], "error: cannot use nosuchdb://x/y"),
        (["--db", "not a url", "schema"], "error: cannot use the database URL"),
    ],
)
def test_errors_exit_2_with_a_message(crm, db_url, capsys, argv, message):
    argv = ["--db", db_url, *argv] if "--db" not in argv else argv
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_a_database_that_cannot_be_opened(tmp_path, capsys):
    missing = tmp_path / "no" / "such" / "dir" / "x.db"
    code, _, err = run(capsys, "--db", f"sqlite:///{missing}", "schema")
    assert code == 2 and err.startswith("error: cannot use sqlite:///")


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["no-such-command"])
    assert exit_.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_a_password_is_never_shown(capsys):
    code, _, err = run(capsys, "--db", "postgresql+nosuchdriver://u:s3cret@h/db", "schema")
    assert code == 2 and "s3cret" not in err and "***" in err


# --- the web app's home page --------------------------------------------------------------------
class Outline(HTMLParser):
    """The text of the h2 (bases) and li (tables) elements of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._tag: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h2", "li"):
            self._tag = tag
            self.found.append((tag, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._tag:
            self._tag = None

    def handle_data(self, data: str) -> None:
        if self._tag is not None:
            tag, text = self.found[-1]
            self.found[-1] = (tag, text + data)


def test_home_page_lists_bases_and_tables(crm):
    with TestClient(create_app(crm)) as client:
        sign_in(client, crm)
        page = client.get("/", headers={"Accept-Language": "zh-CN"})
        assert client.get("/healthz").json() == {"status": "ok"}
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    outline = Outline()
    outline.feed(page.text)
    found = [(tag, " ".join(text.split())) for tag, text in outline.found]
    assert found == [
        ("h2", "客户管理"),
        ("li", "▦客户"),
        ("li", "▦订单 <b>2024</b>"),  # shown as text, not markup
        ("h2", "Empty"),
        ("li", "还没有数据表"),
    ]
    assert "&lt;b&gt;2024&lt;/b&gt;" in page.text


def test_home_page_of_an_empty_database(db):
    with TestClient(create_app(db)) as client:
        sign_in(client, db)
        page = client.get("/", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200 and "还没有数据库" in page.text
