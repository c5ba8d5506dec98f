"""Rebuild data/safety.index.json after editing data/safety.toml or the engine in bot/safety/.

Run: .venv/bin/python scripts/safety_index.py   (tests/unit/test_safety_index.py fails while the index is stale)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.safety.index import main

if __name__ == "__main__":
    main()
