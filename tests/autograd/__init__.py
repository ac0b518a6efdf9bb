"""Tests of glassgrad.autograd (a package, so that names like test_functional.py may also exist
in other test folders without clashing)."""
