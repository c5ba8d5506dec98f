"""`python -m bot --sandbox`: the real bot against an in-process Discord emulator, driven from a terminal chat.

A developer tool, not part of the bot: nothing in `bot/` or `cogs/` imports it (`bot/__main__.py` hands off to
`sandbox.main.run_sandbox` lazily), and it imports the emulator lazily too, so the bot never depends on test-only
code.

- `main.py`: the entry point, starting and stopping the emulated world, the loop over lines.
- `session.py`: one session: who is acting, pressing buttons, answering forms, moving time.
- `script.py`: reading lines (terminal or script) and parsing slash commands, options and picks (pure).
- `render.py`: messages and forms as plain text (pure).
- `common.py`: the demo world's names, timings, exit codes, the sandbox's own settings and logs.
"""
