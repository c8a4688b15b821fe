"""Signing in through the real page in Chromium: sent to the sign-in page, a wrong password, the
right one, back where you were going, an htmx action carrying the CSRF token, signing out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from server.auth import SESSION_COOKIE
from tests.browser.conftest import Live

PASSWORD = "browser password 1"


def test_sign_in_and_out_through_the_page(
    browser: Any, browser_context_args: dict[str, Any], live: Live, shots: Path
) -> None:
    user_id = live.db.create_user("signin@example.com", "王芳", password=PASSWORD)
    base = live.db.acting_as(user_id).create_base("登录测试")
    context = browser.new_context(**browser_context_args)  # a visitor: no session
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live.url}/b/{base.id}/members")
    expect(page).to_have_url(f"{live.url}/signin?next=%2Fb%2F{base.id}%2Fmembers")
    expect(page.locator("h1")).to_have_text("登录 Tessera")
    page.get_by_label("邮箱").fill("signin@example.com")
    page.get_by_label("密码").fill("not the password")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".form-error")).to_have_text("邮箱或密码不正确")
    expect(page.get_by_label("邮箱")).to_have_value("signin@example.com")
    page.get_by_label("密码").fill(PASSWORD)
    page.screenshot(path=str(shots / "signin.png"))
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live.url}/b/{base.id}/members")
    expect(page.locator("table.members")).to_contain_text("signin@example.com")
    cookie = next(c for c in context.cookies() if c["name"] == SESSION_COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    # an htmx request (it carries the session's CSRF token): invite someone
    page.get_by_placeholder("邮箱地址").fill("new.person@example.com")
    page.get_by_role("button", name="邀请").click()
    expect(page.locator("#invite-link")).to_contain_text(f"{live.url}/invite/")
    page.screenshot(path=str(shots / "members.png"))
    # an owner's permission settings: hide the phone numbers from viewers
    table = base.create_table("客户", [{"name": "姓名"}, {"name": "手机", "type": "phone"}])
    page.goto(f"{live.url}/t/{table.id}/permissions")
    page.get_by_label("手机 · 只读者").select_option("hidden")
    expect(page.get_by_label("手机 · 只读者")).to_have_class("access-hidden")
    assert table.field_permissions() == {table.field("手机").id: {"viewer": "hidden"}}
    page.screenshot(path=str(shots / "permissions.png"))
    # sign out from the user menu
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(f"{live.url}/signin")
    page.goto(f"{live.url}/")
    expect(page).to_have_url(f"{live.url}/signin")
    assert not errors, errors
    context.close()
