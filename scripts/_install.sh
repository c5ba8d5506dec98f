# Sourced by scripts/run and scripts/test: make .venv match a lock file, but only when something changed.
# The stamp holds a hash of the Python version, the lock and pyproject.toml; when it matches, nothing runs
# (no pip, no build, no network), so a second start costs nothing.
ensure_installed() {
  local lock="$1" stamp=".venv/.installed-$2" want
  if [ ! -x .venv/bin/python ]; then
    "${PYTHON:-python3}" -m venv .venv
  fi
  want="$(.venv/bin/python -c 'import hashlib, platform, sys
digest = hashlib.sha256(platform.python_version().encode())
for name in sys.argv[1:]:
    with open(name, "rb") as handle:
        digest.update(handle.read())
print(digest.hexdigest())' "$lock" pyproject.toml)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "Installing the locked dependencies ($lock) into .venv; this happens again only when they change." >&2
  rm -f "$stamp"
  .venv/bin/python -m pip install --quiet --require-hashes -r "$lock"
  # setuptools warns on every editable install of a flat layout (bot/, cogs/, emulator/ beside each other) that
  # folders of the same name could shadow the package: here they are the package, so that one warning is muted.
  PYTHONWARNINGS="ignore:Editable installation:UserWarning" .venv/bin/python -m pip install --quiet --no-deps -e .
  echo "$want" > "$stamp"
}
