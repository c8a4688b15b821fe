"""The interface's strings of the import wizard — key -> (en, zh). Merged into
`catalogue.CATALOGUE`."""

from __future__ import annotations

IMPORT: dict[str, tuple[str, str]] = {
    "import_menu": ("Import Excel / CSV", "导入 Excel / CSV"),
    "import_into_table": ("Import into this table", "导入到此数据表"),
    "import_title": ("Import from Excel or CSV", "从 Excel 或 CSV 导入"),
    "import_into_title": ("Import into “{name}”", "导入到“{name}”"),
    "import_upload_hint": (
        "Tessera reads the file, finds each sheet's header and guesses every column's type. "
        "You can change any guess before anything is imported.",
        "Tessera 会读取文件、找到每个工作表的表头并推断每一列的类型。导入前可以修改任何推断。",
    ),
    "import_file_label": ("A file (.xlsx, .csv or .tsv)", "文件（.xlsx、.csv 或 .tsv）"),
    "import_or_paste": (
        "…or paste a table copied from a spreadsheet",
        "……或粘贴从电子表格中复制的表格",
    ),
    "import_paste_placeholder": (
        "Paste here: the first line is the header",
        "粘贴到这里：第一行为表头",
    ),
    "import_read": ("Read and preview", "读取并预览"),
    "import_reading": ("Reading the file…", "正在读取文件…"),
    "import_nothing_given": (
        "Choose a file or paste a table first.",
        "请先选择文件或粘贴表格。",
    ),
    "import_pasted_name": ("Pasted table", "粘贴的表格"),
    "import_sheet_use": ("Import this sheet", "导入此工作表"),
    "import_sheet_summary": (
        "{rows} rows · header on row {row}",
        "共 {rows} 行 · 表头在第 {row} 行",
    ),
    "import_new_table": ("New table", "新数据表"),
    "import_existing_table": ("Into the table “{name}”", "导入到数据表“{name}”"),
    "import_key": ("Key field", "键字段"),
    "import_key_none": ("None", "无"),
    "import_key_hint_new": (
        "A row that repeats a key value goes to the report instead of the table.",
        "键值重复的行不导入，列入报告。",
    ),
    "import_key_hint_existing": (
        "Records whose key matches a row are updated; the other rows are added.",
        "键值与某行相同的记录会被更新，其余的行新增为记录。",
    ),
    "import_col_use": ("Import", "导入"),
    "import_col_column": ("Column", "列"),
    "import_col_field": ("Field", "字段"),
    "import_col_type": ("Type", "类型"),
    "import_col_confidence": ("Confidence", "置信度"),
    "import_col_examples": ("Examples", "示例"),
    "import_col_notes": ("Notes", "说明"),
    "import_col_sheet": ("Sheet", "工作表"),
    "import_col_row": ("Row", "行号"),
    "import_col_value": ("Value", "值"),
    "import_col_reason": ("Reason", "原因"),
    "import_col_action": ("What was done", "处理"),
    "import_new_field": ("New field", "新建字段"),
    "import_link_to": ("Link to the table of “{sheet}”", "关联到“{sheet}”的数据表"),
    "import_invalid": ("Values a field refuses", "字段不接受的值"),
    "import_invalid_keep": (
        "Import the row and keep the value as text in a field “… (original)” beside it",
        "导入该行，并把原值以文本保存在旁边的“…（original）”字段中",
    ),
    "import_invalid_report": (
        "Hold the row back and list it in the report",
        "不导入该行，列入导入报告",
    ),
    "import_start": ("Import", "开始导入"),
    "import_progress": ("Import progress", "导入进度"),
    "import_running": ("Importing… {done} of {total} rows", "正在导入… {done} / {total} 行"),
    "import_done": ("Import finished.", "导入完成。"),
    "import_failed": ("The import failed; nothing was imported:", "导入失败，未导入任何数据："),
    "import_result_row": (
        "{inserted} added, {updated} updated, {held} rows held back, {kept} values kept as text",
        "新增 {inserted} 条，更新 {updated} 条，{held} 行未导入，{kept} 个值以文本保留",
    ),
    "import_blank_rows": ("{n} blank rows skipped", "跳过 {n} 个空行"),
    "import_linked": ("links: {names}", "关联字段：{names}"),
    "import_report": ("Import report", "导入报告"),
    "import_report_download": ("Download the report (.xlsx)", "下载报告（.xlsx）"),
    "import_report_empty": ("Every value went in as it was.", "所有值均已按原样导入。"),
    "import_report_more": (
        "The first {n} entries are shown; the download has them all.",
        "仅显示前 {n} 条，下载的报告包含全部条目。",
    ),
    "import_action_kept": ("kept as text in {companion}", "以文本保存在 {companion}"),
    "import_action_held": ("row not imported", "该行未导入"),
    "import_action_duplicate": (
        "row not imported: its key repeats an earlier row",
        "该行未导入：键值与前面的行重复",
    ),
    "import_action_updated": ("record updated", "记录已更新"),
    "import_open_table": ("Open the table", "打开数据表"),
    "import_again": ("Import another file", "导入其他文件"),
}
