"""`heal dashboard`: a Textual terminal UI over `.heal/history.db` and the review queue.

It only reads: history (runs, fixes, findings), the review queue, `.heal/lock` and
`.heal/status.json` (the running heal's progress), and the pattern files. The one action that
changes anything is a human's review decision, taken through the same functions as
`heal review approve` / `heal review reject`. It never runs the pipeline itself.

    app.py        the App: screen stack, key bindings, polling (<= 1 s) for live refresh
    data.py       read-only queries (a read-only SQLite connection) behind every screen
    status.py     `.heal/status.json`: the running heal's phase and progress (writer + reader)
    overview.py, category.py, detail.py, review.py, patterns.py: one file per screen

The command itself is heal.commands.dashboard (and `heal report`, heal.commands.report).
"""
