"""Helpers of the interface's rendering tests: an app on a test database, a client that acts
like htmx (signed in as an admin, "Owner"), and a small HTML tree to ask questions of a page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from starlette.testclient import TestClient

import engine
from server.app import create_app

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)
    parent: Node | None = None

    @property
    def text(self) -> str:
        out = []
        for c in self.children:
            out.append(c if isinstance(c, str) else c.text)
        return "".join(out)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def __getitem__(self, name: str) -> str:
        return self.attrs[name]

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    def walk(self) -> Iterator[Node]:
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.walk()

    def all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        """Descendants with this tag, class and attributes (`data_fid="3"` is data-fid)."""
        want = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [
            n
            for n in self.walk()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in n.classes)
            and all(n.attrs.get(k) == v for k, v in want.items())
        ]

    def one(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Node:
        found = self.all(tag, cls, **attrs)
        assert len(found) == 1, f"expected one {tag}.{cls} {attrs}, found {len(found)}"
        return found[0]

    def first(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Node | None:
        found = self.all(tag, cls, **attrs)
        return found[0] if found else None


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, parent=self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def words(text: str) -> str:
    return " ".join(text.split())


HTMX = {"HX-Request": "true"}


class UI:
    """A test client speaking as htmx does, in one language."""

    def __init__(self, client: TestClient, lang: str = "zh-CN") -> None:
        self.client = client
        self.lang = lang

    def headers(self, extra: dict[str, str] | None = None, htmx: bool = True) -> dict[str, str]:
        h = {"Accept-Language": self.lang}
        if htmx:
            h.update(HTMX)
        h.update(extra or {})
        return h

    def get(self, url: str, *, htmx: bool = False, **kw: Any) -> Any:
        headers = self.headers(kw.pop("headers", None), htmx)
        return self.client.get(url, headers=headers, **kw)

    def post(self, url: str, data: Any = None, *, prompt: str | None = None, **kw: Any) -> Any:
        extra = dict(kw.pop("headers", {}) or {})
        if prompt is not None:
            from urllib.parse import quote

            extra["HX-Prompt"] = quote(prompt)
            extra["HX-Prompt-URI-AutoEncoded"] = "true"
        return self.client.post(url, data=data, headers=self.headers(extra), **kw)

    def page(self, url: str, **kw: Any) -> Node:
        r = self.get(url, follow_redirects=True, **kw)
        assert r.status_code == 200, r.text[:2000]
        return parse(r.text)


@pytest.fixture
def app_db(tmp_path: Any) -> Iterator[engine.Database]:
    """A SQLite database of its own for interface tests (the engine tests cover PostgreSQL)."""
    database = engine.connect(f"sqlite:///{tmp_path / 'ui.db'}", data_dir=tmp_path / "files")
    yield database
    database.close()


OWNER_EMAIL = "owner@tessera.local"


def sign_in(
    client: TestClient,
    db: engine.Database,
    email: str = OWNER_EMAIL,
    name: str = "Owner",
    *,
    admin: bool = True,
) -> int:
    """Sign `client` in as the user of `email` (made, without a password, if missing): the
    session cookie, and the session's CSRF token as a header of every request."""
    from server.auth import SESSION_COOKIE, Keys

    found = db.find_user(email)
    user_id = found.id if found else db.create_user(email, name, admin=admin)
    token = db.create_session(user_id)
    keys: Keys = client.app.state.keys  # type: ignore[attr-defined]
    client.cookies.set(SESSION_COOKIE, keys.session_cookie(token))
    client.headers["X-CSRF-Token"] = keys.csrf(token)
    return user_id


@pytest.fixture
def ui(app_db: engine.Database) -> Iterator[UI]:
    with TestClient(create_app(app_db)) as client:
        sign_in(client, app_db)
        yield UI(client)


@pytest.fixture
def ui_en(app_db: engine.Database) -> Iterator[UI]:
    with TestClient(create_app(app_db)) as client:
        sign_in(client, app_db)
        yield UI(client, "en")


CUSTOMER_FIELDS: list[dict[str, Any]] = [
    {"name": "姓名", "rules": {"required": True}},
    {
        "name": "等级",
        "type": "single_select",
        "options": {
            "choices": [{"name": "普通", "color": "blue"}, {"name": "VIP", "color": "red"}]
        },
    },
    {"name": "标签", "type": "multiple_select", "options": {"choices": ["新客", "复购"]}},
    {"name": "消费", "type": "currency", "rules": {"min": 0}},
    {"name": "生日", "type": "date", "options": {"date_format": "local"}},
    {"name": "成交", "type": "checkbox"},
    {"name": "满意度", "type": "rating"},
    {"name": "邮箱", "type": "email"},
]


@pytest.fixture
def customers(app_db: engine.Database) -> engine.Table:
    base = app_db.create_base("客户管理")
    table = base.create_table("客户", CUSTOMER_FIELDS)
    table.create_many(
        [
            {
                "姓名": "张三",
                "等级": "VIP",
                "标签": ["新客", "复购"],
                "消费": 1299.5,
                "生日": "2024-03-05",
                "成交": True,
                "满意度": 4,
                "邮箱": "zhang@example.com",
            },
            {"姓名": "李四", "等级": "普通", "消费": 10},
            {"姓名": "王五"},
        ]
    )
    return table


def view_of(ui: UI, table: engine.Table) -> str:
    """The URL of the table's first view."""
    r = ui.get(f"/t/{table.id}")
    assert r.status_code == 200 or r.status_code == 302
    return str(r.url.path) if r.status_code == 200 else r.headers["location"]
