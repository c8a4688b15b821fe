"""Automations (自动化流程): when a record is created, changes or enters a condition, or on a
schedule, create or update records, notify members, or call a webhook.

- `model`: the definition as data (Pydantic); `checks`: checked against a base; `store`: kept
- `hooks`: what record writes tell automations; `runner`: a run, after the write commits
- `actions`: what each kind of action does; `webhook`: the HTTP call; `schedule`: due times
- `scheduler`: running what is due; `notifications`: the in-app inbox; `runs`: the run log
"""
