"""The interface's strings about people: signing in, passwords, access tokens, members, roles
and permissions — key -> (en, zh). Merged into `catalogue.CATALOGUE`."""

from __future__ import annotations

PEOPLE: dict[str, tuple[str, str]] = {
    # --- signing in ----------------------------------------------------------------------------
    "sign_in": ("Sign in", "登录"),
    "sign_in_title": ("Sign in to Tessera", "登录 Tessera"),
    "sign_out": ("Sign out", "退出登录"),
    "email": ("Email", "邮箱"),
    "password": ("Password", "密码"),
    "signin_missing": ("Enter your email and password.", "请输入邮箱和密码。"),
    "form_expired": (
        "This form has expired. Please try again.",
        "表单已过期，请重试。",
    ),
    # --- account -------------------------------------------------------------------------------
    "account": ("Account", "账号"),
    "name": ("Name", "姓名"),
    "role": ("Role", "角色"),
    "roles": ("Roles", "角色"),
    "workspace_admin": ("Workspace admin", "工作区管理员"),
    "change_password": ("Change password", "修改密码"),
    "current_password": ("Current password", "当前密码"),
    "new_password": ("New password", "新密码"),
    "repeat_password": ("New password again", "再次输入新密码"),
    "passwords_differ": ("The two new passwords differ.", "两次输入的新密码不一致。"),
    "password_changed": (
        "Your password was changed. Your other devices were signed out.",
        "密码已修改，其他设备已退出登录。",
    ),
    "password_rules": (
        "At least 8 characters; not your email address.",
        "至少 8 个字符，且不能与邮箱相同。",
    ),
    "you": ("you", "你"),
    "saved": ("Saved", "已保存"),
    # --- access tokens -------------------------------------------------------------------------
    "access_tokens": ("Personal access tokens", "个人访问令牌"),
    "tokens_intro": (
        "Tokens let scripts and other tools use Tessera's APIs as you "
        "(Authorization: Bearer <token>). Treat them like passwords.",
        "令牌让脚本和其他工具以你的身份使用 Tessera 的 API（Authorization: Bearer <令牌>）。"
        "请像密码一样妥善保管。",
    ),
    "token": ("Token", "令牌"),
    "token_name": ("Name", "名称"),
    "token_bases": ("Bases", "数据库"),
    "token_bases_help": (
        "None checked: every base you can open.",
        "不勾选：可访问你能打开的全部数据库。",
    ),
    "token_all_bases": ("All your bases", "你的全部数据库"),
    "token_access": ("Access", "权限"),
    "token_read_write": ("Read and write", "读写"),
    "token_read_only": ("Read only", "只读"),
    "token_expires": ("Expires", "过期时间"),
    "token_never": ("Never", "永不过期"),
    "token_days": ("In {n} days", "{n} 天后"),
    "create_token": ("Create token", "创建令牌"),
    "token_shown_once": (
        "Copy your new token now. It will not be shown again.",
        "请立即复制新令牌，它不会再次显示。",
    ),
    "no_tokens": ("No tokens yet.", "还没有令牌。"),
    "created": ("Created", "创建时间"),
    "last_used": ("Last used", "最近使用"),
    "never_used": ("Never used", "从未使用"),
    "revoke": ("Revoke", "撤销"),
    "confirm_revoke_token": (
        "Revoke the token “{name}”? Scripts using it stop working.",
        "撤销令牌“{name}”？使用它的脚本将无法再访问。",
    ),
    # --- members -------------------------------------------------------------------------------
    "members": ("Members", "成员"),
    "invite": ("Invite", "邀请"),
    "invite_email_placeholder": ("Email address", "邮箱地址"),
    "member_added": ("{email} was added to the base.", "已将 {email} 加入数据库。"),
    "invite_link_once": (
        "Send this invitation link to the person (valid for 7 days; shown only now):",
        "请把此邀请链接发给对方（7 天内有效，仅显示这一次）：",
    ),
    "pending_invitations": ("Pending invitations", "待接受的邀请"),
    "expires": ("Expires", "过期时间"),
    "withdraw": ("Withdraw", "撤回"),
    "leave_base": ("Leave", "退出"),
    "confirm_remove_member": (
        "Remove {name} from this base?",
        "将 {name} 移出此数据库？",
    ),
    "role_owner": ("Owner", "所有者"),
    "role_creator": ("Creator", "创建者"),
    "role_editor": ("Editor", "编辑者"),
    "role_commenter": ("Commenter", "评论者"),
    "role_viewer": ("Viewer", "只读者"),
    "role_help_owner": (
        "Everything, including members and permissions.",
        "全部权限，包括管理成员和权限。",
    ),
    "role_help_creator": (
        "Changes tables, fields and views, and records.",
        "可修改数据表、字段、视图和记录。",
    ),
    "role_help_editor": ("Changes records and views.", "可修改记录和视图。"),
    "role_help_commenter": ("Reads and comments.", "可查看和评论。"),
    "role_help_viewer": ("Reads only.", "只能查看。"),
    # --- invitations ---------------------------------------------------------------------------
    "invitation": ("Invitation", "邀请"),
    "invitation_title": ("Join “{base}”", "加入“{base}”"),
    "invitation_for": (
        "This invitation is for {email}, as {role}.",
        "此邀请发给 {email}，角色为{role}。",
    ),
    "invitation_sign_in": (
        "You already have an account: sign in to accept.",
        "你已有账号，请登录后接受邀请。",
    ),
    "invitation_other_account": (
        "This invitation is for {email}, but you are signed in as {me}.",
        "此邀请发给 {email}，但你当前登录的是 {me}。",
    ),
    "accept_invitation": ("Accept invitation", "接受邀请"),
    "your_name": ("Your name", "你的姓名"),
    "choose_password": ("Choose a password", "设置密码"),
    "create_account_accept": ("Create account and join", "创建账号并加入"),
    # --- permissions ---------------------------------------------------------------------------
    "permissions": ("Permissions", "权限"),
    "permissions_intro": (
        "Per table: which fields each role may not see or change, and which records it sees.",
        "按数据表设置：各角色不可见或不可改的字段，以及能看到的记录。",
    ),
    "field_permissions": ("Field permissions", "字段权限"),
    "field_permissions_intro": (
        "Hidden fields never reach that role: not in pages, exports, search or the APIs. "
        "Owners are never limited.",
        "隐藏的字段不会出现在该角色的页面、导出、搜索和 API 中。所有者不受限制。",
    ),
    "access_normal": ("Normal", "正常"),
    "access_edit": ("Editable", "可编辑"),
    "access_read_only": ("Read only", "只读"),
    "access_hidden": ("Hidden", "隐藏"),
    "row_permissions": ("Row permissions", "行权限"),
    "row_permissions_intro": (
        "Limit a role or one member to the records of a shared filter — for example “owner "
        "is me”. A rule for a member replaces their role's rules.",
        "让某个角色或某位成员只能看到符合共享筛选的记录，例如“负责人是我”。"
        "针对成员的规则会取代其角色的规则。",
    ),
    "who": ("Who", "对象"),
    "sees_only": ("Sees only", "只能看到"),
    "add_row_rule": ("Add rule", "添加规则"),
    "no_row_rules": (
        "No row rules: every role sees every record.",
        "没有行规则：各角色可看到全部记录。",
    ),
    "no_saved_filters_for_rules": (
        "Save a shared filter of this table first (toolbar → Filter → Save as shared filter).",
        "请先为此表保存一个共享筛选（工具栏 → 筛选 → 保存为共享筛选）。",
    ),
    "base_members": ("Members and permissions", "成员和权限"),
}
