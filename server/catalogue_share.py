"""The interface's strings of share links — key -> (en, zh). Merged into `catalogue.CATALOGUE`."""

from __future__ import annotations

SHARE: dict[str, tuple[str, str]] = {
    "share_read_only": ("Shared view · read-only", "分享的视图 · 只读"),
    "share_password_title": ("This link is protected", "此链接受密码保护"),
    "share_password_hint": ("Enter the password you were given.", "请输入分享者提供的密码。"),
    "share_password_wrong": ("Wrong password.", "密码错误。"),
    "share_open": ("Open", "打开"),
    "share_search": ("Search", "搜索"),
    "share_records": ("{n} records", "共 {n} 条记录"),
    "share_more": ("More", "加载更多"),
    "share_download": ("Download", "下载"),
    "share": ("Share", "分享"),
    "share_title": ("Share links of this view", "此视图的分享链接"),
    "share_hint": (
        "Anyone with a link sees this view's visible fields and rows, read-only (a form link "
        "lets them submit the form). The address is shown once: copy it now.",
        "任何拿到链接的人都能只读查看此视图的可见字段和记录（表单链接可提交表单）。链接只显示一次，请立即复制。",
    ),
    "share_new": ("New link", "新建链接"),
    "share_password_opt": ("Password (optional)", "密码（可选）"),
    "share_days": ("Expires after days (optional)", "有效天数（可选）"),
    "share_allow_export": ("Allow download", "允许下载"),
    "share_create": ("Create link", "创建链接"),
    "share_created": ("New link — copy it now:", "新链接，请立即复制："),
    "share_none": ("No active links.", "暂无有效链接。"),
    "share_revoke": ("Revoke", "撤销"),
    "share_expires": ("expires {when}", "{when} 过期"),
    "share_with_password": ("password", "有密码"),
    "share_with_export": ("download", "可下载"),
    "share_kind_form": ("form link", "表单链接"),
    "share_kind_view": ("read-only link", "只读链接"),
}
