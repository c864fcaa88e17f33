"""``xmpp-tui --demo``: a private Prosody on loopback, a small bot, and the client on it.

- ``server.py``: the private Prosody (temp dir 0700, loopback, a free port, its own CA);
  stdlib only, also used by ``benchmarks/memory.py``.
- ``bot.py``: the demo's other people (slixmpp, run as a child process).
- ``world.py``: server + bot + the accounts the client opens, set up and torn down as one.
- ``run.py``: what ``xmpp-tui --demo`` runs.
"""
