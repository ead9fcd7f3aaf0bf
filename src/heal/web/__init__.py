"""`heal dashboard --web`: the dashboard in a browser, at http://127.0.0.1:8080/healing.

An ASGI app (Starlette, served by uvicorn: the `heal[web]` extra) over one repository's
`.heal/`: it reads history, the review queue, the lock and `.heal/status.json` (the running
heal's phase), and never runs the pipeline. The one thing it changes is a human's review
decision, taken through `heal.decisions` like `heal review approve` / `reject`.

    app.py        the routes, and the guards: allowed Host names, the per-server token and
                  same-origin check on every POST, --read-only, security headers
    serve.py      binding the socket and running uvicorn (what the command calls)
    live.py       server-sent events: the running heal's phase within a second, and "changed"
                  when history does, so a page refreshes its parts without a reload
    html.py       escaping (everything is text unless marked `Raw`), tables, the page shell
    site.py       what every page reads from: the repository, config, clock, token
    overview.py, heals.py, patterns.py, review.py: the pages
    static/       heal.css and heal.js (no CDN, no framework: the page works offline)
"""
