"""Shared test setup: tests in any folder can `import op_db` (the op table) and the helpers
that live directly in tests/."""
import os
import sys

_TESTS = os.path.dirname(os.path.abspath(__file__))
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
