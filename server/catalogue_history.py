"""The interface's strings of history, undo and redo, the trash and the audit log — key ->
(en, zh). Merged into `catalogue.CATALOGUE`."""

from __future__ import annotations

HISTORY: dict[str, tuple[str, str]] = {
    "undo": ("Undo", "撤销"),
    "redo": ("Redo", "重做"),
    "undo_hint": ("Undo your last change (Ctrl+Z)", "撤销你的上一次修改（Ctrl+Z）"),
    "redo_hint": ("Redo (Ctrl+Shift+Z)", "重做（Ctrl+Shift+Z）"),
    "undone": ("Undone: {what}", "已撤销：{what}"),
    "redone": ("Redone: {what}", "已重做：{what}"),
    "history_changed": ("{who} changed {field}", "{who} 修改了 {field}"),
    "history_linked": ("{who} changed the links of {field}", "{who} 修改了 {field} 的关联"),
    "history_trashed": ("{who} deleted the record", "{who} 删除了此记录"),
    "history_restored": ("{who} restored the record", "{who} 恢复了此记录"),
    "history_moved": ("{who} moved the record", "{who} 移动了此记录"),
    "history_someone": ("Someone", "某人"),
    "history_empty_value": ("(empty)", "（空）"),
    "trash": ("Trash", "回收站"),
    "trash_intro": (
        "Deleted tables, fields, views and records stay here for {days} days, then they are "
        "deleted for good.",
        "删除的表、字段、视图和记录会在回收站保留 {days} 天，之后永久删除。",
    ),
    "trash_tables": ("Tables", "数据表"),
    "trash_fields": ("Fields", "字段"),
    "trash_views": ("Views", "视图"),
    "trash_records": ("Records", "记录"),
    "trash_empty": ("Nothing here", "这里没有内容"),
    "trash_deleted_at": ("Deleted {when}", "删除于 {when}"),
    "restore": ("Restore", "恢复"),
    "restored": ("Restored “{name}”", "已恢复“{name}”"),
    "delete_for_good": ("Delete for good", "永久删除"),
    "confirm_delete_for_good": (
        "Delete “{name}” for good? This cannot be undone.",
        "永久删除“{name}”？此操作无法撤销。",
    ),
    "in_table": ("in {table}", "位于 {table}"),
    "audit_log": ("Audit log", "审计日志"),
    "audit_kind": ("Event", "事件"),
    "audit_user": ("User", "用户"),
    "audit_time": ("Time", "时间"),
    "audit_base": ("Base", "数据库"),
    "audit_detail": ("Detail", "详情"),
    "audit_since": ("From", "开始日期"),
    "audit_until": ("Until", "结束日期"),
    "audit_filter": ("Filter", "筛选"),
    "audit_export_csv": ("Export .csv", "导出 .csv"),
    "audit_export_xlsx": ("Export .xlsx", "导出 .xlsx"),
    "audit_none": ("No events match", "没有符合条件的事件"),
    "audit_more": ("Older events", "更早的事件"),
}
