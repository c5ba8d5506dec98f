"""`python -m bot --sandbox --script FILE` end to end: the real bot, the emulator, a transcript, no token."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import PROJECT_ROOT

VENT = "Six rounds, then a two-line email. I'm worn out."
WIN = "Sent three applications today"


def run_sandbox(tmp_path: Path, script: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run the sandbox as a user would, with no Discord settings at all in the environment."""
    path = tmp_path / "script.txt"
    path.write_text(script, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DISCORD_", "DATABASE_"))}
    env["ENCRYPTION_KEY"] = "not-a-valid-key"  # proves the sandbox ignores the environment's settings
    return subprocess.run(
        [sys.executable, "-m", "bot", "--sandbox", "--script", str(path), *extra],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def after(transcript: str, prompt_line: str) -> str:
    """The output that follows one echoed input line, up to the next prompt."""
    start = transcript.index(prompt_line) + len(prompt_line)
    following = re.search(r"^\w+> ", transcript[start:], re.MULTILINE)
    return transcript[start : start + following.start()] if following else transcript[start:]


def test_a_check_in_a_win_and_a_fast_forwarded_nudge(tmp_path: Path) -> None:
    # On the sandbox's half-hour step grid, so the nudge shows up stamped with its own time.
    soon = datetime.now(UTC) + timedelta(hours=2)
    nudge_time = soon.replace(minute=soon.minute // 30 * 30).strftime("%H:%M")
    script = f"""\
# check-in
/rejected company:Acme stage:onsite
1
4
Vent privately
{VENT}

# win
/win text:"{WIN}"
Post
/as jordan
Cheer
/as alex
# nudge
/nudges start time:{nudge_time} timezone:UTC
/wait 1d
"""
    result = run_sandbox(tmp_path, script)
    out = result.stdout
    assert result.returncode == 0, result.stderr + out
    assert result.stderr == ""
    ready = re.search(r"ready in ([\d.]+) s", out)
    assert ready is not None and float(ready.group(1)) < 10

    checkin = after(out, "alex> /rejected company:Acme stage:onsite")
    assert checkin.startswith("\n#1 Bounceback (only you can see this):\n")
    assert "Acme · onsite" in checkin
    assert "[1] 😞 Disappointed" in checkin and "[5]" in checkin
    assert "→ picked “😞 Disappointed”" in after(out, "alex> 1")
    rated = after(out, "alex> 4")
    assert "Bounceback (only you can see this, updated):" in rated and "Disappointed · 4/5" in rated
    assert "💬 Vent privately" in rated
    vent = after(out, "alex> Vent privately")
    assert "Bounceback opened a form:" in vent
    assert "(required; up to 4000 characters)" in vent and "keep: No" in vent
    assert f"  > {VENT}" in vent
    reply = vent.split(f"  > {VENT}")[1]
    assert "Bounceback (only you can see this):" in reply and VENT not in reply

    preview = after(out, f'alex> /win text:"{WIN}"')
    assert "[1] 🎉 Post" in preview and "[#wins]" not in preview
    posted = after(out, "alex> Post")
    assert "[#wins] Bounceback:" in posted
    post = posted.split("[#wins] Bounceback:")[1]
    assert "from alex" in post and WIN in post and "Cheer · 0" in post
    assert "You are now jordan." in after(out, "alex> /as jordan")
    assert "[#wins] Bounceback (updated):" in after(out, "jordan> Cheer") and "Cheer · 1" in out

    started = after(out, f"alex> /nudges start time:{nudge_time} timezone:UTC")
    assert "You're all set" in started and "[DM from Bounceback]" in started
    waited = after(out, "alex> /wait 1d")
    assert "[DM from Bounceback]" in waited
    nudge = waited.split("[DM from Bounceback]")[1]
    assert "Day 1 of 14" in nudge and "[1] 💛 Helpful" in nudge
    assert re.search(rf"— \w+day, .* {nudge_time} UTC —\n#\d+ \[DM from Bounceback\]", waited)
    assert "⏩ It's now" in waited and "(1 day later)" in waited


def test_a_failing_line_stops_the_script_with_a_clear_message(tmp_path: Path) -> None:
    result = run_sandbox(tmp_path, "# typo on line 2\n/rejected compny:Acme\n/progress\n")
    assert result.returncode == 1
    assert result.stderr.startswith("sandbox: line 2 failed: /rejected has no option 'compny'")
    assert "options: company, role, stage" in result.stderr
    assert "alex> /rejected compny:Acme" in result.stdout
    assert "alex> /progress" not in result.stdout


def test_a_kept_database_remembers_members_time_and_key(tmp_path: Path) -> None:
    database = tmp_path / "kept" / "demo.sqlite3"
    first = run_sandbox(
        tmp_path, "/nudges start time:09:00 timezone:Europe/London\n/wait 2d\n", "--database", str(database)
    )
    assert first.returncode == 0, first.stderr
    assert database.exists() and (database.parent / "demo.sqlite3.key").stat().st_mode & 0o077 == 0
    second = run_sandbox(tmp_path, "/nudges status\n", "--database", str(database))
    assert second.returncode == 0, second.stderr
    status = after(second.stdout, "alex> /nudges status")
    assert "09:00 · Europe/London" in status and "12 of 14 days left" in status
    # The clock carries on from where the first run stopped, so time never runs backwards for the data.
    stopped = re.search(r"⏩ It's now (.+) \(2 days later\)", first.stdout)
    assert stopped is not None and f"Sandbox time: {stopped.group(1)}." in second.stdout


def test_the_normal_run_path_never_imports_the_emulator() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "import bot.__main__, bot.client\n"
        "for module in pkgutil.iter_modules(['sandbox']):\n"
        "    importlib.import_module('sandbox.' + module.name)\n"
        "for module in pkgutil.iter_modules(['cogs']):\n"
        "    importlib.import_module('cogs.' + module.name)\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in ('emulator', 'tests')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_bot_never_imports_the_sandbox() -> None:
    # The sandbox is a developer tool: `python -m bot --sandbox` imports it on demand, nothing else does.
    code = (
        "import importlib, pkgutil, sys\n"
        "import bot.__main__, bot.client\n"
        "for module in pkgutil.iter_modules(['cogs']):\n"
        "    importlib.import_module('cogs.' + module.name)\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'sandbox'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_autocomplete_lists_the_bots_suggestions_and_settles_a_typed_name(tmp_path: Path) -> None:
    script = """\
/rejected company:Acme stage:onsite
/rejected company:Globex stage:screen
/feedback draft rejection:?
2
/feedback draft rejection:globex
/reflect rejection:acme
/cancel
/reflect rejection:Initech
2

I prepared


/cancel
"""
    result = run_sandbox(tmp_path, script)
    out = result.stdout
    assert result.returncode == 0, result.stderr + out
    # ? lists what the bot's autocomplete returns, numbered, newest first; the member picks by number.
    listed = after(out, "alex> /feedback draft rejection:?")
    assert "[1] Globex" in listed and "[2] Acme" in listed
    drafted = listed.split("  > 2")[1]
    assert "→ rejection: Acme" in drafted and "Pick one" not in drafted
    assert "Acme" in drafted.split("Subject")[1] and "[1] 📨 I sent it" in drafted
    # A typed name that one suggestion matches is used, as Discord's picker would.
    typed = after(out, "alex> /feedback draft rejection:globex")
    assert "→ rejection: Globex" in typed and "Pick one" not in typed and "Globex" in typed.split("Subject")[1]
    # /reflect with a company is linked to that check-in, not a new unlinked reflection.
    assert "opened a form: “Reflect: Acme" in after(out, "alex> /reflect rejection:acme")
    # No suggestion matches: the member sees the suggestions, and can keep what they typed.
    unmatched = after(out, "alex> /reflect rejection:Initech")
    assert "“Initech” matches none of the bot's suggestions" in unmatched
    assert "[1] A new one" in unmatched and "[2] “Initech” as typed" in unmatched
    assert "keep: Initech" in unmatched


def test_a_button_on_an_earlier_message_can_be_pressed_by_its_number(tmp_path: Path) -> None:
    script = f"""\
?
/win text:"{WIN}"
/rejected company:Globex stage:screen
#1 Post
/win text:"Second win"
/rejected company:Initech stage:screen
Post
"""
    result = run_sandbox(tmp_path, script)
    out = result.stdout
    assert result.returncode == 0, result.stderr + out
    helped = after(out, "alex> ?")
    assert "#3 Post" in helped and "first line that fails" in helped and "stops the script" in helped
    assert "#1 Bounceback (only you can see this):" in after(out, f'alex> /win text:"{WIN}"')
    # The check-in's menu is now the latest offer; "#1 Post" still reaches the win preview.
    pressed = after(out, "alex> #1 Post")
    assert "→ pressed “🎉 Post” on #1" in pressed
    assert "[#wins] Bounceback:" in pressed and WIN in pressed
    # A label the latest message lacks is pressed on the newest earlier message that has it, and says which.
    assert re.search(r"→ pressed “🎉 Post” on #\d+\n", after(out, "alex> Post"))


def test_a_kept_database_keeps_the_files_the_bot_sends_beside_it(tmp_path: Path) -> None:
    database = tmp_path / "kept" / "demo.sqlite3"
    script = "/rejected company:Acme stage:onsite\n/progress\n/mydata export\n"
    result = run_sandbox(tmp_path, script, "--database", str(database))
    out = result.stdout
    assert result.returncode == 0, result.stderr + out
    files = database.parent / "demo.sqlite3-files"
    assert f"files the bot sends are kept in {files}" in out
    saved = re.findall(r"saved as (\S+)", out)
    assert len(saved) == 2 and "deleted when you quit" not in out
    chart, export = (Path(path) for path in saved)
    assert chart.parent == files and chart.name.endswith("progress.png") and chart.read_bytes()[:4] == b"\x89PNG"
    assert export.parent == files and export.name.endswith(".json") and export.stat().st_size > 0


def test_the_thread_example_goes_from_a_rejection_to_a_plan_item_to_practice_to_a_shared_win(
    tmp_path: Path,
) -> None:
    script = (Path(__file__).resolve().parents[2] / "examples" / "thread.txt").read_text(encoding="utf-8")
    result = run_sandbox(tmp_path, script)
    out = result.stdout
    assert result.returncode == 0, result.stderr + out
    question = "How would you design a URL shortener for millions of users?"
    assert f"Added to your plan: “{question}”" in after(out, f"alex> Plan: {question}")
    practice = after(out, "alex> /practice")
    assert "From your plan" in practice and question in practice
    assert "Draft it as a win" in after(out, "alex> Done")
    preview = after(out, "alex> Draft it as a win")
    assert "[#wins]" not in preview and "🎉 Post" in preview
    posted = after(out, "alex> Post")
    assert "[#wins] Bounceback:" in posted and "URL" in posted.split("[#wins] Bounceback:")[1]
